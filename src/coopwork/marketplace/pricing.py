"""Pricing: readable rules in, a readable breakdown out. Pure Python, no ORM.

A price is built from lines, each named and explained:

- ``base``: a fixed amount per job;
- ``distance``: per kilometre, pro rata to the metre;
- ``duration``: per minute of estimated travel or work;
- ``hours``: per hour (shifts and hourly tasks), times the number of positions;
- ``zone``: a surcharge for the zone of the job, as a percentage of the lines above;
- ``time_window``: a surcharge when the job starts in a window (nights, Sundays), as a percentage;
- ``minimum``: tops the net price up to the minimum.

A dispute's decision may adjust a job's net price (``share_adjusted_net`` shares it between the
workers' lines); the split below then applies to the adjusted price.

Then the split, identical on the client's and the worker's receipt: the net price (before tax) is
divided into the co-op's part (``commission_rate`` of it) and the worker's part (the rest); VAT is
``vat_rate`` of the net price; the client pays net + VAT. Every amount is whole minor units and the
parts always add up exactly: worker + co-op = net, net + VAT = total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


def ratio_str(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _round(value: Fraction) -> int:
    """Round a fraction of minor units to a whole unit, ties to even (exact, no floats)."""
    return round(value)


@dataclass(frozen=True)
class TimeWindowSurcharge:
    """A percentage surcharge when the job starts on one of ``weekdays`` (0 = Monday) between
    ``start`` and ``end`` (local time; ``end`` before ``start`` wraps past midnight)."""

    code: str
    weekdays: tuple[int, ...]
    start: dt.time
    end: dt.time
    percent: Fraction

    def applies(self, when: dt.datetime) -> bool:
        t = when.time()
        if self.start <= self.end:
            return when.weekday() in self.weekdays and self.start <= t < self.end
        # Wraps past midnight: the early-morning part belongs to the previous day's window.
        if t >= self.start:
            return when.weekday() in self.weekdays
        if t < self.end:
            return (when.weekday() - 1) % 7 in self.weekdays
        return False


@dataclass(frozen=True)
class PriceRules:
    """The rules of one service kind, in minor units of ``currency``."""

    currency: str
    base: int = 0
    per_km: int = 0
    per_minute: int = 0
    per_hour: int = 0
    minimum: int = 0
    zone_percent: dict[str, Fraction] = field(default_factory=dict)
    windows: tuple[TimeWindowSurcharge, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "base": self.base,
            "per_km": self.per_km,
            "per_minute": self.per_minute,
            "per_hour": self.per_hour,
            "minimum": self.minimum,
            "zone_percent": {k: str(v) for k, v in self.zone_percent.items()},
            "windows": [
                {
                    "code": w.code,
                    "weekdays": list(w.weekdays),
                    "start": w.start.isoformat(),
                    "end": w.end.isoformat(),
                    "percent": str(w.percent),
                }
                for w in self.windows
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PriceRules:
        return cls(
            currency=data["currency"],
            base=int(data.get("base", 0)),
            per_km=int(data.get("per_km", 0)),
            per_minute=int(data.get("per_minute", 0)),
            per_hour=int(data.get("per_hour", 0)),
            minimum=int(data.get("minimum", 0)),
            zone_percent={k: Fraction(v) for k, v in data.get("zone_percent", {}).items()},
            windows=tuple(
                TimeWindowSurcharge(
                    code=w["code"],
                    weekdays=tuple(int(d) for d in w["weekdays"]),
                    start=dt.time.fromisoformat(w["start"]),
                    end=dt.time.fromisoformat(w["end"]),
                    percent=Fraction(w["percent"]),
                )
                for w in data.get("windows", [])
            ),
        )


@dataclass(frozen=True)
class PriceInput:
    """What the price depends on. ``hours`` is per position; ``positions`` multiplies it."""

    start: dt.datetime
    distance_m: int = 0
    duration_s: int = 0
    hours: Fraction = Fraction(0)
    positions: int = 1
    zone: str = ""
    fixed: int | None = None  # a fixed price (tasks) replaces base/distance/duration/hours


@dataclass(frozen=True)
class Line:
    code: str
    amount: int
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "amount": self.amount, "detail": self.detail}


@dataclass(frozen=True)
class Split:
    """Net price divided between worker and co-op, plus tax; what both receipts show."""

    net: int
    worker: int
    coop: int
    vat: int
    total: int
    commission_rate: Fraction
    vat_rate: Fraction

    def as_dict(self) -> dict[str, Any]:
        return {
            "net": self.net,
            "worker": self.worker,
            "coop": self.coop,
            "vat": self.vat,
            "total": self.total,
            "commission_rate": ratio_str(self.commission_rate),
            "vat_rate": ratio_str(self.vat_rate),
        }


@dataclass(frozen=True)
class Quote:
    currency: str
    lines: tuple[Line, ...]
    split: Split

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "lines": [line.as_dict() for line in self.lines],
            "split": self.split.as_dict(),
        }


def split_price(net: int, *, commission_rate: Fraction, vat_rate: Fraction) -> Split:
    """Divide a net price exactly: co-op = round(net × rate), worker = net − co-op."""
    if net < 0:
        raise ValueError("a price cannot be negative")
    coop = _round(Fraction(net) * commission_rate)
    vat = _round(Fraction(net) * vat_rate)
    return Split(
        net=net,
        worker=net - coop,
        coop=coop,
        vat=vat,
        total=net + vat,
        commission_rate=commission_rate,
        vat_rate=vat_rate,
    )


def quote(
    rules: PriceRules, job: PriceInput, *, commission_rate: Fraction, vat_rate: Fraction
) -> Quote:
    """Price a job under ``rules`` and split it. Deterministic; no I/O."""
    if job.positions < 1 or job.distance_m < 0 or job.duration_s < 0 or job.hours < 0:
        raise ValueError("quantities must be positive")
    lines: list[Line] = []
    if job.fixed is not None:
        if job.fixed < 0:
            raise ValueError("a fixed price cannot be negative")
        lines.append(Line("fixed", job.fixed * job.positions, f"{job.positions} × {job.fixed}"))
    else:
        if rules.base:
            lines.append(Line("base", rules.base, "per job"))
        if rules.per_km and job.distance_m:
            amount = _round(Fraction(job.distance_m, 1000) * rules.per_km)
            lines.append(
                Line(
                    "distance", amount, f"{Fraction(job.distance_m, 1000):.3f} km × {rules.per_km}"
                )
            )
        if rules.per_minute and job.duration_s:
            amount = _round(Fraction(job.duration_s, 60) * rules.per_minute)
            lines.append(
                Line(
                    "duration",
                    amount,
                    f"{float(Fraction(job.duration_s, 60)):.1f} min × {rules.per_minute}",
                )
            )
        if rules.per_hour and job.hours:
            amount = _round(job.hours * rules.per_hour * job.positions)
            lines.append(
                Line(
                    "hours",
                    amount,
                    f"{job.positions} × {float(job.hours):g} h × {rules.per_hour}",
                )
            )
    subtotal = sum(line.amount for line in lines)
    # A fixed price is the price agreed: no zone or time surcharge, no minimum.
    surcharges = job.fixed is None
    if surcharges and job.zone and job.zone in rules.zone_percent:
        pct = rules.zone_percent[job.zone]
        lines.append(Line("zone", _round(subtotal * pct / 100), f"{job.zone} +{pct}%"))
    for window in rules.windows if surcharges else ():
        if window.applies(job.start):
            lines.append(
                Line(
                    "time_window",
                    _round(subtotal * window.percent / 100),
                    f"{window.code} +{window.percent}%",
                )
            )
    net = sum(line.amount for line in lines)
    if surcharges and net < rules.minimum:
        lines.append(Line("minimum", rules.minimum - net, f"minimum {rules.minimum}"))
        net = rules.minimum
    return Quote(
        currency=rules.currency,
        lines=tuple(lines),
        split=split_price(net, commission_rate=commission_rate, vat_rate=vat_rate),
    )


def share_adjusted_net(nets: Sequence[int], adjusted_net: int) -> list[int]:
    """Share a job's adjusted net price (a dispute's decision) between its workers' lines in
    proportion to what each line was priced at, equally when every line was zero, without losing
    a minor unit: each gets the floor of its exact share, and the units left over go one each to
    the largest remainders (earliest first on ties)."""
    if adjusted_net < 0:
        raise ValueError("a price cannot be negative")
    if not nets:
        raise ValueError("nothing to share the price between")
    if any(n < 0 for n in nets):
        raise ValueError("a price cannot be negative")
    weights = list(nets) if sum(nets) > 0 else [1] * len(nets)
    total = sum(weights)
    parts = [adjusted_net * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(adjusted_net * weights[i] % total), i))
    for i in order[: adjusted_net - sum(parts)]:
        parts[i] += 1
    return parts


def pay_floor_topup(*, worker_part: int, engaged_seconds: int, floor_per_hour: int) -> int:
    """What the solidarity fund adds so that engaged time is paid at least the floor per hour."""
    if engaged_seconds <= 0:
        return 0
    floor = _round(Fraction(engaged_seconds, 3600) * floor_per_hour)
    return max(0, floor - worker_part)
