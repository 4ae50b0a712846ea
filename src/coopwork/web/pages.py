"""Page queries: everything one page shows, read through the domain selectors.

Each function is the one read a view makes. Read access is checked here with the domain's own
``require_role`` (board pages and registers need the board role; a member page needs a
membership), so a view never decides permissions by itself. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from coopwork.core.errors import CoopError, NotFound
from coopwork.core.models import Cooperative, RoleName
from coopwork.core.money import Money
from coopwork.core.permissions import require_authenticated, require_role
from coopwork.core.selectors import (
    ParameterInForce,
    parameter_value,
    parameters_in_force,
    user_roles,
)
from coopwork.governance.selectors import resolution_for_parameter_versions
from coopwork.ledger.chart import CHART
from coopwork.ledger.selectors import TrialBalance, trial_balance
from coopwork.members import documents, errors
from coopwork.members.models import (
    Application,
    ApplicationStatus,
    College,
    Member,
    MemberStatus,
    RequestKind,
    RequestStatus,
    ShareMovement,
    ShareRequest,
)
from coopwork.members.selectors import (
    active_members,
    application_for_user,
    applications,
    capital_total,
    colleges,
    holding,
    member_by_register_number,
    member_count,
    member_for_user,
    member_movements,
    share_requests,
    shares_pending_redemption,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from coopwork.governance.models import Resolution

    AnyUser = User | AnonymousUser

BOARD = {RoleName.BOARD.value}


# --- Public page and joining ---------------------------------------------------------------------


@dataclass(frozen=True)
class CollegeView:
    college: College
    nominal: Money
    minimum_amount: Money
    weight: Any  # Decimal percentage, or None when votes are not weighted
    members: int


@dataclass(frozen=True)
class PublicPage:
    coop: Cooperative
    colleges: list[CollegeView]
    weighted: bool
    member_count: int
    capital: Money
    roles: set[str]
    member: Member | None
    application: Application | None
    incubated: list[Cooperative]


def _college_views(cooperative: Cooperative, weighted: bool) -> list[CollegeView]:
    views = []
    for college in colleges(cooperative=cooperative):
        nominal = Money(college.share_class.nominal_minor, cooperative.currency)
        views.append(
            CollegeView(
                college=college,
                nominal=nominal,
                minimum_amount=nominal * college.min_shares,
                weight=college.weight if weighted else None,
                members=int(getattr(college, "active_members", 0)),
            )
        )
    return views


def public_page(*, cooperative: Cooperative, user: AnyUser) -> PublicPage:
    weighted = bool(parameter_value(cooperative=cooperative, key="colleges_weighted"))
    return PublicPage(
        coop=cooperative,
        colleges=_college_views(cooperative, weighted),
        weighted=weighted,
        member_count=member_count(cooperative=cooperative),
        capital=capital_total(cooperative=cooperative),
        roles=user_roles(user=user, cooperative=cooperative),
        member=member_for_user(cooperative=cooperative, user=user),
        application=application_for_user(cooperative=cooperative, user=user),
        incubated=list(cooperative.incubated.order_by("name")),
    )


@dataclass(frozen=True)
class JoinPage:
    coop: Cooperative
    colleges: list[CollegeView]
    member: Member | None
    pending: Application | None


def join_page(*, cooperative: Cooperative, user: AnyUser) -> JoinPage:
    weighted = bool(parameter_value(cooperative=cooperative, key="colleges_weighted"))
    application = application_for_user(cooperative=cooperative, user=user)
    member = member_for_user(cooperative=cooperative, user=user)
    return JoinPage(
        coop=cooperative,
        colleges=[
            c for c in _college_views(cooperative, weighted) if c.college.open_to_applications
        ],
        member=member if member is not None and member.status == MemberStatus.ACTIVE else None,
        pending=application
        if application is not None and application.status == ApplicationStatus.PENDING
        else None,
    )


@dataclass(frozen=True)
class Quote:
    college: College | None
    shares: int | None
    nominal: Money | None
    total: Money | None
    error: str = ""


def join_quote(*, cooperative: Cooperative, college_code: str, shares: str) -> Quote:
    """The amount an applicant will pay, with the same bound messages the service gives."""
    college = next(
        (c for c in colleges(cooperative=cooperative) if c.code == college_code),
        None,
    )
    if college is None:
        return Quote(None, None, None, None)
    nominal = Money(college.share_class.nominal_minor, cooperative.currency)
    if not shares.strip():
        return Quote(college, None, nominal, None)
    try:
        quantity = int(shares)
    except (TypeError, ValueError):
        return Quote(college, None, nominal, None, str(errors.QuantityInvalid().render_message()))
    problem: CoopError | None = None
    maximum = college.share_class.max_per_member
    if not 1 <= quantity <= 1_000_000:
        problem = errors.QuantityInvalid()
    elif quantity < college.min_shares:
        problem = errors.SharesBelowMinimum(minimum=college.min_shares)
    elif maximum is not None and quantity > maximum:
        problem = errors.SharesAboveMaximum(maximum=maximum)
    total = nominal * quantity if problem is None or quantity > 0 else None
    return Quote(college, quantity, nominal, total, problem.render_message() if problem else "")


@dataclass(frozen=True)
class PendingPage:
    coop: Cooperative
    application: Application
    amount: Money


def pending_page(*, cooperative: Cooperative, user: AnyUser) -> PendingPage:
    require_authenticated(user=user)
    application = application_for_user(cooperative=cooperative, user=user)
    if application is None:
        raise errors.ApplicationNotFound()
    nominal = application.college.share_class.nominal_minor
    amount = Money(nominal * application.shares, cooperative.currency)
    return PendingPage(coop=cooperative, application=application, amount=amount)


# --- Board ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    request: ShareRequest
    amount: Money
    due: bool


@dataclass(frozen=True)
class TrialBalanceLine:
    code: str
    label: str
    holder: str
    debit: Money
    credit: Money


@dataclass(frozen=True)
class ParameterLine:
    item: ParameterInForce
    display: str
    structured: bool = False  # a JSON rule set, shown folded
    # For a version from a resolution: the register entry (online vote or general assembly).
    decision: Resolution | None = None


@dataclass(frozen=True)
class BoardPage:
    coop: Cooperative
    applications: list[Application]
    purchases: list[RequestView]
    redemptions: list[RequestView]
    members: list[Member]
    member_count: int
    capital: Money
    trial_balance: TrialBalance
    trial_lines: list[TrialBalanceLine]
    totals: list[tuple[Money, Money]]
    parameters: list[ParameterLine]
    recent: list[Application] = field(default_factory=list)
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def request_count(self) -> int:
        return len(self.purchases) + len(self.redemptions)


def format_parameter(item: ParameterInForce, currency: str) -> str:
    spec, value = item.spec, item.value
    if spec.kind == "bool":
        return str(_("yes") if value else _("no"))
    if spec.kind == "ratio":
        frac = Fraction(value)
        percent = frac * 100
        if percent.denominator == 1:
            return f"{percent.numerator} %"
        if (percent * 10).denominator == 1:
            return f"{float(percent):.1f} %"
        return f"{frac.numerator}/{frac.denominator}"
    if spec.kind == "money_minor":
        return Money(int(value), currency).localized(get_language() or "en")
    if spec.kind == "int" and spec.unit:
        number = int(value)
        units = {
            "days": ngettext("%(n)s day", "%(n)s days", number),
            "hours": ngettext("%(n)s hour", "%(n)s hours", number),
            "minutes": ngettext("%(n)s minute", "%(n)s minutes", number),
            "seconds": ngettext("%(n)s second", "%(n)s seconds", number),
            "seconds of ETA": ngettext(
                "%(n)s second of pick-up time", "%(n)s seconds of pick-up time", number
            ),
        }
        shown = formats.number_format(number, force_grouping=True)
        if spec.unit in units:
            return units[spec.unit] % {"n": shown}
        return f"{shown} {spec.unit}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
    if spec.kind == "choice":
        names = {"board": _("the board"), "assembly": _("the general assembly")}
        return str(names.get(value, value))
    return str(value)


def board_page(*, cooperative: Cooperative, user: AnyUser) -> BoardPage:
    require_role(user=user, cooperative=cooperative, roles=BOARD)
    cur = cooperative.currency
    today = timezone.localdate()
    pending_requests = share_requests(cooperative=cooperative, status=RequestStatus.PENDING)

    def view(req: ShareRequest) -> RequestView:
        nominal = req.member.college.share_class.nominal_minor
        return RequestView(req, Money(nominal * req.quantity, cur), req.eligible_on <= today)

    all_apps = applications(cooperative=cooperative)
    members = active_members(cooperative=cooperative)
    holders = {m.holder: m for m in members}
    tb = trial_balance(cooperative=cooperative)
    lines = []
    for row in tb.rows:
        member = holders.get(row.holder)
        holder = (
            pgettext("member number", "No. %(number)s %(name)s")
            % {"number": member.register_number, "name": member.display_name}
            if member
            else row.holder
        )
        kind = CHART.get(row.code)
        lines.append(
            TrialBalanceLine(
                code=row.code,
                label=str(kind.label) if kind else row.code,
                holder=holder,
                debit=Money(row.debit, row.currency),
                credit=Money(row.credit, row.currency),
            )
        )
    in_force = parameters_in_force(cooperative=cooperative)
    decisions = resolution_for_parameter_versions(
        cooperative=cooperative,
        version_ids=[
            p.version_id for p in in_force if p.source == "resolution" and p.version_id is not None
        ],
    )
    return BoardPage(
        coop=cooperative,
        applications=[a for a in all_apps if a.status == ApplicationStatus.PENDING],
        purchases=[view(r) for r in pending_requests if r.kind == RequestKind.PURCHASE],
        redemptions=[view(r) for r in pending_requests if r.kind == RequestKind.REDEMPTION],
        members=members,
        member_count=member_count(cooperative=cooperative),
        capital=capital_total(cooperative=cooperative),
        trial_balance=tb,
        trial_lines=lines,
        totals=[(Money(d, c), Money(cr, c)) for c, (d, cr) in sorted(tb.totals.items())],
        parameters=[
            ParameterLine(
                p,
                format_parameter(p, cur),
                isinstance(p.value, dict | list),
                decisions.get(p.version_id) if p.version_id is not None else None,
            )
            for p in in_force
        ],
        recent=[a for a in reversed(all_apps) if a.status != ApplicationStatus.PENDING][:8],
        today=today,
    )


# --- Documents -----------------------------------------------------------------------------------

REGISTERS = {"members", "capital"}
FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


@dataclass(frozen=True)
class Document:
    content: bytes
    content_type: str
    filename: str


def register_document(
    *, cooperative: Cooperative, user: AnyUser, register: str, fmt: str
) -> Document:
    """The member register or the capital register, as CSV or PDF, for the board."""
    require_role(user=user, cooperative=cooperative, roles=BOARD)
    if register not in REGISTERS or fmt not in FORMATS:
        raise NotFound()
    stamp = timezone.localdate().isoformat()
    filename = f"{cooperative.slug}-{register}-register-{stamp}.{fmt}"
    content: bytes
    if register == "members":
        content = (
            documents.member_register_csv(cooperative=cooperative).encode("utf-8-sig")
            if fmt == "csv"
            else documents.member_register_pdf(cooperative=cooperative)
        )
    else:
        content = (
            documents.capital_register_csv(cooperative=cooperative).encode("utf-8-sig")
            if fmt == "csv"
            else documents.capital_register_pdf(cooperative=cooperative)
        )
    return Document(content, FORMATS[fmt], filename)


def certificate_document(
    *, cooperative: Cooperative, user: AnyUser, register_number: int | None = None
) -> Document:
    """A member's share certificate: their own, or (for the board) any member's."""
    require_authenticated(user=user)
    if register_number is None:
        member = member_for_user(cooperative=cooperative, user=user)
        if member is None:
            raise errors.NotAMember()
    else:
        require_role(user=user, cooperative=cooperative, roles=BOARD)
        member = _member_by_number(cooperative, register_number)
    content = documents.certificate_pdf(member=member)
    filename = f"{cooperative.slug}-certificate-{member.register_number}.pdf"
    return Document(content, FORMATS["pdf"], filename)


def _member_by_number(cooperative: Cooperative, register_number: int) -> Member:
    member = member_by_register_number(cooperative=cooperative, register_number=register_number)
    if member is None:
        raise errors.MemberNotFound()
    return member


# --- Member --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberPage:
    coop: Cooperative
    member: Member
    roles: set[str]
    shares: int
    nominal: Money
    capital: Money
    movements: list[ShareMovement]
    requests: list[ShareRequest]
    redeemable: int
    redemption_delay_days: int
    redemption_payable_on: dt.date
    can_buy_up_to: int | None


def member_page(*, cooperative: Cooperative, user: AnyUser) -> MemberPage:
    require_authenticated(user=user)
    member = member_for_user(cooperative=cooperative, user=user)
    if member is None:
        raise errors.NotAMember()
    shares = holding(member=member)
    nominal = Money(member.college.share_class.nominal_minor, cooperative.currency)
    delay = int(parameter_value(cooperative=cooperative, key="share_redemption_delay_days"))
    today = timezone.localdate()
    requests = share_requests(cooperative=cooperative, member=member)
    pending_buy = sum(
        r.quantity
        for r in requests
        if r.kind == RequestKind.PURCHASE and r.status == RequestStatus.PENDING
    )
    maximum = member.college.share_class.max_per_member
    return MemberPage(
        coop=cooperative,
        member=member,
        roles=user_roles(user=user, cooperative=cooperative),
        shares=shares,
        nominal=nominal,
        capital=nominal * shares,
        movements=member_movements(member=member),
        requests=list(reversed(requests)),
        redeemable=max(shares - shares_pending_redemption(member=member), 0),
        redemption_delay_days=delay,
        redemption_payable_on=today + dt.timedelta(days=delay),
        can_buy_up_to=None if maximum is None else max(maximum - shares - pending_buy, 0),
    )
