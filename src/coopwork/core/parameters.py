"""The registry of governed parameters: what the members decide, with defaults and legal bounds.

Pure Python, no ORM. Each ``ParamSpec`` names a parameter, its type, its default, the legal bounds a
co-op may move it within, the body allowed to change it, and the legal source. Values are stored as
JSON-friendly primitives; ``ratio`` parameters are exact fractions stored as ``"n/d"`` strings so a
2/3 majority stays exactly 2/3.

Per-legal-form overrides carry the rules that differ between forms (e.g. the SCIC's 57.5 %
indivisible reserve versus the SCOP's 15 % legal reserve).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Kind = Literal["int", "bool", "ratio", "choice", "money_minor", "json"]
Body = Literal["board", "assembly"]


def parse_ratio(raw: Any) -> Fraction:
    """An exact ratio from ``"2/3"``, ``"0.15"`` or ``"25"``; no floats, no exponents."""
    if isinstance(raw, bool | float):
        raise ValueError("give a ratio as a fraction or decimal string, e.g. '2/3'")
    text = str(raw)
    # Exponents ("1e999999999") make Fraction build huge integers: refuse them.
    if len(text) > 40 or "e" in text.lower():
        raise ValueError("give a ratio as a fraction or decimal string, e.g. '2/3'")
    return Fraction(text)


@dataclass(frozen=True)
class ParamSpec:
    key: str
    kind: Kind
    default: Any
    label: str | Promise
    # Translatable (gettext_lazy): render it with str() in the reader's language; never store it.
    source: str | Promise
    minimum: Any = None
    maximum: Any = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    # Which body may change it. "assembly": only an adopted resolution. "board": the board may
    # decide it too (statutes commonly delegate these), and a resolution always may.
    body: Body = "assembly"
    by_legal_form: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # For ``json`` parameters: raises ValueError when the structure is wrong.
    validator: Callable[[Any], None] | None = None

    def for_form(self, legal_form: str) -> ParamSpec:
        """The spec with this legal form's default and bounds applied."""
        override = self.by_legal_form.get(legal_form)
        if not override:
            return self
        return ParamSpec(**{**self.__dict__, **override, "by_legal_form": {}})

    # -- values -------------------------------------------------------------------------------
    def parse(self, raw: Any) -> Any:
        """Turn a stored or submitted value into its Python value; ValueError when malformed."""
        if self.kind in ("int", "money_minor"):
            if isinstance(raw, bool) or not isinstance(raw, int | str):
                raise ValueError("expected an integer")
            return int(raw)
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            if raw in ("true", "1", 1):
                return True
            if raw in ("false", "0", 0):
                return False
            raise ValueError("expected true or false")
        if self.kind == "ratio":
            return parse_ratio(raw)
        if self.kind == "json":
            if not isinstance(raw, dict):
                raise ValueError("expected an object")
            if self.validator is not None:
                self.validator(raw)
            return raw
        if self.kind == "choice":
            if raw not in self.choices:
                raise ValueError(f"expected one of {', '.join(self.choices)}")
            return str(raw)
        raise ValueError(f"unknown kind {self.kind}")

    def dump(self, value: Any) -> Any:
        if self.kind == "ratio":
            frac = Fraction(value)
            return f"{frac.numerator}/{frac.denominator}"
        return value

    def in_bounds(self, value: Any) -> bool:
        if self.kind in ("json", "bool", "choice"):
            return True
        lo = self.parse(self.minimum) if self.minimum is not None else None
        hi = self.parse(self.maximum) if self.maximum is not None else None
        return (lo is None or value >= lo) and (hi is None or value <= hi)


def _non_negative_int(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole, non-negative number of minor units")


def validate_price_rules(raw: dict[str, Any]) -> None:
    """Structure of a price-rules parameter (see marketplace.pricing.PriceRules)."""
    allowed = {"base", "per_km", "per_minute", "per_hour", "minimum", "zone_percent", "windows"}
    unknown = set(raw) - allowed
    if unknown:
        raise ValueError(f"unknown price rule(s): {', '.join(sorted(unknown))}")
    for key in ("base", "per_km", "per_minute", "per_hour", "minimum"):
        _non_negative_int(raw.get(key, 0), key)
        if raw.get(key, 0) > 10_000_000:
            raise ValueError(f"{key} is absurdly large")
    for zone, pct in raw.get("zone_percent", {}).items():
        if not 0 <= parse_ratio(pct) <= 300:
            raise ValueError(f"zone surcharge for {zone} must be 0-300 %")
    for window in raw.get("windows", []):
        if set(window) != {"code", "weekdays", "start", "end", "percent"}:
            raise ValueError("a time window needs code, weekdays, start, end and percent")
        if not all(isinstance(d, int) and 0 <= d <= 6 for d in window["weekdays"]):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        dt.time.fromisoformat(window["start"])
        dt.time.fromisoformat(window["end"])
        if not 0 <= parse_ratio(window["percent"]) <= 300:
            raise ValueError("a time-window surcharge must be 0-300 %")


def validate_speeds(raw: dict[str, Any]) -> None:
    for vehicle, speed in raw.items():
        if isinstance(speed, bool) or not isinstance(speed, int) or not 1 <= speed <= 130:
            raise ValueError(f"speed for {vehicle} must be 1-130 km/h")


NIGHT_AND_SUNDAY = [
    {
        "code": "night",
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "start": "22:00:00",
        "end": "06:00:00",
        "percent": "25",
    },
    {"code": "sunday", "weekdays": [6], "start": "00:00:00", "end": "23:59:59", "percent": "20"},
]


def _specs(*specs: ParamSpec) -> dict[str, ParamSpec]:
    return {s.key: s for s in specs}


REGISTRY: dict[str, ParamSpec] = _specs(
    # --- Membership ------------------------------------------------------------------------------
    ParamSpec(
        key="admission_body",
        kind="choice",
        default="board",
        choices=("board", "assembly"),
        label=_("Who admits new members"),
        source=_("Loi 47-1775 art. 3 & statutes: the board admits between assemblies if allowed."),
    ),
    ParamSpec(
        key="colleges_weighted",
        kind="bool",
        default=False,
        label=_("Votes are weighted by college"),
        source=_("Loi 47-1775 art. 19 octies (SCIC colleges; each weighs 10 %-50 % of the votes)."),
        by_legal_form={"scic": {"default": True}},
    ),
    ParamSpec(
        key="share_redemption_delay_days",
        kind="int",
        default=365,
        minimum=0,
        maximum=1826,
        unit="days",
        label=_("Delay before redeemed shares are paid back"),
        source=_("Loi 47-1775 art. 18: statutes set the delay; it may not exceed five years."),
    ),
    # --- Assemblies (issue: governance) -----------------------------------------------------------
    ParamSpec(
        key="assembly_notice_days",
        kind="int",
        default=15,
        minimum=15,
        maximum=90,
        unit="days",
        label=_("Notice before a general assembly"),
        source=_("Common statute clause (15 days); Code de commerce R225-69 for SA-form co-ops."),
    ),
    ParamSpec(
        key="quorum_ordinary_first",
        kind="ratio",
        default="1/5",
        minimum="1/5",
        maximum="1/1",
        label=_("Quorum of an ordinary assembly, first convocation"),
        source=_("Code de commerce L225-98, applied to co-ops per head (loi 47-1775 art. 9)."),
    ),
    ParamSpec(
        key="quorum_extraordinary_first",
        kind="ratio",
        default="1/4",
        minimum="1/4",
        maximum="1/1",
        label=_("Quorum of an extraordinary assembly, first convocation"),
        source=_("Code de commerce L225-96."),
    ),
    ParamSpec(
        key="quorum_extraordinary_second",
        kind="ratio",
        default="1/5",
        minimum="1/5",
        maximum="1/1",
        label=_("Quorum of an extraordinary assembly, second convocation"),
        source=_("Code de commerce L225-96."),
    ),
    ParamSpec(
        key="majority_extraordinary",
        kind="ratio",
        default="2/3",
        minimum="2/3",
        maximum="1/1",
        label=_("Majority for statute changes"),
        source=_("Code de commerce L225-96: two thirds of the votes cast."),
    ),
    ParamSpec(
        key="majority_extraordinary_base",
        kind="choice",
        default="present_or_represented",
        choices=("present_or_represented", "expressed"),
        label=_("What the majority for statute changes is counted on"),
        source=_(
            "Loi 78-763 art. 11 (SCOP): the votes present or represented, abstentions and blank "
            "votes counting against; Code de commerce L225-96 (SA-form co-ops, since 2019): the "
            "expressed votes only."
        ),
    ),
    ParamSpec(
        key="proposal_support_share",
        kind="ratio",
        default="1/10",
        minimum="1/100",
        maximum="1/2",
        label=_("Share of the active members whose support puts a proposal to a vote"),
        source=_(
            "Statutes: members may put a proposal to a vote without the board once this share "
            "supports it (commonly one tenth). Bounded here to 1 %-50 %: above one half, the "
            "support would already decide the vote."
        ),
    ),
    # --- Surplus -------------------------------------------------------------------------------
    ParamSpec(
        key="reserve_min_share",
        kind="ratio",
        default="15/100",
        minimum="15/100",
        maximum="1/1",
        label=_("Share of surplus to the legal / indivisible reserves"),
        source=_(
            "Loi 78-763 art. 33 (SCOP: at least 15 %); loi 47-1775 art. 19 nonies (SCIC: 57.5 %)."
        ),
        by_legal_form={"scic": {"default": "23/40", "minimum": "23/40"}},
    ),
    ParamSpec(
        key="workers_share_min",
        kind="ratio",
        default="25/100",
        minimum="25/100",
        maximum="1/1",
        label=_("Share of surplus returned to all workers"),
        source=_("Loi 78-763 art. 33 (SCOP: at least 25 % to workers)."),
    ),
    ParamSpec(
        key="patronage_cash_min",
        kind="ratio",
        default="20/100",
        minimum="20/100",
        maximum="1/1",
        label=_("Cash part of a patronage refund"),
        source=_("US Internal Revenue Code §1388(c): at least 20 % paid in cash."),
    ),
    # --- Marketplace (issue: marketplace) -------------------------------------------------------
    ParamSpec(
        key="commission_rate",
        kind="ratio",
        default="12/100",
        minimum="0/1",
        maximum="1/2",
        label=_("Co-op's share of the price of a job"),
        source=_("Decided by the members; no legal bound, this platform allows 0 %-50 %."),
    ),
    ParamSpec(
        key="vat_rate",
        kind="ratio",
        default="20/100",
        minimum="0/1",
        maximum="1/2",
        label=_("VAT rate on services"),
        source=_("Code général des impôts art. 278 (the standard rate in France is 20 %)."),
        body="board",
    ),
    ParamSpec(
        key="pay_floor_hourly",
        kind="money_minor",
        default=1450,
        minimum=0,
        maximum=100000,
        unit="minor/hour",
        label=_("Pay floor per engaged hour"),
        source=_("Decided by the members; must not fall below the legal minimum wage."),
    ),
    ParamSpec(
        key="minimum_paid_hours",
        kind="int",
        default=4,
        minimum=0,
        maximum=8,
        unit="hours",
        label=_("Minimum hours paid when sent home early or cancelled late"),
        source=_("Temp-staffing norm: 4 hours when a shift is cut or cancelled under 24 h."),
    ),
    ParamSpec(
        key="late_cancellation_hours",
        kind="int",
        default=24,
        minimum=0,
        maximum=168,
        unit="hours",
        label=_("A cancellation this close to the start counts as late"),
        source=_("Temp-staffing norm: 24 hours."),
    ),
    ParamSpec(
        key="timesheet_auto_approve_hours",
        kind="int",
        default=48,
        minimum=1,
        maximum=336,
        unit="hours",
        label=_("Timesheets are approved automatically after"),
        source=_("Decided by the members."),
        body="board",
    ),
    ParamSpec(
        key="rating_publish_days",
        kind="int",
        default=7,
        minimum=1,
        maximum=30,
        unit="days",
        label=_("Ratings are published after at most"),
        source=_("Double-blind ratings (Airbnb-style): published when both rate or after 7 days."),
        body="board",
    ),
    ParamSpec(
        key="pricing_shift",
        kind="json",
        default={"per_hour": 0, "minimum": 0},
        label=_("Price rules for shifts (the client's hourly rate is set per shift)"),
        source=_("Decided by the members."),
        validator=validate_price_rules,
    ),
    ParamSpec(
        key="pricing_ride",
        kind="json",
        default={
            "base": 250,
            "per_km": 110,
            "per_minute": 30,
            "minimum": 700,
            "windows": NIGHT_AND_SUNDAY,
        },
        label=_("Price rules for rides"),
        source=_("Decided by the members."),
        validator=validate_price_rules,
    ),
    ParamSpec(
        key="pricing_delivery",
        kind="json",
        default={
            "base": 350,
            "per_km": 90,
            "per_minute": 10,
            "minimum": 600,
            "windows": NIGHT_AND_SUNDAY,
        },
        label=_("Price rules for deliveries"),
        source=_("Decided by the members."),
        validator=validate_price_rules,
    ),
    ParamSpec(
        key="pricing_task",
        kind="json",
        default={"per_hour": 2800, "minimum": 2500, "windows": NIGHT_AND_SUNDAY[1:]},
        label=_("Price rules for home services (hourly tasks)"),
        source=_("Decided by the members."),
        validator=validate_price_rules,
    ),
    ParamSpec(
        key="cancellation_fee",
        kind="money_minor",
        default=500,
        minimum=0,
        maximum=10000,
        unit="minor",
        label=_("Fee for cancelling a ride, delivery or task after a worker was assigned"),
        source=_("Decided by the members; paid to the worker, not kept by the co-op."),
    ),
    ParamSpec(
        key="vehicle_speeds_kmh",
        kind="json",
        default={"foot": 5, "bike": 15, "cargo_bike": 12, "scooter": 25, "car": 28, "van": 24},
        label=_("Average urban speed per vehicle, for ETAs"),
        source=_("Operational estimate; the board may adjust it."),
        body="board",
        validator=validate_speeds,
    ),
    ParamSpec(
        key="clock_in_tolerance_minutes",
        kind="int",
        default=60,
        minimum=0,
        maximum=240,
        unit="minutes",
        label=_("How early or late a worker may clock in"),
        source=_("Operational rule; the board may adjust it."),
        body="board",
    ),
    ParamSpec(
        key="offer_timeout_seconds",
        kind="int",
        default=60,
        minimum=10,
        maximum=3600,
        unit="seconds",
        label=_("How long a worker has to answer an offer"),
        source=_("Decided by the members."),
        body="board",
    ),
    ParamSpec(
        key="case_response_hours",
        kind="int",
        default=72,
        minimum=24,
        maximum=336,
        unit="hours",
        label=_(
            "How long the other side has to answer an incident or dispute before it may be "
            "decided without their statement"
        ),
        source=_(
            "Decided by the members; the board may adjust it. Due process: a case is decided once "
            "the client and every worker on the job have made a statement, or once this time has "
            "passed since it was opened (at least a day, at most two weeks)."
        ),
        body="board",
    ),
    # --- Dispatch (issue: dispatch) -------------------------------------------------------------
    ParamSpec(
        key="dispatch_fairness_weight",
        kind="int",
        default=540,
        minimum=0,
        maximum=3600,
        unit="seconds of ETA",
        label=_("Weight of fairness against efficiency in dispatch"),
        source=_(
            "Decided by the members: 0 is pure efficiency. 540 (seconds of pick-up time for a "
            "worker at twice their share of work) cut the Gini of jobs per active hour by 16 % "
            "for 4 % more pick-up distance on a simulated month (bench/bench_matching.py)."
        ),
    ),
    ParamSpec(
        key="dispatch_waiting_weight",
        kind="ratio",
        default="1/2",
        minimum="0",
        maximum="10",
        unit="seconds of ETA per second waited",
        label=_("Weight of a job's waiting time in dispatch"),
        source=_(
            "Decided by the members: with 1/2, a job that has waited two minutes longer may be "
            "sent a worker one minute farther away."
        ),
        body="board",
    ),
    ParamSpec(
        key="dispatch_radius_m",
        kind="int",
        default=5000,
        minimum=500,
        maximum=50000,
        unit="metres",
        label=_("Farthest pick-up a worker is offered in dispatch"),
        source=_("Decided by the members."),
        body="board",
    ),
    ParamSpec(
        key="dispatch_round_seconds",
        kind="int",
        default=10,
        minimum=2,
        maximum=600,
        unit="seconds",
        label=_("Time between two dispatch rounds in a zone"),
        source=_("Operational rule; the board may adjust it."),
        body="board",
    ),
    ParamSpec(
        key="dispatch_reoffer_pause_seconds",
        kind="int",
        default=600,
        minimum=0,
        maximum=86400,
        unit="seconds",
        label=_(
            "After a refusal or an expiry, the same job is not offered to that worker again for"
        ),
        source=_(
            "Decided by the members. This is not a penalty: the worker stays available for every "
            "other job."
        ),
        body="board",
    ),
)


def get_spec(key: str, legal_form: str = "") -> ParamSpec:
    """The spec for ``key`` under ``legal_form``; KeyError when there is none."""
    return REGISTRY[key].for_form(legal_form)


def all_specs(legal_form: str = "") -> list[ParamSpec]:
    return [spec.for_form(legal_form) for spec in REGISTRY.values()]
