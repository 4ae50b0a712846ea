"""Page queries of the marketplace: everything one page shows, read through the domain selectors.

As in ``pages``, each function is the one read a view makes, and read access is checked here with
the domain's own rules: a job is shown only to the people ``selectors.job_get`` allows (anyone else
gets the same 404 as for another co-op's job), the worker area needs the worker role, the
coordinator board the coordinator role. Nothing here writes.

Amounts stay in minor units in the domain; they become ``Money`` here, shown with ``|money``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from coopwork.core.errors import PermissionDenied
from coopwork.core.models import Cooperative, RoleName
from coopwork.core.money import Money
from coopwork.core.parameters import REGISTRY
from coopwork.core.permissions import require_authenticated, require_role
from coopwork.core.selectors import (
    ParameterInForce,
    parameter_history,
    parameter_in_force,
    user_preferences,
    user_roles,
)
from coopwork.governance.selectors import resolution_for_parameter_versions
from coopwork.marketplace import documents, errors, lifecycle, selectors
from coopwork.marketplace.models import (
    Assignment,
    AssignmentStatus,
    Case,
    Invoice,
    Job,
    Message,
    Notification,
    Offer,
    Rating,
    WorkerProfile,
)
from coopwork.marketplace.pricing import Quote
from coopwork.marketplace.services import TERMS_KEYS, case_hearing, job_roles

from .pages import Document, format_parameter

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from coopwork.governance.models import Resolution

    AnyUser = User | AnonymousUser


# --- Statuses ------------------------------------------------------------------------------------

STATUS_TONE = {
    lifecycle.REQUESTED: "pending",
    lifecycle.OPEN: "pending",
    lifecycle.ASSIGNED: "info",
    lifecycle.EN_ROUTE: "info",
    lifecycle.STARTED: "info",
    lifecycle.COMPLETED: "ok",
    lifecycle.APPROVED: "ok",
    lifecycle.SETTLED: "ok",
    lifecycle.CANCELLED: "bad",
    lifecycle.NO_SHOW: "bad",
    lifecycle.DISPUTED: "pending",
}
# The path a job takes, for the timeline's steps still to come.
HAPPY_PATH = {
    "shift": [lifecycle.OPEN, lifecycle.ASSIGNED, lifecycle.STARTED, lifecycle.COMPLETED],
    "task": [lifecycle.OPEN, lifecycle.ASSIGNED, lifecycle.STARTED, lifecycle.COMPLETED],
    "ride": [
        lifecycle.OPEN,
        lifecycle.ASSIGNED,
        lifecycle.EN_ROUTE,
        lifecycle.STARTED,
        lifecycle.COMPLETED,
    ],
    "delivery": [
        lifecycle.OPEN,
        lifecycle.ASSIGNED,
        lifecycle.EN_ROUTE,
        lifecycle.STARTED,
        lifecycle.COMPLETED,
    ],
}
for _path in HAPPY_PATH.values():
    _path += [lifecycle.APPROVED, lifecycle.SETTLED]


def status_label(status: str) -> str:
    return str(lifecycle.STATE_LABELS.get(status, status))


# --- Prices and receipts -------------------------------------------------------------------------

LINE_LABELS: dict[str, str | Promise] = {
    "base": gettext_lazy("Base fare"),
    "distance": gettext_lazy("Distance"),
    "duration": gettext_lazy("Time"),
    "hours": gettext_lazy("Hours"),
    "zone": gettext_lazy("Zone surcharge"),
    "time_window": gettext_lazy("Time surcharge"),
    "minimum": gettext_lazy("Top-up to the minimum price"),
    "fixed": gettext_lazy("Fixed price"),
}
WINDOW_LABELS: dict[str, str | Promise] = {
    "night": gettext_lazy("night"),
    "sunday": gettext_lazy("Sunday"),
}


def _num(value: str | Decimal | float, places: int | None = None) -> str:
    return str(formats.number_format(Decimal(str(value)), decimal_pos=places))


def _percent(percent: Fraction) -> str:
    places = 0 if percent.denominator == 1 else 1
    return _num(Decimal(percent.numerator) / Decimal(percent.denominator), places)


def _pct(value: str) -> str:
    """A ratio ("15/100") as a percentage number ("15", or "5.5")."""
    return _percent(Fraction(value) * 100)


def line_detail(code: str, detail: str, currency: str) -> str:
    """The pricing module's plain detail ("2.492 km × 110"), in words and money of the page."""

    def m(minor: str) -> str:
        return Money(int(minor), currency).localized(_lang())

    if code == "base":
        return _("per job")
    if (found := re.fullmatch(r"([\d.]+) km × (\d+)", detail)) and code == "distance":
        return _("%(km)s km × %(rate)s per km") % {"km": _num(found[1], 2), "rate": m(found[2])}
    if (found := re.fullmatch(r"([\d.]+) min × (\d+)", detail)) and code == "duration":
        return _("%(min)s min × %(rate)s per minute") % {
            "min": _num(found[1], 0),
            "rate": m(found[2]),
        }
    if (found := re.fullmatch(r"(\d+) × ([\d.]+) h × (\d+)", detail)) and code == "hours":
        return _("%(n)s × %(hours)s h × %(rate)s per hour") % {
            "n": found[1],
            "hours": _num(found[2], 2),
            "rate": m(found[3]),
        }
    if (found := re.fullmatch(r"(\d+) × (\d+)", detail)) and code == "fixed":
        return _("%(n)s × %(price)s") % {"n": found[1], "price": m(found[2])}
    if (found := re.fullmatch(r"(\S+) \+(\S+)%", detail)) and code in ("zone", "time_window"):
        name = str(WINDOW_LABELS.get(found[1], found[1]))
        return f"{name} +{_percent(Fraction(found[2]))} %"
    if (found := re.fullmatch(r"minimum (\d+)", detail)) and code == "minimum":
        return _("minimum %(price)s") % {"price": m(found[1])}
    return detail


def _lang() -> str:
    return get_language() or "en"


def money_text(value: Money) -> str:
    """An amount as the ``money`` filter shows it, for messages built in Python."""
    return value.localized(_lang())


@dataclass(frozen=True)
class PriceLine:
    code: str
    label: str
    detail: str
    amount: Money


@dataclass(frozen=True)
class PriceView:
    lines: list[PriceLine]
    net: Money
    worker: Money
    coop: Money
    vat: Money
    total: Money
    commission_pct: str
    vat_pct: str


def price_view(quote: dict[str, Any]) -> PriceView:
    cur = quote["currency"]
    split = quote["split"]
    return PriceView(
        lines=[
            PriceLine(
                line["code"],
                str(LINE_LABELS.get(line["code"], line["code"])),
                line_detail(line["code"], line["detail"], cur),
                Money(int(line["amount"]), cur),
            )
            for line in quote["lines"]
        ],
        net=Money(split["net"], cur),
        worker=Money(split["worker"], cur),
        coop=Money(split["coop"], cur),
        vat=Money(split["vat"], cur),
        total=Money(split["total"], cur),
        commission_pct=_pct(split["commission_rate"]) + " %",
        vat_pct=_pct(split["vat_rate"]) + " %",
    )


def quote_view(quote: Quote) -> PriceView:
    return price_view(quote.as_dict())


@dataclass(frozen=True)
class TermView:
    key: str
    label: str
    display: str
    structured: bool
    source: str
    ref: str
    version: int | None
    url: str
    decision: Resolution | None = None  # for a version from a resolution: its register entry


def term_anchor(key: str, version: int | None) -> str:
    return f"{key}-v{version}" if version else f"{key}-default"


def _term_view(
    coop: Cooperative, key: str, term: dict[str, Any], decision: Resolution | None = None
) -> TermView:
    spec = REGISTRY[key].for_form(coop.legal_form)
    item = ParameterInForce(
        spec, spec.parse(term["value"]), None, term["source"], term["ref"], term["version"]
    )
    structured = isinstance(item.value, dict | list)
    return TermView(
        key=key,
        label=str(spec.label),
        display=format_parameter(item, coop.currency),
        structured=structured,
        source=term["source"],
        ref=term["ref"],
        version=term["version"],
        url=reverse("web:rules", args=[coop.slug]) + "#" + term_anchor(key, term["version"]),
        decision=decision,
    )


@dataclass(frozen=True)
class ReceiptWorker:
    name: str
    hours: str
    sent_home_early: bool
    net: Money
    pay: Money
    topup: Money


@dataclass(frozen=True)
class ReceiptAdjustment:
    """A dispute's decision changed the price: before and after, on both sides' receipt."""

    case: int
    net_before: Money
    total_before: Money
    net: Money
    total: Money


@dataclass(frozen=True)
class ReceiptView:
    kind: str  # quote (not settled yet), settlement or cancellation
    booked: PriceView
    net: Money
    worker: Money
    coop: Money
    vat: Money
    total: Money
    topup: Money
    commission_pct: str
    vat_pct: str
    workers: list[ReceiptWorker]
    terms: list[TermView]
    adjustment: ReceiptAdjustment | None = None


def receipt_view(job: Job) -> ReceiptView:
    data = selectors.receipt(job=job)
    cur = data["currency"]
    booked = price_view(data["booked"])
    decisions = resolution_for_parameter_versions(
        cooperative=job.cooperative,
        version_ids=[
            t["version"]
            for t in data["terms"].values()
            if t["source"] == "resolution" and t["version"] is not None
        ],
    )
    return ReceiptView(
        kind=data["kind"],
        booked=booked,
        net=Money(data["net"], cur),
        worker=Money(data["worker"], cur),
        coop=Money(data["coop"], cur),
        vat=Money(data["vat"], cur),
        total=Money(data["total"], cur),
        topup=Money(data["topup"], cur),
        commission_pct=booked.commission_pct,
        vat_pct=booked.vat_pct,
        workers=[
            ReceiptWorker(
                name=w["name"],
                hours=_num(w["hours"], 2),
                sent_home_early=bool(w["sent_home_early"]),
                net=Money(w["net"], cur),
                pay=Money(w["pay"], cur),
                topup=Money(w["topup"], cur),
            )
            for w in data["workers"]
        ],
        terms=[
            _term_view(job.cooperative, key, term, decisions.get(term["version"]))
            for key, term in sorted(data["terms"].items())
            if key in REGISTRY
        ],
        adjustment=ReceiptAdjustment(
            case=int(adjusted["case"]),
            net_before=Money(adjusted["net_before"], cur),
            total_before=Money(adjusted["total_before"], cur),
            net=Money(data["net"], cur),
            total=Money(data["total"], cur),
        )
        if (adjusted := data.get("adjustment"))
        else None,
    )


# --- Job cards (lists) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobCard:
    job: Job
    status: str
    tone: str
    total: Money  # what the client pays (frozen at booking)
    pay: Money  # the worker's part for one position
    hourly_pay: Money | None  # shifts: the worker's part of one hour
    hourly_rate: Money | None  # shifts: what the client is billed per hour and position
    km: str
    minutes: int


def job_card(job: Job) -> JobCard:
    split = job.quote["split"]
    cur = job.currency
    pay = Money(split["worker"], cur).allocate([1] * max(job.positions, 1))[0]
    hourly = rate_billed = None
    if job.kind == "shift" and hasattr(job, "shift"):
        rate = Fraction(job.shift.hourly_rate_minor)
        commission = Fraction(split["commission_rate"])
        hourly = Money(round(rate - rate * commission), cur)
        rate_billed = Money(job.shift.hourly_rate_minor, cur)
    return JobCard(
        job=job,
        status=status_label(job.status),
        tone=STATUS_TONE.get(job.status, "quiet"),
        total=Money(split["total"], cur),
        pay=pay,
        hourly_pay=hourly,
        hourly_rate=rate_billed,
        km=_num(Decimal(job.distance_m) / 1000, 1),
        minutes=-(-job.duration_s // 60),
    )


# --- Booking -------------------------------------------------------------------------------------


KINDS: list[tuple[str, str | Promise, str | Promise]] = [
    (
        "shift",
        gettext_lazy("A temp shift"),
        gettext_lazy("Staff for a few hours at your site, paid by the hour."),
    ),
    (
        "ride",
        gettext_lazy("A ride"),
        gettext_lazy("A driver takes you from one address to another, at an upfront fare."),
    ),
    (
        "delivery",
        gettext_lazy("A delivery"),
        gettext_lazy("A parcel picked up and delivered in the time windows you choose."),
    ),
    (
        "task",
        gettext_lazy("A home service"),
        gettext_lazy("Cleaning or repairs at your place, at a fixed price or by the hour."),
    ),
]


@dataclass(frozen=True)
class BookPage:
    coop: Cooperative
    kinds: list[tuple[str, str | Promise, str | Promise]]
    commission_pct: str
    pay_floor: Money


def book_page(*, cooperative: Cooperative, user: AnyUser) -> BookPage:
    require_authenticated(user=user)
    commission = parameter_in_force(cooperative=cooperative, key="commission_rate")
    floor = parameter_in_force(cooperative=cooperative, key="pay_floor_hourly")
    return BookPage(
        coop=cooperative,
        kinds=KINDS,
        commission_pct=format_parameter(commission, cooperative.currency),
        pay_floor=Money(int(floor.value), cooperative.currency),
    )


# --- The client's jobs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobsPage:
    coop: Cooperative
    live: list[JobCard]
    done: list[JobCard]
    invoices: list[tuple[Invoice, Money]]


def jobs_page(*, cooperative: Cooperative, user: AnyUser) -> JobsPage:
    require_authenticated(user=user)
    client: User = user  # type: ignore[assignment]
    cards = [job_card(j) for j in selectors.client_jobs(cooperative=cooperative, user=client)]
    return JobsPage(
        coop=cooperative,
        live=[c for c in cards if c.job.status not in lifecycle.FINAL],
        done=[c for c in cards if c.job.status in lifecycle.FINAL],
        invoices=[
            (i, Money(i.total_minor, i.currency))
            for i in selectors.invoices(cooperative=cooperative, client=client)
        ],
    )


@dataclass(frozen=True)
class TimelineRow:
    status: str
    label: str
    at: dt.datetime | None
    by: str
    done: bool
    current: bool


@dataclass(frozen=True)
class TrackView:
    name: str
    eta_min: int
    km: str
    seen_at: dt.datetime


def track_view(t: selectors.Tracking) -> TrackView:
    return TrackView(t.name, -(-t.eta_s // 60), _num(Decimal(t.distance_m) / 1000, 1), t.seen_at)


@dataclass(frozen=True)
class MoneyPreview:
    reason: str
    net: Money
    vat: Money
    total: Money
    hours: int
    workers: int


@dataclass
class JobPage:
    coop: Cooperative
    job: Job
    card: JobCard
    roles: set[str]
    detail: Any
    assignments: list[Assignment]
    my_assignment: Assignment | None
    timeline: list[TimelineRow]
    tracking: list[TrackView]
    receipt: ReceiptView
    messages: list[Message] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    my_ratings: list[Rating] = field(default_factory=list)
    to_rate: list[tuple[int, str]] = field(default_factory=list)
    rating_days: int = 7
    cases: list[Case] = field(default_factory=list)
    cancel: MoneyPreview | None = None
    can_approve: bool = False
    can_dispute: bool = False
    can_claim: bool = False
    can_message: bool = False
    send_home: list[Assignment] = field(default_factory=list)
    # Transitions without data the viewer may make now (publish a draft, a whole-job no-show
    # once the clock-in tolerance is over, closing a no-show), as buttons.
    plain: list[lifecycle.Transition] = field(default_factory=list)
    show_codes: bool = False
    live: bool = True

    @property
    def is_client(self) -> bool:
        return "client" in self.roles

    @property
    def status_labels(self) -> dict[str, str]:
        """Every status in the page's language, for the live script."""
        return {s: status_label(s) for s in lifecycle.STATES}

    @property
    def weight_kg(self) -> str:
        delivery = getattr(self.job, "delivery", None)
        return _num(Decimal(delivery.weight_g) / 1000, 1) if delivery else ""

    @property
    def shows_tracking(self) -> bool:
        return self.job.kind in lifecycle.MOBILE_KINDS and self.job.status in lifecycle.ACTIVE

    @property
    def tracks_position(self) -> bool:
        """Whether the viewing worker's browser should share its position now."""
        return (
            self.is_worker
            and self.job.kind in lifecycle.MOBILE_KINDS
            and self.job.status in lifecycle.ACTIVE
        )

    @property
    def is_worker(self) -> bool:
        return "worker" in self.roles

    @property
    def is_coordinator(self) -> bool:
        return "coordinator" in self.roles


def _detail(job: Job) -> Any:
    return getattr(job, job.kind, None)


def _timeline(job: Job) -> list[TimelineRow]:
    steps = selectors.job_timeline(job=job)
    rows = [
        TimelineRow(s.status, status_label(s.status), s.at, s.by, True, i == len(steps) - 1)
        for i, s in enumerate(steps)
    ]
    if job.status in HAPPY_PATH[job.kind]:
        seen = {r.status for r in rows}
        after = HAPPY_PATH[job.kind][HAPPY_PATH[job.kind].index(job.status) + 1 :]
        rows += [
            TimelineRow(s, status_label(s), None, "", False, False) for s in after if s not in seen
        ]
    return rows


def _rateable(job: Job, user: User, assignments: list[Assignment]) -> list[tuple[int, str]]:
    if job.status not in (
        lifecycle.COMPLETED,
        lifecycle.APPROVED,
        lifecycle.SETTLED,
        lifecycle.DISPUTED,
    ):
        return []
    active = [a for a in assignments if a.status == AssignmentStatus.ACTIVE]
    if job.client_id == user.pk:
        pairs = [(a.worker_id, a.worker.get_full_name() or a.worker.get_username()) for a in active]
    elif any(a.worker_id == user.pk for a in active):
        pairs = [(job.client_id, job.client.get_full_name() or job.client.get_username())]
    else:
        return []
    given = set(Rating.objects.filter(job=job, rater_id=user.pk).values_list("ratee_id", flat=True))
    return [(pk, name) for pk, name in pairs if pk not in given]


def job_page(*, cooperative: Cooperative, user: AnyUser, job_id: int) -> JobPage:
    require_authenticated(user=user)  # a visitor is asked to sign in, not told "not found"
    job = selectors.job_get(cooperative=cooperative, job_id=job_id, user=user)
    viewer: User = user  # type: ignore[assignment]  # job_get refused anonymous users
    roles = job_roles(job=job, user=viewer)
    assignments = selectors.job_assignments(job=job)
    mine = next((a for a in assignments if a.worker_id == viewer.pk), None)
    page = JobPage(
        coop=cooperative,
        job=job,
        card=job_card(job),
        roles=roles,
        detail=_detail(job),
        assignments=assignments,
        my_assignment=mine,
        timeline=_timeline(job),
        tracking=[track_view(t) for t in selectors.job_tracking(job=job)],
        receipt=receipt_view(job),
        live=job.status not in lifecycle.FINAL,
    )
    involved = roles or mine is not None
    if not involved:
        # A worker who may take the open job sees what it is and can claim it; nothing else.
        page.can_claim = job.status in (lifecycle.OPEN, lifecycle.ASSIGNED)
        return page
    page.can_message = bool(roles)
    page.messages = selectors.messages(job=job) if roles else []
    visible = selectors.ratings_visible(job=job)
    page.ratings = [
        r for r in visible if "coordinator" in roles or viewer.pk in (r.rater_id, r.ratee_id)
    ]
    page.my_ratings = list(Rating.objects.filter(job=job, rater_id=viewer.pk))
    page.to_rate = _rateable(job, viewer, assignments)
    page.rating_days = int(job.terms["rating_publish_days"]["value"])
    page.cases = selectors.cases(job=job)
    # The codes prove presence (shift) and delivery: only the client's side sees them, and only
    # while they are still of use.
    page.show_codes = bool(roles & {"client", "coordinator"}) and job.status in (
        lifecycle.OPEN,
        lifecycle.ASSIGNED,
        lifecycle.EN_ROUTE,
        lifecycle.STARTED,
    )
    if lifecycle.allowed("cancel", state=job.status, kind=job.kind, roles=roles)[0]:
        preview = selectors.cancellation_preview(job=job)
        cur = job.currency
        page.cancel = MoneyPreview(
            preview.reason,
            Money(preview.net, cur),
            Money(preview.vat, cur),
            Money(preview.total, cur),
            preview.hours,
            preview.workers,
        )
    page.can_approve = lifecycle.allowed(
        "approve", state=job.status, kind=job.kind, roles=roles - {"worker"}
    )[0]
    page.can_dispute = lifecycle.allowed("dispute", state=job.status, kind=job.kind, roles=roles)[0]
    late = timezone.now() >= job.starts_at + dt.timedelta(
        minutes=int(job.terms["clock_in_tolerance_minutes"]["value"])
    )
    page.plain = [
        t
        for t in lifecycle.available(state=job.status, kind=job.kind, roles=roles - {"worker"})
        if t.name in ("publish", "close_no_show") or (t.name == "no_show" and late)
    ]
    if (
        roles & {"client", "coordinator"}
        and job.kind == "shift"
        and job.status == lifecycle.STARTED
    ):
        page.send_home = [
            a
            for a in assignments
            if a.status == AssignmentStatus.ACTIVE and a.clock_in_at and not a.clock_out_at
        ]
    return page


# --- The worker area -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferCard:
    offer: Offer
    card: JobCard


@dataclass(frozen=True)
class AssignmentCard:
    assignment: Assignment
    card: JobCard

    @property
    def paid(self) -> Money:
        """What the worker was paid at settlement, pay-floor top-up included."""
        a = self.assignment
        return Money(a.pay_minor + a.topup_minor, self.card.job.currency)


@dataclass(frozen=True)
class WorkPage:
    coop: Cooperative
    profile: WorkerProfile | None
    offers: list[OfferCard]
    open_jobs: list[JobCard]
    current: list[AssignmentCard]
    waitlisted: list[AssignmentCard]
    recent: list[AssignmentCard]
    earnings: selectors.Earnings


def _require_worker(cooperative: Cooperative, user: AnyUser) -> WorkerProfile | None:
    require_role(user=user, cooperative=cooperative, roles={RoleName.WORKER})
    return selectors.worker_profile(cooperative=cooperative, user=user)


def work_page(*, cooperative: Cooperative, user: AnyUser) -> WorkPage:
    profile = _require_worker(cooperative, user)
    worker: User = user  # type: ignore[assignment]
    earnings = selectors.worker_earnings(cooperative=cooperative, user=worker)
    if profile is None:
        return WorkPage(cooperative, None, [], [], [], [], [], earnings)
    offers = selectors.offers_for_worker(cooperative=cooperative, user=worker)
    # The offer's job is loaded without its detail row; cards need the shift's rate.
    jobs = {
        j.pk: j
        for j in Job.objects.select_related("shift", "zone").filter(
            pk__in=[o.job_id for o in offers]
        )
    }
    assignments = selectors.worker_jobs(cooperative=cooperative, user=worker)
    current: list[AssignmentCard] = []
    waitlisted: list[AssignmentCard] = []
    recent: list[AssignmentCard] = []
    for a in assignments:
        card = AssignmentCard(a, job_card(a.job))
        if a.status == AssignmentStatus.WAITLISTED and a.job.status not in lifecycle.FINAL:
            waitlisted.append(card)
        elif a.status == AssignmentStatus.ACTIVE and a.job.status not in (
            *lifecycle.FINAL,
            lifecycle.APPROVED,
        ):
            current.append(card)
        elif len(recent) < 10 and a.status in (
            AssignmentStatus.ACTIVE,
            AssignmentStatus.CANCELLED,
        ):
            recent.append(card)
    current.sort(key=lambda c: c.assignment.job.starts_at)
    return WorkPage(
        coop=cooperative,
        profile=profile,
        offers=[OfferCard(o, job_card(jobs[o.job_id])) for o in offers if o.job_id in jobs],
        open_jobs=[
            job_card(j)
            for j in selectors.open_jobs_for_worker(cooperative=cooperative, user=worker)
        ],
        current=current,
        waitlisted=waitlisted,
        recent=recent,
        earnings=earnings,
    )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    topup_y: float
    topup_height: float
    label: str
    title: str
    value: Money


@dataclass(frozen=True)
class EarningsPage:
    coop: Cooperative
    profile: WorkerProfile | None
    total: selectors.Earnings
    period: str
    periods: list[selectors.EarningsPeriod]
    bars: list[Bar]
    rows: list[dict[str, Any]]
    chart_width: int
    chart_height: int
    max_value: Money


CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM = 640, 220, 16, 34


def _bars(periods: list[selectors.EarningsPeriod], period: str, currency: str) -> list[Bar]:
    peak = max((p.pay + p.topup for p in periods), default=0) or 1
    slot = CHART_W / max(len(periods), 1)
    usable = CHART_H - CHART_TOP - CHART_BOTTOM
    bars = []
    for i, p in enumerate(periods):
        pay_h = usable * p.pay / peak
        top_h = usable * p.topup / peak
        base = CHART_H - CHART_BOTTOM
        label = (
            formats.date_format(p.start, "M")
            if period == "month"
            else formats.date_format(p.start, "j M")
        )
        total = Money(p.pay + p.topup, currency)
        title = ngettext(
            "%(period)s: %(amount)s for %(jobs)s job",
            "%(period)s: %(amount)s for %(jobs)s jobs",
            p.jobs,
        ) % {
            "period": label,
            "amount": total.localized(_lang()),
            "jobs": p.jobs,
        }
        bars.append(
            Bar(
                x=round(i * slot + slot * 0.18, 1),
                y=round(base - pay_h, 1),
                width=round(slot * 0.64, 1),
                height=round(pay_h, 1),
                topup_y=round(base - pay_h - top_h, 1),
                topup_height=round(top_h, 1),
                label=str(label),
                title=title,
                value=total,
            )
        )
    return bars


def earnings_page(*, cooperative: Cooperative, user: AnyUser, period: str) -> EarningsPage:
    profile = _require_worker(cooperative, user)
    worker: User = user  # type: ignore[assignment]
    period = "month" if period == "month" else "week"
    periods = selectors.worker_earnings_by_period(
        cooperative=cooperative, user=worker, period=period, count=8 if period == "week" else 6
    )
    cur = cooperative.currency
    return EarningsPage(
        coop=cooperative,
        profile=profile,
        total=selectors.worker_earnings(cooperative=cooperative, user=worker),
        period=period,
        periods=periods,
        bars=_bars(periods, period, cur),
        rows=[
            {
                "start": p.start,
                "jobs": p.jobs,
                "hours": _num(Decimal(p.seconds) / 3600, 1),
                "pay": Money(p.pay, cur),
                "topup": Money(p.topup, cur),
            }
            for p in periods
        ],
        chart_width=CHART_W,
        chart_height=CHART_H,
        max_value=Money(max((p.pay + p.topup for p in periods), default=0), cur),
    )


@dataclass(frozen=True)
class ProfilePage:
    coop: Cooperative
    profile: WorkerProfile | None
    zones: list[tuple[str, str]]
    calendar_url: str


def profile_page(*, cooperative: Cooperative, user: AnyUser) -> ProfilePage:
    profile = _require_worker(cooperative, user)
    zones = [(z.code, z.name) for z in cooperative.zones.all()]
    url = ""
    if profile is not None:
        url = reverse("web:calendar", args=[cooperative.slug, profile.calendar_token])
    return ProfilePage(cooperative, profile, zones, url)


def calendar_feed(*, cooperative: Cooperative, token: str) -> bytes:
    """The iCalendar feed a calendar link belongs to. The link is the secret: no sign-in."""
    profile = selectors.calendar_profile(token=token)
    if profile is None or profile.cooperative_id != cooperative.pk:
        raise errors.JobNotFound()
    return documents.worker_calendar_ics(profile=profile)


# --- The coordinator board -----------------------------------------------------------------------

BOARD_COLUMNS = [
    lifecycle.OPEN,
    lifecycle.ASSIGNED,
    lifecycle.EN_ROUTE,
    lifecycle.STARTED,
    lifecycle.COMPLETED,
    lifecycle.DISPUTED,
    lifecycle.NO_SHOW,
    lifecycle.APPROVED,
    lifecycle.SETTLED,
    lifecycle.CANCELLED,
]


@dataclass(frozen=True)
class BoardJob:
    card: JobCard
    workers: list[Assignment]
    assignable: bool


@dataclass(frozen=True)
class BoardColumn:
    status: str
    label: str
    tone: str
    jobs: list[BoardJob]


@dataclass(frozen=True)
class CaseToDecide:
    """An open case on the coordinator's board, with who has not been heard yet."""

    case: Case
    waiting_for: list[tuple[int, str, str]]  # (user id, side, name)
    respond_by: dt.datetime | None
    decidable: bool

    @property
    def waiting_names(self) -> str:
        return ", ".join(name for _pk, _side, name in self.waiting_for)

    @property
    def booked_net(self) -> Money:
        """The job's price before VAT at booking: what an adjustment starts from."""
        return Money(int(self.case.job.quote["split"]["net"]), self.case.job.currency)


@dataclass(frozen=True)
class CoordPage:
    coop: Cooperative
    columns: list[BoardColumn]
    live_count: int
    workers: list[WorkerProfile]
    cases: list[CaseToDecide]
    clients: list[User]
    invoices: list[Invoice]
    today: dt.date


def coordinator_columns(*, cooperative: Cooperative, user: AnyUser) -> list[BoardColumn]:
    require_role(user=user, cooperative=cooperative, roles={RoleName.COORDINATOR})
    board = selectors.coordinator_board(cooperative=cooperative)
    columns = []
    for status in BOARD_COLUMNS:
        jobs = [
            BoardJob(
                card=job_card(j),
                workers=[a for a in j.assignments.all() if a.status == AssignmentStatus.ACTIVE],
                assignable=j.status in (lifecycle.OPEN, lifecycle.ASSIGNED),
            )
            for j in board.get(status, [])
        ]
        columns.append(
            BoardColumn(status, status_label(status), STATUS_TONE.get(status, "quiet"), jobs)
        )
    return columns


def cases_to_decide(
    *, cooperative: Cooperative, now: dt.datetime | None = None
) -> list[CaseToDecide]:
    """Open cases, oldest first, each with the parties still to be heard (two queries per case:
    there are few open cases at a time)."""
    now = now or timezone.now()
    items = []
    for case in selectors.open_cases(cooperative=cooperative):
        hearing = case_hearing(case=case)
        items.append(
            CaseToDecide(case, hearing.waiting_for, hearing.respond_by, hearing.decidable(now))
        )
    return items


def coord_page(*, cooperative: Cooperative, user: AnyUser) -> CoordPage:
    columns = coordinator_columns(cooperative=cooperative, user=user)
    return CoordPage(
        coop=cooperative,
        columns=columns,
        live_count=sum(len(c.jobs) for c in columns if c.status not in lifecycle.FINAL),
        workers=selectors.worker_profiles(cooperative=cooperative),
        cases=cases_to_decide(cooperative=cooperative),
        clients=selectors.invoiceable_clients(cooperative=cooperative),
        invoices=selectors.invoices(cooperative=cooperative),
        today=timezone.localdate(),
    )


def invoice_document(*, cooperative: Cooperative, user: AnyUser, invoice_id: int) -> Document:
    """An invoice as PDF, for its client or for the co-op's coordinators and board."""
    require_authenticated(user=user)
    invoice = selectors.invoice_get(cooperative=cooperative, invoice_id=invoice_id)
    if invoice is None:
        raise errors.JobNotFound()
    roles = user_roles(user=user, cooperative=cooperative)
    if invoice.client_id != user.pk and not roles & {RoleName.COORDINATOR, RoleName.BOARD}:
        raise PermissionDenied()
    return Document(
        documents.invoice_pdf(invoice=invoice),
        "application/pdf",
        f"{cooperative.slug}-invoice-{invoice.number}.pdf",
    )


# --- Notifications and rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationView:
    item: Notification
    label: str  # the sentence, in the reader's language
    detail: str = ""  # the stored text, for notifications kept without parameters

    @classmethod
    def of(cls, n: Notification) -> NotificationView:
        message = n.message
        if n.params and message != n.text:
            return cls(n, message)
        return cls(n, str(NOTIFICATION_TEXTS.get(n.kind, n.kind)), n.text)


@dataclass(frozen=True)
class NotificationsPage:
    coop: Cooperative
    items: list[NotificationView]
    unread: int
    job_emails: bool = True  # the user gets them by e-mail too
    email: str = ""  # where to (empty: no address, so no e-mail)

    @property
    def ids(self) -> list[int]:
        return [n.item.pk for n in self.items]


def notifications_page(*, cooperative: Cooperative, user: AnyUser) -> NotificationsPage:
    require_authenticated(user=user)
    qs = selectors.notifications(user=user, cooperative=cooperative)  # type: ignore[arg-type]
    items = [NotificationView.of(n) for n in qs[:50]]
    preferences = user_preferences(user=user)  # type: ignore[arg-type]
    return NotificationsPage(
        cooperative,
        items,
        sum(1 for n in items if n.item.read_at is None),
        job_emails=preferences.job_emails,
        email=getattr(user, "email", "") or "",
    )


# Labels of notifications stored before they kept their parameters (and of other apps' kinds
# without a template); the others render their own sentence (marketplace.notifications).
NOTIFICATION_TEXTS: dict[str, str | Promise] = {
    "job.assigned": gettext_lazy("A coordinator gave you a job"),
    "job.promoted": gettext_lazy("A position freed up: you moved from the waiting list"),
    "job.settled": gettext_lazy("Job settled: your pay is on its way"),
    "job.cancelled": gettext_lazy("A job you held was cancelled"),
    "job.message": gettext_lazy("New message"),
}


@dataclass(frozen=True)
class RuleVersion:
    anchor: str
    display: str
    structured: bool
    effective_from: dt.date | None
    source: str
    ref: str
    current: bool
    # For ``source == "resolution"``: the register entry that created the version (None when a
    # resolution was recorded without one), whose ``source`` says online ballot or assembly.
    decision: Resolution | None = None


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    legal_source: str
    versions: list[RuleVersion]


MARKET_KEYS = (
    *TERMS_KEYS,
    "pricing_shift",
    "pricing_ride",
    "pricing_delivery",
    "pricing_task",
    "offer_timeout_seconds",
    # How long the other side of an incident or dispute has to answer before a decision.
    "case_response_hours",
    # Who is offered a job, hence who earns: the rules page links it to the trade-off curve.
    "dispatch_fairness_weight",
)


def rules_page(*, cooperative: Cooperative) -> list[Rule]:
    """The marketplace's governed parameters, each version with the decision it came from: the
    page every receipt links to. Public, like the prices themselves."""
    cur = cooperative.currency
    rules = []
    histories = {key: parameter_history(cooperative=cooperative, key=key) for key in MARKET_KEYS}
    decisions = resolution_for_parameter_versions(
        cooperative=cooperative,
        version_ids=[
            v.pk for versions in histories.values() for v in versions if v.source == "resolution"
        ],
    )
    for key in MARKET_KEYS:
        now = parameter_in_force(cooperative=cooperative, key=key)
        spec = now.spec
        versions = []
        for v in histories[key]:
            item = ParameterInForce(
                spec, spec.parse(v.value), v.effective_from, v.source, v.source_ref, v.pk
            )
            versions.append(
                RuleVersion(
                    anchor=term_anchor(key, v.pk),
                    display=format_parameter(item, cur),
                    structured=isinstance(item.value, dict | list),
                    effective_from=v.effective_from,
                    source=v.source,
                    ref=v.source_ref,
                    current=v.pk == now.version_id,
                    decision=decisions.get(v.pk),
                )
            )
        default = ParameterInForce(spec, spec.parse(spec.default), None, "default", "", None)
        versions.append(
            RuleVersion(
                anchor=term_anchor(key, None),
                display=format_parameter(default, cur),
                structured=isinstance(default.value, dict | list),
                effective_from=None,
                source="default",
                ref="",
                current=now.version_id is None,
            )
        )
        rules.append(Rule(key, str(spec.label), str(spec.source), versions))
    return rules
