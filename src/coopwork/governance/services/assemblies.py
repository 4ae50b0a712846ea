"""Writes of general assemblies: convocation and agenda, proxies, postal votes, attendance,
quorum, votes on each item, and the resolutions an assembly adopts.

The path of an assembly::

    convened --open--> open --quorum check--> sitting --close--> closed
                                 \\--(quorum not reached)--> failed --> second convocation

Rules (domain.md, "Cooperative rules with their numbers"):

- **Notice.** An assembly is convened at least ``assembly_notice_days`` (default 15) days before
  it is held; the notice and the agenda go to every member (in-app, and by e-mail after commit).
  The agenda may change only while that notice can still be given, and before any postal vote.
- **Who takes part.** The members on the register (active) on the day the assembly was convened:
  they received the notice. A member admitted later does not vote at it.
- **Postal votes** are cast per item until the cut-off (by default the day before the assembly).
  A postal vote is final: a member who voted by post cannot give a proxy, and cannot vote again
  on the same items. They may still attend and vote on the items they did not vote on by post.
- **Proxies** go to another member only, within the cap of ``assembly_rules.proxy_cap``; a giver
  cannot hold proxies and a holder cannot give theirs (no chains). A proxy is revocable until the
  assembly opens; a giver who attends after all takes their vote back (the proxy lapses).
- **Quorum** counts heads (co-ops count members, not shares): present in person or remotely,
  represented by a proxy holder who is present, or having voted by post. It is checked once the
  session opens, per convocation: ordinary 1/5 then none, extraordinary 1/4 then 1/5 (governed
  parameters, which statutes may raise). A first convocation that fails its quorum is closed as
  failed, and the board may convene the second.
- **Votes.** One vote per member per item (a database constraint): the member's own (in person,
  remote or by post) or cast by their proxy holder. Counted with :mod:`..tallying`, weighted by
  college when the co-op weights colleges and every college has a weight. Blank votes and
  abstentions are not expressed votes. Ordinary items pass by a simple majority of the
  expressed votes; statute changes need ``majority_extraordinary`` (2/3 by default) of the
  votes counted per ``majority_extraordinary_base``: by default all the votes of the members
  present or represented on the item (abstentions and blanks count against), or the expressed
  votes only for co-ops whose statutes follow L225-96.
- An adopted item is entered in the register of decisions (``resolution_record``), which applies
  its governed-parameter change from its effective date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coopwork.core.audit import audit_append
from coopwork.core.errors import ParameterInvalid, ParameterOutOfBounds, ParameterUnknown
from coopwork.core.events import Event, publish
from coopwork.core.models import Cooperative
from coopwork.core.parameters import REGISTRY
from coopwork.core.permissions import require_authenticated, require_role
from coopwork.core.selectors import parameter_value, user_languages
from coopwork.governance import errors
from coopwork.governance.assembly_rules import (
    extraordinary_adopted,
    present_members,
    proxy_cap,
    statute_majority_base,
)
from coopwork.governance.models.assemblies import (
    AgendaItem,
    Assembly,
    AssemblyAttendance,
    AssemblyKind,
    AssemblyStatus,
    AssemblyVote,
    AttendanceMode,
    ItemStatus,
    Proxy,
    VoteChannel,
    VoteChoice,
)
from coopwork.governance.selectors.assemblies import (
    assembly_attendance_summary,
    assembly_eligible_members,
    assembly_quorum_rule,
    college_weights_for,
)
from coopwork.governance.tallying import Choice, Majority, MotionBallot, TallyError, tally_motion
from coopwork.marketplace import notifications
from coopwork.marketplace.models import Notification
from coopwork.members.models import Application, ApplicationStatus, Member
from coopwork.members.services import application_admit, application_reject

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

__all__ = [
    "OPEN_EARLY",
    "ItemSpec",
    "agenda_item_add",
    "agenda_item_close",
    "agenda_item_open",
    "agenda_item_remove",
    "assemblies_remind_due",
    "assembly_admission_complete",
    "assembly_check_in",
    "assembly_close",
    "assembly_convene",
    "assembly_open",
    "assembly_quorum_check",
    "assembly_vote_cast",
    "attendance_record",
    "postal_vote_cast",
    "proxy_give",
    "proxy_revoke",
]

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_PLACE = 300
MAX_URL = 500
MAX_ITEMS = 50
OPEN_EARLY = dt.timedelta(hours=1)  # the session may open up to an hour before the set time
# Members are reminded a day before postal votes close.
REMIND_BEFORE_CUTOFF = dt.timedelta(hours=24)


# What each assembly notification says, rendered in the reader's language when it is read
# (marketplace.notifications); each e-mail in its recipient's chosen language (``_notify_members``).
NOTIFICATIONS = {
    "assembly.convened": gettext_lazy("General assembly convened: “%(title)s”, %(date)s."),
    "assembly.agenda_changed": gettext_lazy("Amended agenda of “%(title)s”, %(date)s."),
    "assembly.reminder": gettext_lazy(
        "Reminder: “%(title)s”, %(date)s. Postal votes close on %(cutoff)s."
    ),
    "assembly.closed": gettext_lazy("“%(title)s” is closed: its minutes are ready."),
    "assembly.proxy_received": gettext_lazy("%(name)s gave you their proxy for “%(title)s”."),
}
for _kind, _template in NOTIFICATIONS.items():
    notifications.register(_kind, _template)


def _when(value: dt.datetime) -> str:
    """A time as stored in a notification: local time, in a neutral format."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ItemSpec:
    """One resolution put on the agenda."""

    title: str
    text: str = ""
    kind: str = AssemblyKind.ORDINARY
    parameter_key: str = ""
    parameter_value: Any = None
    effective_from: dt.date | None = None
    application_id: int | None = None  # admit this pending applicant


# --- helpers ----------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _board(actor: User | AnonymousUser | None, cooperative: Cooperative) -> None:
    require_role(user=actor, cooperative=cooperative, roles={"board"})


def _lock(cooperative: Cooperative, assembly_id: int) -> Assembly:
    assembly = (
        Assembly.objects.select_for_update().filter(cooperative=cooperative, pk=assembly_id).first()
    )
    if assembly is None:
        raise errors.AssemblyNotFound()
    return assembly


def _status(assembly: Assembly, *allowed: str) -> None:
    if assembly.status not in allowed:
        raise errors.AssemblyWrongState(status=str(AssemblyStatus(assembly.status).label))


def _item(assembly: Assembly, number: int, *, lock: bool = False) -> AgendaItem:
    qs = AgendaItem.objects.filter(assembly=assembly, number=number)
    if lock:
        qs = qs.select_for_update()
    item = qs.first()
    if item is None:
        raise errors.AgendaItemNotFound()
    return item


def _participant(assembly: Assembly, user: User | AnonymousUser | None) -> Member:
    """The caller's membership, if they take part in this assembly."""
    require_authenticated(user=user)
    assert user is not None
    member = (
        assembly_eligible_members(assembly=assembly)
        .select_related("college")
        .filter(user_id=int(user.pk or 0))
        .first()
    )
    if member is None:
        raise errors.AssemblyNotEligible()
    return member


def _eligible(assembly: Assembly, member_id: int) -> Member:
    member = (
        assembly_eligible_members(assembly=assembly)
        .select_related("college")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise errors.AssemblyNotEligible()
    return member


def _audiences(assembly: Assembly) -> tuple[str, ...]:
    c = assembly.cooperative_id
    return (f"coop-{c}-member", f"coop-{c}-board", f"assembly-{assembly.pk}")


def _announce(assembly: Assembly, name: str, payload: dict[str, Any] | None = None) -> None:
    publish(
        Event(
            name,
            assembly.cooperative_id,
            {"assembly": assembly.pk, "status": assembly.status, **(payload or {})},
            _audiences(assembly),
        )
    )


def _clean(value: str, limit: int, reason: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        raise errors.AssemblyInvalid(reason=reason)
    return text


def _check_item(
    cooperative: Cooperative, kind: str, starts_at: dt.datetime, spec: ItemSpec
) -> ItemSpec:
    title = (spec.title or "").strip()
    if spec.application_id is not None:
        application = Application.objects.filter(
            cooperative=cooperative, pk=spec.application_id, status=ApplicationStatus.PENDING
        ).first()
        if application is None or spec.parameter_key:
            raise errors.AgendaApplicationInvalid()
        if not title:
            title = (_("Admission of %(name)s") % {"name": application.display_name})[:MAX_TITLE]
    if not title or len(title) > MAX_TITLE:
        raise errors.AgendaItemInvalid(reason=_("each item needs a title of 1-200 characters"))
    if len(spec.text or "") > MAX_TEXT:
        raise errors.AgendaItemInvalid(reason=_("the text is too long"))
    if spec.kind not in AssemblyKind.values:
        raise errors.AgendaItemInvalid(reason=_("an item is ordinary or extraordinary"))
    if spec.kind == AssemblyKind.EXTRAORDINARY and kind == AssemblyKind.ORDINARY:
        raise errors.AgendaStatuteChangeInOrdinary()
    value: Any = None
    if spec.parameter_key:
        if spec.parameter_key not in REGISTRY:
            raise ParameterUnknown(key=spec.parameter_key)
        param = REGISTRY[spec.parameter_key].for_form(cooperative.legal_form)
        try:
            parsed = param.parse(spec.parameter_value)
        except (ValueError, ZeroDivisionError, ArithmeticError, TypeError):
            raise ParameterInvalid(key=spec.parameter_key) from None
        if not param.in_bounds(parsed):
            raise ParameterOutOfBounds(
                key=spec.parameter_key, minimum=str(param.minimum), maximum=str(param.maximum)
            )
        value = param.dump(parsed)
        held_on = timezone.localdate(starts_at)
        if spec.effective_from is None or spec.effective_from < held_on:
            raise errors.AgendaItemInvalid(
                reason=_("a parameter change takes effect on or after the day of the assembly")
            )
    elif spec.parameter_value is not None or spec.effective_from is not None:
        raise errors.AgendaItemInvalid(reason=_("a value and a date need a parameter"))
    return replace(
        spec,
        title=title,
        text=(spec.text or "").strip(),
        parameter_value=value,
        effective_from=spec.effective_from if spec.parameter_key else None,
    )


def _check_notice(cooperative: Cooperative, starts_at: dt.datetime, now: dt.datetime) -> int:
    today = timezone.localdate(now)
    days = int(parameter_value(cooperative=cooperative, key="assembly_notice_days", on=today))
    earliest = today + dt.timedelta(days=days)
    if timezone.localdate(starts_at) < earliest:
        raise errors.AssemblyNoticeTooShort(days=days, earliest=earliest)
    return days


def _create_items(assembly: Assembly, specs: Sequence[ItemSpec], start: int = 1) -> None:
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                assembly=assembly,
                number=start + i,
                title=s.title,
                text=s.text,
                kind=s.kind,
                parameter_key=s.parameter_key,
                parameter_value=s.parameter_value,
                effective_from=s.effective_from,
                application_id=s.application_id,
            )
            for i, s in enumerate(specs)
        ]
    )


def _item_data(item: AgendaItem | ItemSpec) -> dict[str, Any]:
    return {
        "title": item.title,
        "kind": item.kind,
        "parameter_key": item.parameter_key or None,
        "parameter_value": item.parameter_value,
        "effective_from": item.effective_from.isoformat() if item.effective_from else None,
        "application": item.application_id,
    }


def _notify_members(assembly: Assembly, kind: str, *, language: str | None = None) -> None:
    """The notice, in-app now and by e-mail once the transaction commits, with the agenda.

    Each e-mail is written in its recipient's language (the one they last chose with the EN/FR
    switch); someone who never chose gets ``language``, else the language active now."""
    members = list(
        assembly_eligible_members(assembly=assembly).select_related("user").order_by("pk")
    )
    items = list(assembly.items.order_by("number"))
    fallback = language or translation.get_language() or settings.LANGUAGE_CODE
    chosen = user_languages(user_ids=[m.user_id for m in members])
    rendered: dict[str, tuple[str, str]] = {}

    def notice(lang: str) -> tuple[str, str]:
        if lang not in rendered:
            with translation.override(lang):
                starts = timezone.localtime(assembly.starts_at)
                context = {"assembly": assembly, "items": items, "starts_at": starts, "kind": kind}
                subject = render_to_string("governance/assembly_notice_subject.txt", context)
                body = render_to_string("governance/assembly_notice.txt", context)
            rendered[lang] = (subject.strip(), body)
        return rendered[lang]

    text = notice(fallback)[0][:300]
    params = {
        "title": assembly.title,
        "date": _when(assembly.starts_at),
        "cutoff": _when(assembly.postal_cutoff),
    }
    Notification.objects.bulk_create(
        [
            Notification(
                cooperative_id=assembly.cooperative_id,
                user_id=m.user_id,
                kind=kind,
                params=params,
                text=text,
            )
            for m in members
        ]
    )
    mails = [
        (*notice(chosen.get(m.user_id, fallback)), settings.DEFAULT_FROM_EMAIL, [m.user.email])
        for m in members
        if m.user.email
    ]
    for m in members:
        publish(
            Event(
                kind,
                assembly.cooperative_id,
                {"assembly": assembly.pk, "text": text},
                (f"user-{m.user_id}",),
            )
        )
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails), robust=True)


# --- Convocation and agenda ---------------------------------------------------------------------


@transaction.atomic
def assembly_convene(
    *,
    cooperative: Cooperative,
    actor: User | AnonymousUser | None,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    items: Sequence[ItemSpec] = (),
    place: str = "",
    remote_url: str = "",
    postal_cutoff: dt.datetime | None = None,
    first_convocation_id: int | None = None,
    now: dt.datetime | None = None,
) -> Assembly:
    """The board convenes a general assembly (or the second convocation of one that failed its
    quorum) and the notice goes to every member with the agenda."""
    _board(actor, cooperative)
    now = _now(now)
    if kind not in AssemblyKind.values:
        raise errors.AssemblyInvalid(reason=_("an assembly is ordinary or extraordinary"))
    title = _clean(title, MAX_TITLE, _("the title has 1-200 characters"))
    place = _clean(place, MAX_PLACE, _("the place has at most 300 characters"), required=False)
    remote_url = _clean(remote_url, MAX_URL, _("the link is too long"), required=False)
    if remote_url and not remote_url.startswith(("https://", "http://")):
        raise errors.AssemblyInvalid(reason=_("the remote link is a web address"))
    if not place and not remote_url:
        raise errors.AssemblyInvalid(reason=_("give a place, a remote link or both"))
    if timezone.is_naive(starts_at):
        raise errors.AssemblyInvalid(reason=_("the date needs a time zone"))
    if starts_at <= now:
        raise errors.AssemblyInvalid(reason=_("the assembly must be in the future"))
    first: Assembly | None = None
    if first_convocation_id is not None:
        first = _lock(cooperative, first_convocation_id)
        if (
            first.convocation != 1
            or first.status != AssemblyStatus.FAILED
            or first.kind != kind
            or Assembly.objects.filter(first_convocation=first).exists()
        ):
            raise errors.SecondConvocationInvalid()
        if not items:
            items = [
                ItemSpec(
                    title=i.title,
                    text=i.text,
                    kind=i.kind,
                    parameter_key=i.parameter_key,
                    parameter_value=i.parameter_value,
                    # A change due on the first convocation's day takes effect, at the
                    # earliest, on the day of the second.
                    effective_from=max(i.effective_from, timezone.localdate(starts_at))
                    if i.effective_from is not None
                    else None,
                    application_id=i.application_id,
                )
                for i in first.items.order_by("number")
            ]
    notice_days = _check_notice(cooperative, starts_at, now)
    cutoff = postal_cutoff or starts_at - dt.timedelta(days=1)
    if timezone.is_naive(cutoff) or not now < cutoff <= starts_at:
        raise errors.AssemblyInvalid(
            reason=_("postal votes close after now and no later than the assembly")
        )
    if not items:
        raise errors.AssemblyInvalid(reason=_("the agenda needs at least one item"))
    if len(items) > MAX_ITEMS:
        raise errors.AssemblyInvalid(reason=_("the agenda has at most 50 items"))
    checked = [_check_item(cooperative, kind, starts_at, s) for s in items]
    assembly = Assembly.objects.create(
        cooperative=cooperative,
        kind=kind,
        convocation=2 if first else 1,
        first_convocation=first,
        title=title,
        starts_at=starts_at,
        place=place,
        remote_url=remote_url,
        postal_cutoff=cutoff,
        convened_at=now,
        convened_by=actor if actor is not None and actor.is_authenticated else None,
        notice_days=notice_days,
    )
    _create_items(assembly, checked)
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="assembly.convened",
        target=assembly,
        data={
            "kind": kind,
            "convocation": assembly.convocation,
            "first_convocation": first.pk if first else None,
            "starts_at": starts_at.isoformat(),
            "postal_cutoff": cutoff.isoformat(),
            "notice_days": notice_days,
            "items": [_item_data(s) for s in checked],
        },
    )
    _notify_members(assembly, "assembly.convened")
    _announce(assembly, "assembly.convened")
    return assembly


def _agenda_editable(assembly: Assembly, now: dt.datetime) -> None:
    _status(assembly, AssemblyStatus.CONVENED)
    today = timezone.localdate(now)
    if timezone.localdate(assembly.starts_at) < today + dt.timedelta(days=assembly.notice_days):
        raise errors.AgendaLocked()
    if AssemblyVote.objects.filter(item__assembly=assembly).exists():
        raise errors.AgendaLocked()


@transaction.atomic
def agenda_item_add(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    actor: User | AnonymousUser | None,
    item: ItemSpec,
    now: dt.datetime | None = None,
) -> AgendaItem:
    """Add a resolution to the agenda while the full notice can still be given; members get the
    amended agenda."""
    _board(actor, cooperative)
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    _agenda_editable(assembly, now)
    count = assembly.items.count()
    if count >= MAX_ITEMS:
        raise errors.AssemblyInvalid(reason=_("the agenda has at most 50 items"))
    spec = _check_item(cooperative, assembly.kind, assembly.starts_at, item)
    _create_items(assembly, [spec], start=count + 1)
    added = _item(assembly, count + 1)
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="assembly.item_added",
        target=assembly,
        data={"number": added.number, **_item_data(spec)},
    )
    _notify_members(assembly, "assembly.agenda_changed")
    _announce(assembly, "assembly.agenda_changed")
    return added


@transaction.atomic
def agenda_item_remove(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    actor: User | AnonymousUser | None,
    number: int,
    now: dt.datetime | None = None,
) -> None:
    """Take an item off the agenda (same window as adding one); later items move up."""
    _board(actor, cooperative)
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    _agenda_editable(assembly, now)
    item = _item(assembly, number)
    if assembly.items.count() <= 1:
        raise errors.AssemblyInvalid(reason=_("the agenda needs at least one item"))
    title = item.title
    item.delete()
    for later in assembly.items.filter(number__gt=number).order_by("number"):
        later.number -= 1
        later.save(update_fields=["number"])
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="assembly.item_removed",
        target=assembly,
        data={"number": number, "title": title},
    )
    _notify_members(assembly, "assembly.agenda_changed")
    _announce(assembly, "assembly.agenda_changed")


# --- Before the assembly: proxies and postal votes ----------------------------------------------


def _active_proxy_given(assembly: Assembly, member: Member) -> Proxy | None:
    return Proxy.objects.filter(assembly=assembly, giver=member, revoked_at__isnull=True).first()


def _has_postal_votes(assembly: Assembly, member: Member) -> bool:
    return AssemblyVote.objects.filter(
        item__assembly=assembly, member=member, channel=VoteChannel.POSTAL
    ).exists()


@transaction.atomic
def proxy_give(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    user: User | AnonymousUser | None,
    holder_member_id: int,
    now: dt.datetime | None = None,
) -> Proxy:
    """Give my proxy for one assembly to another member, within the legal cap."""
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    giver = _participant(assembly, user)
    _status(assembly, AssemblyStatus.CONVENED)
    eligible = assembly_eligible_members(assembly=assembly)
    holder = eligible.filter(pk=holder_member_id).first()
    if holder is None or holder.pk == giver.pk:
        raise errors.ProxyHolderNotMember()
    # Lock both members (in id order, so two crossed proxies cannot deadlock): the cap and the
    # no-chain rule are then checked against a stable state.
    list(Member.objects.select_for_update().filter(pk__in=[giver.pk, holder.pk]).order_by("pk"))
    if _has_postal_votes(assembly, giver):
        raise errors.VotedByPost()
    if _active_proxy_given(assembly, giver) is not None:
        raise errors.ProxyAlreadyGiven()
    active = Proxy.objects.filter(assembly=assembly, revoked_at__isnull=True)
    if active.filter(holder=giver).exists() or active.filter(giver=holder).exists():
        raise errors.ProxyChain()
    members = eligible.count()
    cap = proxy_cap(members)
    if active.filter(holder=holder).count() >= cap:
        raise errors.ProxyCapExceeded(cap=cap, members=members)
    proxy = Proxy.objects.create(assembly=assembly, giver=giver, holder=holder, created_at=now)
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="assembly.proxy_given",
        target=proxy,
        data={"assembly": assembly.pk, "giver": giver.pk, "holder": holder.pk, "cap": cap},
    )
    params = {"name": giver.display_name, "title": assembly.title}
    Notification.objects.create(
        cooperative=cooperative,
        user_id=holder.user_id,
        kind="assembly.proxy_received",
        params=params,
        text=notifications.render("assembly.proxy_received", params)[:300],
    )
    _announce(assembly, "assembly.proxy_given", {"holder": holder.pk})
    return proxy


@transaction.atomic
def proxy_revoke(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    user: User | AnonymousUser | None,
    now: dt.datetime | None = None,
) -> Proxy:
    """Revoke the proxy I gave, until the assembly opens."""
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    giver = _participant(assembly, user)
    _status(assembly, AssemblyStatus.CONVENED)
    proxy = (
        Proxy.objects.select_for_update()
        .filter(assembly=assembly, giver=giver, revoked_at__isnull=True)
        .first()
    )
    if proxy is None:
        raise errors.ProxyNotFound()
    proxy.revoked_at = now
    proxy.revoked_reason = "giver"
    proxy.save(update_fields=["revoked_at", "revoked_reason"])
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="assembly.proxy_revoked",
        target=proxy,
        data={"assembly": assembly.pk, "giver": giver.pk, "holder": proxy.holder_id},
    )
    _announce(assembly, "assembly.proxy_revoked", {"holder": proxy.holder_id})
    return proxy


def _choice(value: str) -> str:
    if value not in VoteChoice.values:
        raise errors.AssemblyVoteInvalid()
    return value


@transaction.atomic
def postal_vote_cast(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    user: User | AnonymousUser | None,
    choices: Mapping[int, str],
    now: dt.datetime | None = None,
) -> list[AssemblyVote]:
    """Vote by post on some or all items (``{item number: yes/no/abstain/blank}``), until the
    cut-off. Postal votes are final."""
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    member = _participant(assembly, user)
    _status(assembly, AssemblyStatus.CONVENED)
    if now >= assembly.postal_cutoff:
        raise errors.PostalVotingClosed(cutoff=timezone.localdate(assembly.postal_cutoff))
    if not choices:
        raise errors.AssemblyVoteInvalid()
    if _active_proxy_given(assembly, member) is not None:
        raise errors.ProxyGivenAlready()
    items = {i.number: i for i in assembly.items.all()}
    for number, choice in choices.items():
        if number not in items:
            raise errors.AgendaItemNotFound()
        _choice(choice)
    if AssemblyVote.objects.filter(item__in=[items[n] for n in choices], member=member).exists():
        raise errors.AssemblyAlreadyVoted()
    votes = [
        AssemblyVote(
            item=items[number],
            member=member,
            cast_by=member,
            channel=VoteChannel.POSTAL,
            choice=choice,
            college=member.college.code,
            created_at=now,
        )
        for number, choice in sorted(choices.items())
    ]
    try:
        with transaction.atomic():
            AssemblyVote.objects.bulk_create(votes)
    except IntegrityError:
        raise errors.AssemblyAlreadyVoted() from None
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="assembly.postal_vote",
        target=assembly,
        data={"member": member.pk, "votes": {str(n): c for n, c in sorted(choices.items())}},
    )
    _announce(assembly, "assembly.postal_vote")
    return votes


# --- The session: opening, attendance, quorum ---------------------------------------------------


@transaction.atomic
def assembly_open(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    actor: User | AnonymousUser | None,
    now: dt.datetime | None = None,
) -> Assembly:
    """Open the session (from an hour before the time set): proxies are frozen and members check
    in."""
    _board(actor, cooperative)
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    _status(assembly, AssemblyStatus.CONVENED)
    if now < assembly.starts_at - OPEN_EARLY:
        raise errors.AssemblyNotYet(starts_at=timezone.localdate(assembly.starts_at))
    assembly.status = AssemblyStatus.OPEN
    assembly.opened_at = now
    assembly.eligible = assembly_eligible_members(assembly=assembly).count()
    assembly.save(update_fields=["status", "opened_at", "eligible"])
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="assembly.opened",
        target=assembly,
        data={"eligible": assembly.eligible},
    )
    _announce(assembly, "assembly.opened")
    return assembly


def _attend(
    assembly: Assembly,
    member: Member,
    mode: str,
    *,
    actor: User | AnonymousUser | None,
    now: dt.datetime,
) -> AssemblyAttendance:
    _status(assembly, AssemblyStatus.OPEN, AssemblyStatus.SITTING)
    if mode not in AttendanceMode.values:
        raise errors.AssemblyInvalid(reason=_("attendance is in person or remote"))
    if AssemblyAttendance.objects.filter(assembly=assembly, member=member).exists():
        raise errors.AssemblyAlreadyCheckedIn()
    try:
        with transaction.atomic():
            attendance = AssemblyAttendance.objects.create(
                assembly=assembly,
                member=member,
                mode=mode,
                checked_in_at=now,
                recorded_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        raise errors.AssemblyAlreadyCheckedIn() from None
    # A giver who attends after all takes their own vote back: the proxy lapses.
    lapsed = Proxy.objects.filter(assembly=assembly, giver=member, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason="attended"
    )
    audit_append(
        cooperative=assembly.cooperative,
        actor=actor,
        action="assembly.attended",
        target=attendance,
        data={"assembly": assembly.pk, "member": member.pk, "mode": mode, "proxy_lapsed": lapsed},
    )
    _announce(assembly, "assembly.attendance", {"member": member.pk})
    return attendance


@transaction.atomic
def assembly_check_in(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    user: User | AnonymousUser | None,
    now: dt.datetime | None = None,
) -> AssemblyAttendance:
    """A member attending remotely checks in themselves once the session is open."""
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    member = _participant(assembly, user)
    if not assembly.remote_url:
        raise errors.AssemblyRemoteNotOffered()
    return _attend(assembly, member, AttendanceMode.REMOTE, actor=user, now=now)


@transaction.atomic
def attendance_record(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    actor: User | AnonymousUser | None,
    member_id: int,
    mode: str = AttendanceMode.IN_PERSON,
    now: dt.datetime | None = None,
) -> AssemblyAttendance:
    """The board (the chair) records a member present in the room (or remote)."""
    _board(actor, cooperative)
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    member = _eligible(assembly, member_id)
    return _attend(assembly, member, mode, actor=actor, now=now)


@transaction.atomic
def assembly_quorum_check(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    actor: User | AnonymousUser | None,
    now: dt.datetime | None = None,
) -> Assembly:
    """Check the quorum of this convocation. Reached: the assembly sits and votes. Not reached:
    it is closed as failed (a first convocation may then be followed by the second)."""
    _board(actor, cooperative)
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    _status(assembly, AssemblyStatus.OPEN)
    summary = assembly_attendance_summary(assembly=assembly)
    quorum = assembly_quorum_rule(assembly=assembly).quorum
    eligible = summary.eligible
    required = -(-eligible * quorum.numerator // quorum.denominator)  # ceil, exact
    reached = summary.present >= required
    assembly.eligible = eligible
    assembly.present = summary.present
    assembly.quorum = f"{quorum.numerator}/{quorum.denominator}"
    assembly.quorum_required = required
    assembly.quorum_reached = reached
    assembly.quorum_detail = summary.as_dict()
    if reached:
        assembly.status = AssemblyStatus.SITTING
    else:
        assembly.status = AssemblyStatus.FAILED
        assembly.closed_at = now
    assembly.save()
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="assembly.quorum_reached" if reached else "assembly.quorum_failed",
        target=assembly,
        data={
            "convocation": assembly.convocation,
            "quorum": assembly.quorum,
            "required": required,
            **summary.as_dict(),
        },
    )
    _announce(assembly, "assembly.quorum", {"reached": reached})
    return assembly


# --- Voting on the items ------------------------------------------------------------------------


@transaction.atomic
def agenda_item_open(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    actor: User | AnonymousUser | None,
    number: int,
    now: dt.datetime | None = None,
) -> AgendaItem:
    """The chair opens an item for voting (one at a time)."""
    _board(actor, cooperative)
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    _status(assembly, AssemblyStatus.SITTING)
    item = _item(assembly, number, lock=True)
    if item.status != ItemStatus.PENDING:
        raise errors.AssemblyWrongState(status=str(ItemStatus(item.status).label))
    if assembly.items.filter(status=ItemStatus.OPEN).exists():
        raise errors.AgendaItemStillOpen()
    item.status = ItemStatus.OPEN
    item.opened_at = now
    item.save(update_fields=["status", "opened_at"])
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="assembly.item_opened",
        target=item,
        data={"assembly": assembly.pk, "number": number},
    )
    _announce(assembly, "assembly.item_opened", {"item": number})
    return item


@transaction.atomic
def assembly_vote_cast(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    number: int,
    user: User | AnonymousUser | None,
    choice: str,
    on_behalf_of: int | None = None,
    now: dt.datetime | None = None,
) -> AssemblyVote:
    """A member present (in the room or remotely) votes on the open item, for themselves or, with
    ``on_behalf_of``, for a member whose proxy they hold."""
    now = _now(now)
    assembly = Assembly.objects.filter(cooperative=cooperative, pk=assembly_id).first()
    if assembly is None:
        raise errors.AssemblyNotFound()
    voter = _participant(assembly, user)
    _choice(choice)
    # Votes on one item queue behind its row, so the chair's close sees every vote cast.
    item = _item(assembly, number, lock=True)
    assembly.refresh_from_db(fields=["status"])
    _status(assembly, AssemblyStatus.SITTING)
    if item.status != ItemStatus.OPEN:
        raise errors.AgendaItemNotOpen()
    attendance = AssemblyAttendance.objects.filter(assembly=assembly, member=voter).first()
    if attendance is None:
        raise errors.AssemblyNotCheckedIn()
    if on_behalf_of is None or on_behalf_of == voter.pk:
        member, channel = voter, attendance.mode
    else:
        proxy = (
            Proxy.objects.select_related("giver__college")
            .filter(assembly=assembly, giver_id=on_behalf_of, holder=voter, revoked_at__isnull=True)
            .first()
        )
        if proxy is None:
            raise errors.AssemblyNoProxy()
        member, channel = proxy.giver, VoteChannel.PROXY
    if AssemblyVote.objects.filter(item=item, member=member).exists():
        raise errors.AssemblyAlreadyVoted()
    try:
        with transaction.atomic():
            vote = AssemblyVote.objects.create(
                item=item,
                member=member,
                cast_by=voter,
                channel=channel,
                choice=choice,
                college=member.college.code,
                created_at=now,
            )
    except IntegrityError:
        raise errors.AssemblyAlreadyVoted() from None
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="assembly.vote",
        target=vote,
        data={
            "assembly": assembly.pk,
            "item": number,
            "member": member.pk,
            "cast_by": voter.pk,
            "channel": channel,
            "choice": choice,
        },
    )
    _announce(assembly, "assembly.vote", {"item": number})
    return vote


def _silent_colleges(assembly: Assembly, item: AgendaItem) -> list[str]:
    """The colleges of the members present or represented for ``item`` who cast no vote on it."""
    members = assembly_eligible_members(assembly=assembly)
    eligible = set(members.values_list("pk", flat=True))
    here = present_members(
        eligible=eligible,
        attending=dict(
            AssemblyAttendance.objects.filter(assembly=assembly).values_list("member_id", "mode")
        ),
        proxies=list(
            Proxy.objects.filter(assembly=assembly, revoked_at__isnull=True).values_list(
                "giver_id", "holder_id"
            )
        ),
        postal=item.votes.filter(channel=VoteChannel.POSTAL).values_list("member_id", flat=True),
    )
    silent = here - set(item.votes.values_list("member_id", flat=True))
    return list(
        members.filter(pk__in=silent).order_by("pk").values_list("college__code", flat=True)
    )


def _tally(assembly: Assembly, item: AgendaItem, present: int, eligible: int) -> dict[str, Any]:
    # Only the votes of members who still take part (one who left the co-op since is no longer
    # counted, in the votes as in the heads present).
    votes = list(
        item.votes.filter(member__in=assembly_eligible_members(assembly=assembly))
        .order_by("id")
        .values_list("choice", "college", "channel")
    )
    quorum = Fraction(assembly.quorum or "0")
    on = timezone.localdate(assembly.starts_at)
    weights = college_weights_for(cooperative=assembly.cooperative, on=on)
    statute_change = item.kind == AssemblyKind.EXTRAORDINARY
    try:
        result = tally_motion(
            [MotionBallot(choice, college) for choice, college, _c in votes],
            eligible=eligible,
            present=present,
            quorum=quorum,
            majority=Majority.TWO_THIRDS if statute_change else Majority.SIMPLE,
            college_weights=weights,
        )
    except TallyError:
        raise errors.CollegeWeightsInvalid() from None
    data = result.as_dict()
    if statute_change:
        ratio = Fraction(
            parameter_value(cooperative=assembly.cooperative, key="majority_extraordinary", on=on)
        )
        basis = str(
            parameter_value(
                cooperative=assembly.cooperative, key="majority_extraordinary_base", on=on
            )
        )
        counted = result
        silent = _silent_colleges(assembly, item) if basis == "present_or_represented" else []
        if silent:
            # Members present or represented who cast nothing on this item still count in the
            # base of "the votes present or represented": their silence counts against.
            try:
                counted = tally_motion(
                    [MotionBallot(choice, college) for choice, college, _c in votes]
                    + [MotionBallot(Choice.ABSTAIN, college) for college in silent],
                    eligible=eligible,
                    present=present,
                    quorum=quorum,
                    majority=Majority.TWO_THIRDS,
                    college_weights=weights,
                )
            except TallyError:
                raise errors.CollegeWeightsInvalid() from None
            data["silent"] = len(silent)
        base = statute_majority_base(
            basis=basis,
            yes=counted.yes,
            no=counted.no,
            abstain=counted.abstain,
            blank=counted.blank,
        )
        data["threshold"] = str(ratio)
        data["majority_base"] = basis
        data["base"] = str(base)
        data["adopted"] = result.quorum_reached and extraordinary_adopted(
            yes=counted.yes, base=base, majority=ratio
        )
    channels: dict[str, int] = {}
    for _vote, _college, channel in votes:
        channels[channel] = channels.get(channel, 0) + 1
    data["channels"] = channels
    return data


@transaction.atomic
def agenda_item_close(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    actor: User | AnonymousUser | None,
    number: int,
    now: dt.datetime | None = None,
) -> AgendaItem:
    """The chair closes the vote on an item: it is counted and the result recorded. An adopted
    resolution enters the register of decisions and applies its parameter change."""
    from .ballots import resolution_record  # the register of decisions

    _board(actor, cooperative)
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    _status(assembly, AssemblyStatus.SITTING)
    item = _item(assembly, number, lock=True)
    if item.status != ItemStatus.OPEN:
        raise errors.AgendaItemNotOpen()
    summary = assembly_attendance_summary(assembly=assembly, item=item)
    result = _tally(assembly, item, summary.present, summary.eligible)
    result["attendance"] = summary.as_dict()
    item.status = ItemStatus.CLOSED
    item.closed_at = now
    item.adopted = bool(result["adopted"])
    item.result = result
    if item.adopted:
        effective = item.effective_from if item.parameter_key else None
        if effective is not None and effective < timezone.localdate():
            # The session ran past the day the change was due (e.g. past midnight): it applies
            # from today, as for an online ballot, instead of the vote being unable to close.
            effective = timezone.localdate()
        resolution_record(
            cooperative=cooperative,
            title=item.title,
            text=item.text,
            source="assembly",
            reference=item.reference,
            parameter_key=item.parameter_key or None,
            parameter_value=item.parameter_value if item.parameter_key else None,
            effective_from=effective,
            actor=actor,
            adopted_at=now,
        )
        item.resolution_reference = item.reference
    elif (
        item.application_id is not None
        and Application.objects.filter(
            pk=item.application_id, status=ApplicationStatus.PENDING
        ).exists()
    ):
        # Not admitted: the application is decided (rejected), with the assembly as the reason.
        application_reject(
            cooperative=cooperative,
            application_id=item.application_id,
            actor=actor,  # type: ignore[arg-type]
            reason=_("Not admitted by the general assembly (%(ref)s).") % {"ref": item.reference},
        )
    item.save()
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="assembly.item_closed",
        target=item,
        data={"assembly": assembly.pk, "number": number, "result": result},
    )
    _announce(assembly, "assembly.item_closed", {"item": number, "adopted": item.adopted})
    return item


@transaction.atomic
def assembly_close(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    actor: User | AnonymousUser | None,
    now: dt.datetime | None = None,
) -> Assembly:
    """Close the assembly. Items never opened stay "not put to the vote" in the minutes."""
    _board(actor, cooperative)
    now = _now(now)
    assembly = _lock(cooperative, assembly_id)
    _status(assembly, AssemblyStatus.SITTING)
    if assembly.items.filter(status=ItemStatus.OPEN).exists():
        raise errors.AgendaItemStillOpen()
    assembly.status = AssemblyStatus.CLOSED
    assembly.closed_at = now
    assembly.save(update_fields=["status", "closed_at"])
    adopted = list(
        assembly.items.filter(adopted=True).order_by("number").values_list("number", flat=True)
    )
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="assembly.closed",
        target=assembly,
        data={"adopted": adopted},
    )
    _notify_members(assembly, "assembly.closed")
    _announce(assembly, "assembly.closed")
    return assembly


@transaction.atomic
def assembly_admission_complete(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    number: int,
    actor: User | AnonymousUser | None,
    payment_method: str,
    payment_reference: str,
) -> Member:
    """Carry out an admission the assembly adopted: the board records the payment of the shares
    and the applicant enters the register (``members.application_admit`` with the resolution's
    reference, which is what lets it admit where the statutes reserve admission to the assembly).
    """
    _board(actor, cooperative)
    assembly = Assembly.objects.filter(cooperative=cooperative, pk=assembly_id).first()
    if assembly is None:
        raise errors.AssemblyNotFound()
    item = _item(assembly, number)
    if item.application_id is None or not item.adopted:
        raise errors.AssemblyAdmissionNotAdopted()
    return application_admit(
        cooperative=cooperative,
        application_id=item.application_id,
        actor=actor,  # type: ignore[arg-type]
        payment_method=payment_method,
        payment_reference=payment_reference,
        reason=_("Admitted by the general assembly (%(ref)s).") % {"ref": item.reference},
        assembly_resolution=item.reference,
    )


def assemblies_remind_due(*, now: dt.datetime | None = None) -> int:
    """Remind the members of every convened assembly whose postal votes close within a day
    (once per assembly): the date, the cut-off, and that a proxy can still be given. Run by
    ``coopwork tick``. Returns how many assemblies were reminded."""
    now = _now(now)
    due = list(
        Assembly.objects.filter(
            status=AssemblyStatus.CONVENED,
            reminded_at__isnull=True,
            postal_cutoff__lte=now + REMIND_BEFORE_CUTOFF,
            starts_at__gt=now,
        ).values_list("pk", flat=True)
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            assembly = (
                Assembly.objects.select_for_update(skip_locked=True)
                .select_related("cooperative")
                .filter(pk=pk, reminded_at__isnull=True, status=AssemblyStatus.CONVENED)
                .first()
            )
            if assembly is None:
                continue
            assembly.reminded_at = now
            assembly.save(update_fields=["reminded_at"])
            _notify_members(assembly, "assembly.reminder", language=settings.LANGUAGE_CODE)
            audit_append(
                cooperative=assembly.cooperative,
                actor=None,
                action="assembly.reminded",
                target=assembly,
                data={"postal_cutoff": assembly.postal_cutoff.isoformat()},
            )
            done += 1
    return done
