"""Writes for proposals, online ballots, votes and the register of decisions (resolutions).

Every function runs in one transaction, checks who may act, writes an audit entry and publishes
its live event after commit. Counting is delegated to the pure ``governance.tallying`` module.
Secret ballots: see ``governance.models.ballots`` and docs/architecture.md (threat model).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import secrets
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.core.validators import slug_re
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coopwork.core.audit import audit_append
from coopwork.core.errors import (
    CoopError,
    ParameterBackdated,
    ParameterInvalid,
    ParameterOutOfBounds,
    ParameterUnknown,
)
from coopwork.core.events import Event, publish
from coopwork.core.models import Cooperative, ParameterSource, RoleName
from coopwork.core.parameters import REGISTRY
from coopwork.core.permissions import require_authenticated, require_role
from coopwork.core.selectors import parameter_value, user_languages, user_roles
from coopwork.core.services import parameter_set
from coopwork.governance import errors
from coopwork.governance.models.ballots import (
    Amendment,
    AmendmentStatus,
    Ballot,
    BallotKind,
    BallotStatus,
    Candidate,
    Comment,
    Elector,
    Paper,
    Proposal,
    ProposalStatus,
    ProposalSupport,
    Receipt,
    Resolution,
    ResolutionSource,
    Vote,
)
from coopwork.governance.tallying import (
    ElectionMethod,
    Majority,
    MajorityRule,
    MotionBallot,
    TallyError,
    check_college_weights,
    ranked_profile,
    tally_approval,
    tally_election,
    tally_motion,
    tally_vote_for_n,
    tally_yes_no,
)
from coopwork.marketplace import notifications
from coopwork.marketplace.models import Notification
from coopwork.members.models import College, Member, MemberStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_VOTING_DAYS",
    "REMINDER_BEFORE",
    "VoteReceipt",
    "amendment_decide",
    "amendment_propose",
    "amendment_put_to_vote",
    "ballot_close",
    "ballot_create",
    "ballots_run_due",
    "proposal_comment",
    "proposal_file",
    "proposal_put_to_vote",
    "proposal_support",
    "proposal_withdraw",
    "receipt_digest",
    "resolution_record",
    "support_count",
    "support_required",
    "tally",
    "vote_cast",
]


def _lock_cooperative(cooperative: Cooperative) -> None:
    """Serialise numbering in one co-op (the co-op row is the lock, as for register numbers)."""
    Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()


def _next_number(model: Any, cooperative: Cooperative) -> int:
    _lock_cooperative(cooperative)
    top = model.objects.filter(cooperative=cooperative).aggregate(top=Max("number"))["top"]
    return int(top or 0) + 1


# --- The register of decisions ----------------------------------------------------------------


@transaction.atomic
def resolution_record(
    *,
    cooperative: Cooperative,
    title: str,
    text: str,
    source: str,
    reference: str,
    ballot: Ballot | None = None,
    parameter_key: str | None = None,
    parameter_value: Any = None,
    effective_from: dt.date | None = None,
    actor: User | AnonymousUser | None = None,
    adopted_at: dt.datetime | None = None,
) -> Resolution:
    """Enter an adopted decision in the register (gapless number per co-op).

    With a parameter change, the new :class:`~coopwork.core.models.ParameterVersion` is created
    through ``core.services.parameter_set(source="resolution")``, which checks the legal bounds
    and who may record it; it takes effect on ``effective_from``. A refused change raises its
    error (e.g. ``parameter_out_of_bounds``) and nothing is written.
    ``actor`` is None when the system records it (a ballot that closed).
    """
    title = (title or "").strip()
    reference = (reference or "").strip()
    if (
        not title
        or len(title) > 200
        or source not in ResolutionSource.values
        or len(reference) > 200
        or (source == ResolutionSource.ASSEMBLY and not reference)
    ):
        raise errors.ResolutionInvalid()
    if ballot is not None and ballot.cooperative_id != cooperative.pk:
        raise errors.BallotNotFound()
    has_change = bool(parameter_key)
    if has_change and (parameter_value is None or effective_from is None):
        raise errors.ResolutionParameterIncomplete()
    actor_user = actor if actor is not None and actor.is_authenticated else None
    number = _next_number(Resolution, cooperative)
    version = None
    if has_change:
        assert parameter_key is not None and effective_from is not None
        version = parameter_set(
            cooperative=cooperative,
            key=parameter_key,
            value=parameter_value,
            effective_from=effective_from,
            source=ParameterSource.RESOLUTION,
            source_ref=f"R{number} {reference or title}"[:300],
            actor=actor_user,
        )
    resolution = Resolution.objects.create(
        cooperative=cooperative,
        number=number,
        title=title,
        text=(text or "").strip(),
        adopted_at=adopted_at or timezone.now(),
        source=source,
        ballot=ballot,
        reference=reference,
        parameter_key=parameter_key or "",
        parameter_value=version.value if version is not None else None,
        effective_from=effective_from if has_change else None,
        parameter_version=version,
    )
    audit_append(
        cooperative=cooperative,
        actor=actor_user,
        action="resolution.recorded",
        target=resolution,
        data={
            "number": number,
            "title": title,
            "source": source,
            "reference": reference,
            "ballot": ballot.pk if ballot is not None else None,
            "parameter": parameter_key or None,
            "value": resolution.parameter_value,
            "effective_from": effective_from.isoformat() if has_change and effective_from else None,
            "parameter_version": version.pk if version is not None else None,
        },
    )
    publish(
        Event(
            "governance.resolution",
            cooperative.pk,
            {"resolution": resolution.pk, "number": number},
            (f"coop-{cooperative.pk}-member",),
        )
    )
    return resolution


# --- Helpers ------------------------------------------------------------------------------------

DEFAULT_VOTING_DAYS = 7
REMINDER_BEFORE = dt.timedelta(hours=24)
MIN_VOTING = REMINDER_BEFORE  # the shortest vote: long enough for its 24-hour reminder
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MOTION_CHOICES = ("yes", "no", "abstain")
MAJORITIES = ("simple", "two_thirds", "consent")
RANKED = {ElectionMethod.IRV, ElectionMethod.STV_SCOTTISH, ElectionMethod.STV_MEEK}
OFFICERS = {RoleName.BOARD, RoleName.ADMIN}


def _member_of(cooperative: Cooperative, user: User | AnonymousUser | None) -> Member:
    require_authenticated(user=user)
    user_id = int(getattr(user, "pk", 0) or 0)
    member = (
        Member.objects.select_related("college")
        .filter(cooperative=cooperative, user_id=user_id, status=MemberStatus.ACTIVE)
        .first()
    )
    if member is None:
        raise errors.BallotNotMember()
    return member


def _is_officer(cooperative: Cooperative, user: User | AnonymousUser | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(user_roles(user=user, cooperative=cooperative) & OFFICERS)


def _members_audience(cooperative: Cooperative) -> tuple[str, ...]:
    return (f"coop-{cooperative.pk}-member",)


# What each governance notification says, rendered in the reader's language when it is read
# (marketplace.notifications); the e-mail in its recipient's chosen language (see ``_notify``).
NOTIFICATIONS = {
    "governance.ballot_opened": gettext_lazy("Vote open: “%(title)s”, until %(closes)s."),
    "governance.ballot_reminder": gettext_lazy(
        "Reminder: the vote “%(title)s” closes on %(closes)s and you have not voted yet."
    ),
    "governance.ballot_closed": gettext_lazy("Results of “%(title)s” are published."),
    "governance.amendment": gettext_lazy("An amendment was proposed to your proposal “%(title)s”."),
}
for _kind, _template in NOTIFICATIONS.items():
    notifications.register(_kind, _template)


def _closing(ballot: Ballot) -> str:
    """The closing time as stored in a notification: local time, in a neutral format."""
    return timezone.localtime(ballot.closes_at).strftime("%Y-%m-%d %H:%M")


def _notify(
    cooperative: Cooperative,
    user_ids: list[int],
    kind: str,
    params: dict[str, Any],
    *,
    email: bool = True,
) -> None:
    """In-app notifications (marketplace.Notification without a job, stored as kind and
    parameters) and e-mails after commit."""
    text = notifications.render(kind, params)[:300]
    Notification.objects.bulk_create(
        [
            Notification(cooperative=cooperative, user_id=uid, kind=kind, params=params, text=text)
            for uid in user_ids
        ]
    )
    if email and user_ids:
        from django.contrib.auth import get_user_model

        recipients = list(
            get_user_model()
            .objects.filter(pk__in=user_ids)
            .exclude(email="")
            .values_list("pk", "email")
        )
        # Each e-mail in its recipient's language (the one they last chose with the EN/FR
        # switch); someone who never chose gets the language active when it is sent.
        chosen = user_languages(user_ids=[pk for pk, _address in recipients])
        fallback = translation.get_language() or settings.LANGUAGE_CODE
        rendered: dict[str, tuple[str, str]] = {}
        messages = []
        for pk, address in recipients:
            language = chosen.get(pk, fallback)
            if language not in rendered:
                with translation.override(language):
                    said = notifications.render(kind, params, text)[:300]
                rendered[language] = (
                    f"[{cooperative.name}] {said}"[:150],
                    f"{said}\n\n{cooperative.name}",
                )
            subject, body = rendered[language]
            messages.append((subject, body, None, [address]))
        transaction.on_commit(lambda: send_mass_mail(messages), robust=True)
    for uid in user_ids:
        publish(Event(kind, cooperative.pk, {"text": text}, (f"user-{uid}",)))


def _member_user_ids(cooperative: Cooperative) -> list[int]:
    return list(
        Member.objects.filter(cooperative=cooperative, status=MemberStatus.ACTIVE).values_list(
            "user_id", flat=True
        )
    )


def _fraction_text(value: Any, what: str) -> str:
    try:
        parsed = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise errors.BallotConfigInvalid(reason=what) from None
    if not 0 <= parsed <= 1:
        raise errors.BallotConfigInvalid(reason=what)
    return str(parsed)


def receipt_digest(ballot_id: int, code: str) -> str:
    """SHA-256 of a receipt code, bound to its ballot (what the published tally lists)."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(f"coopwork-receipt:{ballot_id}:{normalised}".encode()).hexdigest()


def _new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


# --- Proposals, comments, amendments ----------------------------------------------------------


def _proposal(cooperative: Cooperative, proposal_id: int, *, lock: bool = False) -> Proposal:
    qs = Proposal.objects.filter(cooperative=cooperative, pk=proposal_id)
    if lock:
        qs = qs.select_for_update()
    proposal = qs.first()
    if proposal is None:
        raise errors.ProposalNotFound()
    return proposal


def _check_parameter_change(
    cooperative: Cooperative, key: str, value: Any, effective_from: dt.date | None
) -> tuple[str, Any, dt.date | None]:
    """Validate a carried parameter change early (same checks as core, without writing)."""
    key = (key or "").strip()
    if not key:
        return "", None, None
    if key not in REGISTRY:
        raise ParameterUnknown(key=key)
    if value in (None, "") or effective_from is None:
        raise errors.ResolutionParameterIncomplete()
    spec = REGISTRY[key].for_form(cooperative.legal_form)
    try:
        parsed = spec.parse(value)
    except (ValueError, ZeroDivisionError, ArithmeticError, TypeError):
        raise ParameterInvalid(key=key) from None
    if not spec.in_bounds(parsed):
        raise ParameterOutOfBounds(key=key, minimum=str(spec.minimum), maximum=str(spec.maximum))
    if effective_from < timezone.localdate():
        raise ParameterBackdated()
    return key, spec.dump(parsed), effective_from


@transaction.atomic
def proposal_file(
    *,
    cooperative: Cooperative,
    user: User | AnonymousUser | None,
    title: str,
    body: str,
    parameter_key: str = "",
    parameter_value: Any = None,
    effective_from: dt.date | None = None,
) -> Proposal:
    """A member files a proposal; it opens for discussion and amendments."""
    member = _member_of(cooperative, user)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 200 or not body or len(body) > 20000:
        raise errors.ProposalInvalid()
    key, value, effective = _check_parameter_change(
        cooperative, parameter_key, parameter_value, effective_from
    )
    proposal = Proposal.objects.create(
        cooperative=cooperative,
        number=_next_number(Proposal, cooperative),
        author=member,
        title=title,
        body=body,
        parameter_key=key,
        parameter_value=value,
        effective_from=effective,
    )
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="proposal.filed",
        target=proposal,
        data={"number": proposal.number, "title": title, "parameter": key or None, "value": value},
    )
    publish(
        Event(
            "governance.proposal",
            cooperative.pk,
            {"proposal": proposal.pk},
            _members_audience(cooperative),
        )
    )
    return proposal


@transaction.atomic
def proposal_comment(
    *, cooperative: Cooperative, proposal_id: int, user: User | AnonymousUser | None, body: str
) -> Comment:
    member = _member_of(cooperative, user)
    proposal = _proposal(cooperative, proposal_id)
    if proposal.status != ProposalStatus.DISCUSSION:
        raise errors.ProposalClosed()
    body = (body or "").strip()
    if not body or len(body) > 4000:
        raise errors.CommentEmpty()
    comment = Comment.objects.create(proposal=proposal, author=member, body=body)
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="proposal.commented",
        target=comment,
        data={"proposal": proposal.pk},
    )
    publish(Event("governance.comment", cooperative.pk, {"proposal": proposal.pk}))
    return comment


@transaction.atomic
def proposal_support(
    *, cooperative: Cooperative, proposal_id: int, user: User | AnonymousUser | None
) -> int:
    """A member asks for the proposal to be put to a vote; returns the number of supporters."""
    member = _member_of(cooperative, user)
    proposal = _proposal(cooperative, proposal_id, lock=True)
    if proposal.status != ProposalStatus.DISCUSSION:
        raise errors.ProposalClosed()
    _, created = ProposalSupport.objects.get_or_create(proposal=proposal, member=member)
    if created:
        audit_append(
            cooperative=cooperative,
            actor=user,
            action="proposal.supported",
            target=proposal,
            data={"member": member.pk},
        )
    return support_count(proposal=proposal)


def support_count(*, proposal: Proposal) -> int:
    """Supporters of a proposal who are active members now: the support of a member who has
    since left (or been excluded) no longer counts towards putting it to a vote."""
    return ProposalSupport.objects.filter(
        proposal=proposal,
        member__cooperative_id=proposal.cooperative_id,
        member__status=MemberStatus.ACTIVE,
    ).count()


def support_required(*, cooperative: Cooperative, on: dt.date | None = None) -> int:
    """Supporters needed to put a proposal to a vote without the board.

    The governed parameter ``proposal_support_share`` in force on ``on`` (default today, the day
    the proposal would be put to a vote) times the active members, rounded up, at least one.
    """
    share = parameter_value(cooperative=cooperative, key="proposal_support_share", on=on)
    active = Member.objects.filter(cooperative=cooperative, status=MemberStatus.ACTIVE).count()
    return max(1, math.ceil(active * share))


@transaction.atomic
def proposal_withdraw(
    *, cooperative: Cooperative, proposal_id: int, user: User | AnonymousUser | None
) -> Proposal:
    member = _member_of(cooperative, user)
    proposal = _proposal(cooperative, proposal_id, lock=True)
    if proposal.author_id != member.pk:
        raise errors.ProposalNotAuthor()
    if proposal.status != ProposalStatus.DISCUSSION:
        raise errors.ProposalClosed()
    if Amendment.objects.filter(proposal=proposal, status=AmendmentStatus.VOTING).exists():
        # Its vote would then accept an amendment to a text that is no longer on the table.
        raise errors.ProposalAmendmentVoting(
            gettext_lazy(
                "An amendment to this proposal is being voted on: the proposal can be withdrawn "
                "once its result is known."
            )
        )
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save(update_fields=["status", "updated_at"])
    audit_append(cooperative=cooperative, actor=user, action="proposal.withdrawn", target=proposal)
    return proposal


@transaction.atomic
def amendment_propose(
    *,
    cooperative: Cooperative,
    proposal_id: int,
    user: User | AnonymousUser | None,
    body: str,
    rationale: str = "",
) -> Amendment:
    member = _member_of(cooperative, user)
    proposal = _proposal(cooperative, proposal_id, lock=True)
    if proposal.status != ProposalStatus.DISCUSSION:
        raise errors.ProposalClosed()
    body, rationale = (body or "").strip(), (rationale or "").strip()
    if not body or len(body) > 20000 or len(rationale) > 4000 or body == proposal.body:
        raise errors.AmendmentInvalid()
    top = proposal.amendments.aggregate(top=Max("number"))["top"] or 0
    amendment = Amendment.objects.create(
        proposal=proposal, number=top + 1, author=member, body=body, rationale=rationale
    )
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="amendment.proposed",
        target=amendment,
        data={"proposal": proposal.pk, "number": amendment.number},
    )
    if proposal.author.user_id != member.user_id:
        _notify(
            cooperative,
            [proposal.author.user_id],
            "governance.amendment",
            {"title": proposal.title},
            email=False,
        )
    return amendment


def _amendment(cooperative: Cooperative, amendment_id: int) -> Amendment:
    amendment = (
        Amendment.objects.select_for_update()
        .select_related("proposal")
        .filter(proposal__cooperative=cooperative, pk=amendment_id)
        .first()
    )
    if amendment is None:
        raise errors.AmendmentNotFound()
    return amendment


def _apply_amendment(amendment: Amendment) -> None:
    proposal = Proposal.objects.select_for_update().get(pk=amendment.proposal_id)
    proposal.body = amendment.body
    proposal.save(update_fields=["body", "updated_at"])


@transaction.atomic
def amendment_decide(
    *,
    cooperative: Cooperative,
    amendment_id: int,
    user: User | AnonymousUser | None,
    accept: bool,
) -> Amendment:
    """The proposal's author accepts (the text changes) or rejects an amendment."""
    member = _member_of(cooperative, user)
    amendment = _amendment(cooperative, amendment_id)
    if amendment.proposal.author_id != member.pk:
        raise errors.ProposalNotAuthor()
    if amendment.status != AmendmentStatus.PENDING:
        raise errors.AmendmentAlreadyDecided()
    if amendment.proposal.status != ProposalStatus.DISCUSSION:
        raise errors.ProposalClosed()
    amendment.status = AmendmentStatus.ACCEPTED if accept else AmendmentStatus.REJECTED
    amendment.decided_at = timezone.now()
    amendment.save(update_fields=["status", "decided_at"])
    if accept:
        _apply_amendment(amendment)
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="amendment.accepted" if accept else "amendment.rejected",
        target=amendment,
        data={"proposal": amendment.proposal_id, "by": "author"},
    )
    return amendment


# --- Ballots ------------------------------------------------------------------------------------


def _ballot(cooperative: Cooperative, ballot_id: int, *, lock: bool = False) -> Ballot:
    qs = Ballot.objects.filter(cooperative=cooperative, pk=ballot_id)
    if lock:
        qs = qs.select_for_update()
    ballot = qs.first()
    if ballot is None:
        raise errors.BallotNotFound()
    return ballot


def _check_window(
    opens_at: dt.datetime | None, closes_at: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    now = timezone.now()
    opens = opens_at or now
    closes = closes_at or opens + dt.timedelta(days=DEFAULT_VOTING_DAYS)
    if timezone.is_naive(opens) or timezone.is_naive(closes):
        raise errors.BallotConfigInvalid(reason=_("times need a time zone"))
    # A ballot cannot open in the past: its electors are the register on its opening day, so a
    # backdated opening would leave out the members admitted since.
    opens = max(opens, now)
    if closes <= opens or closes <= now or closes - opens > dt.timedelta(days=366):
        raise errors.BallotConfigInvalid(reason=_("it must close after it opens, in the future"))
    if closes - opens < MIN_VOTING:
        # Members get a reminder 24 hours before closing; a shorter vote (say, a supporter's
        # one-minute vote on a parameter change) would be decided before most could vote.
        raise errors.BallotConfigInvalid(reason=_("a vote stays open at least 24 hours"))
    return opens, closes


def _create_ballot(
    *,
    cooperative: Cooperative,
    actor: User | AnonymousUser | None,
    kind: str,
    title: str,
    description: str,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    secret: bool,
    results_hidden: bool,
    majority: str = "simple",
    objection_limit: Any = "0",
    quorum: Any = "0",
    method: str = "",
    seats: int = 1,
    max_choices: int | None = None,
    candidates: list[dict[str, Any]] | None = None,
    proposal: Proposal | None = None,
    amendment: Amendment | None = None,
) -> Ballot:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise errors.BallotConfigInvalid(reason=_("a title is needed"))
    opens, closes = _check_window(opens_at, closes_at)
    if secret and not results_hidden:
        # A live count would reveal a secret vote to anyone watching it change as someone votes.
        raise errors.BallotConfigInvalid(
            reason=_("a secret ballot keeps its results hidden until it closes")
        )
    values: dict[str, Any] = {}
    if kind == BallotKind.MOTION:
        if majority not in MAJORITIES:
            raise errors.BallotConfigInvalid(reason=_("unknown majority"))
        values = {
            "majority": majority,
            "objection_limit": _fraction_text(objection_limit, _("objection limit")),
            "quorum": _fraction_text(quorum, _("quorum")),
        }
    elif kind == BallotKind.ELECTION:
        try:
            m = ElectionMethod(method)
        except ValueError:
            raise errors.BallotConfigInvalid(reason=_("unknown election method")) from None
        cands = candidates or []
        keys = [str(c.get("key", "")).strip() for c in cands]
        if (
            len(cands) < 1
            or len(cands) > 100
            or len(set(keys)) != len(keys)
            or any(not slug_re.fullmatch(k) or len(k) > 40 for k in keys)
            or any(not str(c.get("name", "")).strip() for c in cands)
        ):
            raise errors.BallotConfigInvalid(reason=_("candidates need distinct keys and names"))
        if not isinstance(seats, int) or seats < 1 or seats > len(cands):
            raise errors.BallotConfigInvalid(reason=_("seats must be between 1 and the candidates"))
        if m is ElectionMethod.IRV and seats != 1:
            raise errors.BallotConfigInvalid(reason=_("IRV fills one seat; use STV for several"))
        if max_choices is not None and (max_choices < 1 or max_choices > len(cands)):
            raise errors.BallotConfigInvalid(reason=_("maximum number of choices"))
        values = {"method": str(m), "seats": seats, "max_choices": max_choices}
    else:
        raise errors.BallotConfigInvalid(reason=_("a ballot is a motion or an election"))
    ballot = Ballot.objects.create(
        cooperative=cooperative,
        number=_next_number(Ballot, cooperative),
        kind=kind,
        title=title,
        description=(description or "").strip(),
        proposal=proposal,
        amendment=amendment,
        secret=secret,
        results_hidden=results_hidden,
        opens_at=opens,
        closes_at=closes,
        parameter_key=proposal.parameter_key if proposal and not amendment else "",
        parameter_value=proposal.parameter_value if proposal and not amendment else None,
        effective_from=proposal.effective_from if proposal and not amendment else None,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **values,
    )
    for position, c in enumerate(candidates or [] if kind == BallotKind.ELECTION else []):
        member = None
        if c.get("member_id") is not None:
            member = Member.objects.filter(
                cooperative=cooperative, pk=c["member_id"], status=MemberStatus.ACTIVE
            ).first()
            if member is None:
                raise errors.BallotConfigInvalid(reason=_("a candidate is not a member"))
        Candidate.objects.create(
            ballot=ballot,
            key=str(c["key"]).strip(),
            name=str(c["name"]).strip()[:200],
            member=member,
            position=position,
        )
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="ballot.created",
        target=ballot,
        data={
            "number": ballot.number,
            "kind": kind,
            "title": title,
            "method": ballot.method,
            "seats": ballot.seats,
            "majority": ballot.majority,
            "quorum": ballot.quorum,
            "secret": secret,
            "results_hidden": results_hidden,
            "opens_at": opens.isoformat(),
            "closes_at": closes.isoformat(),
            "candidates": [c["key"] for c in candidates or []],
            "proposal": proposal.pk if proposal else None,
            "amendment": amendment.pk if amendment else None,
            "parameter": ballot.parameter_key or None,
        },
    )
    if opens <= timezone.now():
        _open(ballot)
    return ballot


@transaction.atomic
def ballot_create(
    *,
    cooperative: Cooperative,
    actor: User | AnonymousUser | None,
    kind: str,
    title: str,
    description: str = "",
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    secret: bool = False,
    results_hidden: bool = True,
    majority: str = "simple",
    objection_limit: Any = "0",
    quorum: Any = "0",
    method: str = "",
    seats: int = 1,
    max_choices: int | None = None,
    candidates: list[dict[str, Any]] | None = None,
) -> Ballot:
    """The board sets up a motion or an election (e.g. the board election the statutes call for).

    It opens at ``opens_at`` (now by default; later ones are opened by ``ballots_run_due``).
    """
    require_role(user=actor, cooperative=cooperative, roles=OFFICERS)
    return _create_ballot(
        cooperative=cooperative,
        actor=actor,
        kind=kind,
        title=title,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        secret=secret,
        results_hidden=results_hidden,
        majority=majority,
        objection_limit=objection_limit,
        quorum=quorum,
        method=method,
        seats=seats,
        max_choices=max_choices,
        candidates=candidates,
    )


@transaction.atomic
def proposal_put_to_vote(
    *,
    cooperative: Cooperative,
    proposal_id: int,
    user: User | AnonymousUser | None,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    majority: str = "simple",
    quorum: Any = "0",
    secret: bool = False,
    results_hidden: bool = True,
) -> Ballot:
    """The board, or any supporter once enough members support it, opens a motion on it."""
    require_authenticated(user=user)
    proposal = _proposal(cooperative, proposal_id, lock=True)
    if proposal.status != ProposalStatus.DISCUSSION:
        raise errors.ProposalClosed()
    if Amendment.objects.filter(proposal=proposal, status=AmendmentStatus.VOTING).exists():
        # Its adoption changes the text after the proposal's own vote has begun on the old one.
        raise errors.ProposalAmendmentVoting()
    if not _is_officer(cooperative, user):
        member = _member_of(cooperative, user)
        count = support_count(proposal=proposal)
        required = support_required(cooperative=cooperative)
        supporter = ProposalSupport.objects.filter(proposal=proposal, member=member).exists()
        if count < required or not (supporter or proposal.author_id == member.pk):
            raise errors.ProposalSupportTooLow(required=required, count=count)
    if proposal.parameter_key:
        _check_parameter_change(
            cooperative, proposal.parameter_key, proposal.parameter_value, proposal.effective_from
        )
    ballot = _create_ballot(
        cooperative=cooperative,
        actor=user,
        kind=BallotKind.MOTION,
        title=proposal.title,
        description=proposal.body,
        opens_at=opens_at,
        closes_at=closes_at,
        secret=secret,
        results_hidden=results_hidden,
        majority=majority,
        quorum=quorum,
        proposal=proposal,
    )
    proposal.status = ProposalStatus.VOTING
    proposal.save(update_fields=["status", "updated_at"])
    Amendment.objects.filter(proposal=proposal, status=AmendmentStatus.PENDING).update(
        status=AmendmentStatus.REJECTED, decided_at=timezone.now()
    )
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="proposal.put_to_vote",
        target=proposal,
        data={"ballot": ballot.pk},
    )
    return ballot


@transaction.atomic
def amendment_put_to_vote(
    *,
    cooperative: Cooperative,
    amendment_id: int,
    user: User | AnonymousUser | None,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
) -> Ballot:
    """The board puts a pending amendment to the members' vote (adopted: the text changes)."""
    require_role(user=user, cooperative=cooperative, roles=OFFICERS)
    amendment = _amendment(cooperative, amendment_id)
    if amendment.status != AmendmentStatus.PENDING:
        raise errors.AmendmentAlreadyDecided()
    if amendment.proposal.status != ProposalStatus.DISCUSSION:
        raise errors.ProposalClosed()
    ballot = _create_ballot(
        cooperative=cooperative,
        actor=user,
        kind=BallotKind.MOTION,
        title=_("Amendment %(number)s to “%(title)s”")
        % {"number": amendment.number, "title": amendment.proposal.title},
        description=amendment.body,
        opens_at=opens_at,
        closes_at=closes_at,
        secret=False,
        results_hidden=True,
        proposal=amendment.proposal,
        amendment=amendment,
    )
    amendment.status = AmendmentStatus.VOTING
    amendment.save(update_fields=["status"])
    return ballot


def _college_weights(cooperative: Cooperative) -> dict[str, str] | None:
    """The college weights to count with, or None (one member, one vote).

    Weighted only when ``colleges_weighted`` is on and every college has a weight that passes
    ``tallying.check_college_weights`` (10-50 %, summing to 100), as for assemblies.
    """
    if not parameter_value(cooperative=cooperative, key="colleges_weighted"):
        return None
    rows = list(College.objects.filter(cooperative=cooperative).values_list("code", "weight"))
    if not rows or any(weight is None for _, weight in rows):
        return None
    weights = {code: str(Fraction(weight)) for code, weight in rows if weight is not None}
    try:
        check_college_weights(weights)
    except TallyError:
        return None
    return weights


def _open(ballot: Ballot) -> None:
    """Snapshot the register (who may vote, in which college) and the college weights.

    The register is read as on the day the ballot was due to open, even when it is opened
    later (a tick that ran late): a member admitted after that day does not vote.
    """
    now = timezone.now()
    cooperative = ballot.cooperative
    members = list(
        Member.objects.filter(
            cooperative=cooperative,
            status=MemberStatus.ACTIVE,
            admitted_on__lte=timezone.localdate(min(now, ballot.opens_at)),
        ).values_list("pk", "college__code", "user_id")
    )
    Elector.objects.bulk_create(
        [Elector(ballot=ballot, member_id=pk, college=college) for pk, college, _ in members]
    )
    ballot.status = BallotStatus.OPEN
    ballot.opened_at = now
    ballot.college_weights = _college_weights(cooperative)
    ballot.electors_count = len(members)
    ballot.save(update_fields=["status", "opened_at", "college_weights", "electors_count"])
    audit_append(
        cooperative=cooperative,
        actor=None,
        action="ballot.opened",
        target=ballot,
        data={
            "electors": len(members),
            "college_weights": ballot.college_weights,
            "closes_at": ballot.closes_at.isoformat(),
        },
    )
    _notify(
        cooperative,
        [uid for _, _, uid in members],
        "governance.ballot_opened",
        {"title": ballot.title, "closes": _closing(ballot)},
    )


def _validate_choice(ballot: Ballot, choice: Any) -> dict[str, Any]:
    """The ballot paper in its stored form; refuses anything its method's rules forbid."""
    if not isinstance(choice, dict):
        raise errors.BallotInvalidChoice()
    try:
        if ballot.kind == BallotKind.MOTION:
            value = choice.get("choice")
            if value not in MOTION_CHOICES:
                raise errors.BallotInvalidChoice()
            return {"choice": value}
        candidates = list(ballot.candidates.values_list("key", flat=True))
        method = ElectionMethod(ballot.method)
        if method is ElectionMethod.YES_NO:
            marks = choice.get("marks")
            if not isinstance(marks, dict) or not all(isinstance(k, str) for k in marks):
                raise errors.BallotInvalidChoice()
            tally_yes_no([marks], candidates, ballot.seats)
            return {"marks": {k: str(marks[k]) for k in sorted(marks)}}
        if method in RANKED:
            ranking = choice.get("ranking")
            if not isinstance(ranking, list) or not all(isinstance(k, str) for k in ranking):
                raise errors.BallotInvalidChoice()
            ranked_profile([ranking], candidates, max_rank=ballot.max_choices)
            return {"ranking": list(ranking)}
        picks = choice.get("choices")
        if not isinstance(picks, list) or not all(isinstance(k, str) for k in picks):
            raise errors.BallotInvalidChoice()
        if method is ElectionMethod.APPROVAL:
            tally_approval([picks], candidates, ballot.seats, max_approvals=ballot.max_choices)
        else:
            tally_vote_for_n([picks], candidates, ballot.seats)
        return {"choices": sorted(picks)}
    except TallyError as exc:
        raise errors.TALLY_BALLOT_ERRORS.get(exc.code, errors.BallotInvalidChoice)() from None


@dataclass(frozen=True)
class VoteReceipt:
    """What the voter gets back: the receipt code (only when first cast) and whether it changed."""

    ballot_id: int
    receipt: str | None
    changed: bool


def vote_cast(
    *,
    cooperative: Cooperative,
    ballot_id: int,
    user: User | AnonymousUser | None,
    choice: dict[str, Any],
) -> VoteReceipt:
    """Cast (or, on a ballot that is not secret, change) one member's vote.

    One vote per member and ballot is a unique constraint; two concurrent first submissions give
    one vote: the other changes it (open ballot) or is refused ``ballot_already_voted`` (secret).
    """
    try:
        return _vote_cast(cooperative=cooperative, ballot_id=ballot_id, user=user, choice=choice)
    except IntegrityError:
        # The unique constraint caught a concurrent first vote: retry once, now as a change.
        return _vote_cast(cooperative=cooperative, ballot_id=ballot_id, user=user, choice=choice)


@transaction.atomic
def _vote_cast(
    *,
    cooperative: Cooperative,
    ballot_id: int,
    user: User | AnonymousUser | None,
    choice: dict[str, Any],
) -> VoteReceipt:
    require_authenticated(user=user)
    ballot = _ballot(cooperative, ballot_id)
    member = _member_of(cooperative, user)
    now = timezone.now()
    if ballot.status == BallotStatus.CLOSED or now >= ballot.closes_at:
        raise errors.BallotClosed()
    if ballot.status != BallotStatus.OPEN:
        raise errors.BallotNotOpen(opens_at=timezone.localtime(ballot.opens_at))
    elector = Elector.objects.filter(ballot=ballot, member=member).first()
    if elector is None:
        raise errors.BallotNotElector()
    paper = _validate_choice(ballot, choice)
    existing = Vote.objects.select_for_update().filter(ballot=ballot, member=member).first()
    if existing is not None:
        if ballot.secret:
            raise errors.BallotAlreadyVoted()
        existing.choice = paper
        existing.save(update_fields=["choice", "updated_at"])
        audit_append(
            cooperative=cooperative,
            actor=user,
            action="vote.changed",
            target=ballot,
            data={"member": member.pk, "choice": paper},
        )
        publish(
            Event(
                "governance.vote",
                cooperative.pk,
                {"ballot": ballot.pk},
                _members_audience(cooperative),  # live voter counts; never what was chosen
            )
        )
        return VoteReceipt(ballot.pk, None, True)
    code = _new_receipt_code()
    with transaction.atomic():  # savepoint: the unique constraint may refuse a concurrent vote
        Vote.objects.create(
            ballot=ballot,
            member=member,
            college=elector.college,
            choice=None if ballot.secret else paper,
        )
    if ballot.secret:
        Paper.objects.create(ballot=ballot, college=elector.college, choice=paper)
    Receipt.objects.create(ballot=ballot, digest=receipt_digest(ballot.pk, code))
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="vote.cast",
        target=ballot,
        # A secret vote's entry says who voted, never what (the paper is not linked to it).
        data={"member": member.pk} if ballot.secret else {"member": member.pk, "choice": paper},
    )
    publish(
        Event(
            "governance.vote",
            cooperative.pk,
            {"ballot": ballot.pk},
            _members_audience(cooperative),  # live voter counts; never what was chosen
        )
    )
    return VoteReceipt(ballot.pk, code, False)


def _papers(ballot: Ballot) -> list[tuple[str, dict[str, Any]]]:
    """(college, paper) of every counted vote, in a canonical order that reveals nothing."""
    if ballot.secret:
        rows = list(Paper.objects.filter(ballot=ballot).values_list("college", "choice"))
    else:
        rows = list(
            Vote.objects.filter(ballot=ballot, choice__isnull=False).values_list(
                "college", "choice"
            )
        )
    return sorted(rows, key=lambda r: (json.dumps(r[1], sort_keys=True), r[0]))


def tally(ballot: Ballot) -> dict[str, Any]:
    """Count the ballot with ``governance.tallying`` (weighted by college when it was weighted)."""
    papers = _papers(ballot)
    weights = ballot.college_weights or None
    colleges = [c for c, _ in papers]
    electors_by_college = dict(
        Elector.objects.filter(ballot=ballot)
        .values_list("college")
        .annotate(n=Count("id"))
        .values_list("college", "n")
    )
    voters_by_college = dict(
        Vote.objects.filter(ballot=ballot)
        .values_list("college")
        .annotate(n=Count("id"))
        .values_list("college", "n")
    )
    voters = sum(voters_by_college.values())
    out: dict[str, Any] = {
        "kind": ballot.kind,
        "electors": ballot.electors_count,
        "voters": voters,
        "turnout_by_college": {
            c: {"electors": n, "voters": voters_by_college.get(c, 0)}
            for c, n in sorted(electors_by_college.items())
        },
        "college_weights": weights,
        "papers": [{"college": c, **p} for c, p in papers],
        "receipts": sorted(Receipt.objects.filter(ballot=ballot).values_list("digest", flat=True)),
    }
    if ballot.kind == BallotKind.MOTION:
        motion = tally_motion(
            [MotionBallot(p["choice"], c) for c, p in papers],
            eligible=ballot.electors_count,
            present=voters,
            quorum=Fraction(ballot.quorum),
            majority=MajorityRule(
                Majority(ballot.majority), objection_limit=Fraction(ballot.objection_limit)
            ),
            college_weights=weights,
        )
        out["motion"] = motion.as_dict()
        out["adopted"] = motion.adopted
        return out
    candidates = dict(ballot.candidates.values_list("key", "name"))
    method = ElectionMethod(ballot.method)
    if method is ElectionMethod.YES_NO:
        items: list[Any] = [p["marks"] for _, p in papers]
    elif method in RANKED:
        items = [p["ranking"] for _, p in papers]
    else:
        items = [p["choices"] for _, p in papers]
    options: dict[str, Any] = {"colleges": colleges, "college_weights": weights}
    if method is ElectionMethod.APPROVAL:
        options["max_approvals"] = ballot.max_choices
    result = tally_election(method, items, list(candidates), ballot.seats, **options)
    out["election"] = result.as_dict()
    out["names"] = candidates
    out["adopted"] = None
    return out


@transaction.atomic
def ballot_close(
    *, cooperative: Cooperative, ballot_id: int, actor: User | AnonymousUser | None = None
) -> Ballot:
    """Close at ``closes_at`` (the system) or early (an officer): count, publish, and act on it."""
    if actor is not None:
        require_role(user=actor, cooperative=cooperative, roles=OFFICERS)
    ballot = _ballot(cooperative, ballot_id, lock=True)
    if ballot.status == BallotStatus.CLOSED:
        raise errors.BallotClosed()
    if ballot.status == BallotStatus.SCHEDULED:
        _open(ballot)
    try:
        result = tally(ballot)
    except TallyError as exc:  # e.g. college weights changed into an invalid state
        raise errors.BallotConfigInvalid(reason=exc.code) from None
    digest = hashlib.sha256(
        json.dumps(result, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    ballot.status = BallotStatus.CLOSED
    ballot.closed_at = timezone.now()
    ballot.result = result
    ballot.adopted = result["adopted"]
    ballot.save(update_fields=["status", "closed_at", "result", "adopted"])
    summary: dict[str, Any] = {
        "voters": result["voters"],
        "electors": result["electors"],
        "result_sha256": digest,
    }
    if ballot.kind == BallotKind.MOTION:
        summary |= {k: result["motion"][k] for k in ("yes", "no", "abstain", "quorum_reached")}
        summary["adopted"] = result["adopted"]
    else:
        summary["winners"] = result["election"]["winners"]
    audit_append(
        cooperative=cooperative, actor=actor, action="ballot.closed", target=ballot, data=summary
    )
    _after_close(ballot, actor)
    _notify(
        cooperative,
        list(Elector.objects.filter(ballot=ballot).values_list("member__user_id", flat=True)),
        "governance.ballot_closed",
        {"title": ballot.title},
    )
    publish(
        Event(
            "governance.ballot_closed",
            cooperative.pk,
            {"ballot": ballot.pk},
            _members_audience(cooperative),
        )
    )
    return ballot


def _after_close(ballot: Ballot, actor: User | AnonymousUser | None) -> None:
    """An adopted motion updates its proposal or amendment and enters the register."""
    if ballot.kind != BallotKind.MOTION:
        return
    adopted = bool(ballot.adopted)
    if ballot.amendment_id is not None:
        amendment = Amendment.objects.select_for_update().get(pk=ballot.amendment_id)
        amendment.status = AmendmentStatus.ACCEPTED if adopted else AmendmentStatus.REJECTED
        amendment.decided_at = timezone.now()
        amendment.save(update_fields=["status", "decided_at"])
        proposal = Proposal.objects.get(pk=amendment.proposal_id)
        if adopted and proposal.status == ProposalStatus.DISCUSSION:
            _apply_amendment(amendment)
        return
    if ballot.proposal_id is not None:
        Proposal.objects.filter(pk=ballot.proposal_id).update(
            status=ProposalStatus.ADOPTED if adopted else ProposalStatus.REJECTED,
            updated_at=timezone.now(),
        )
    if adopted:
        effective = ballot.effective_from
        if ballot.parameter_key and effective is not None and effective < timezone.localdate():
            effective = timezone.localdate()  # a date that passed while voting: from today
        resolution_record(
            cooperative=ballot.cooperative,
            title=ballot.title,
            text=ballot.description,
            source=ResolutionSource.BALLOT,
            reference=_("Online ballot #%(number)s") % {"number": ballot.number},
            ballot=ballot,
            parameter_key=ballot.parameter_key or None,
            parameter_value=ballot.parameter_value,
            effective_from=effective,
            actor=None,
            adopted_at=ballot.closed_at,
        )


def ballots_run_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Open ballots whose time has come, send the 24-hour reminders and close the due ones.

    Each ballot is handled in its own transaction, so one failure does not stop the others.
    """
    now = now or timezone.now()
    done = {"opened": 0, "reminded": 0, "closed": 0}
    for ballot in Ballot.objects.filter(
        status=BallotStatus.SCHEDULED, opens_at__lte=now
    ).select_related("cooperative"):
        with transaction.atomic():
            locked = Ballot.objects.select_for_update().get(pk=ballot.pk)
            if locked.status == BallotStatus.SCHEDULED:
                _open(locked)
                done["opened"] += 1
    for ballot in Ballot.objects.filter(
        status=BallotStatus.OPEN, halfway_reminder_sent_at__isnull=True, closes_at__gt=now
    ).select_related("cooperative"):
        # Halfway through a vote longer than two days, a first reminder.
        start = ballot.opened_at or ballot.opens_at
        if (
            ballot.closes_at - start <= 2 * REMINDER_BEFORE
            or now < start + (ballot.closes_at - start) / 2
        ):
            continue
        with transaction.atomic():
            locked = Ballot.objects.select_for_update().get(pk=ballot.pk)
            if locked.halfway_reminder_sent_at is None:
                _remind(locked, now, halfway=True)
                done["reminded"] += 1
    for ballot in Ballot.objects.filter(
        status=BallotStatus.OPEN,
        reminder_sent_at__isnull=True,
        closes_at__gt=now,
        closes_at__lte=now + REMINDER_BEFORE,
    ).select_related("cooperative"):
        with transaction.atomic():
            locked = Ballot.objects.select_for_update().get(pk=ballot.pk)
            if locked.reminder_sent_at is None:
                _remind(locked, now)
                done["reminded"] += 1
    for ballot in Ballot.objects.filter(
        status__in=(BallotStatus.OPEN, BallotStatus.SCHEDULED), closes_at__lte=now
    ).select_related("cooperative"):
        try:
            ballot_close(cooperative=ballot.cooperative, ballot_id=ballot.pk, actor=None)
            done["closed"] += 1
        except errors.BallotClosed:
            pass
        except CoopError:  # reported, and retried at the next tick; the others still close
            logger.exception("ballot %s could not be closed", ballot.pk)
    return done


def _remind(ballot: Ballot, now: dt.datetime, *, halfway: bool = False) -> None:
    """Remind the electors who have not voted yet: halfway through a long vote, and about
    24 hours before it closes."""
    voted = Vote.objects.filter(ballot=ballot).values("member_id")
    user_ids = list(
        Elector.objects.filter(ballot=ballot)
        .exclude(member_id__in=voted)
        .values_list("member__user_id", flat=True)
    )
    field = "halfway_reminder_sent_at" if halfway else "reminder_sent_at"
    setattr(ballot, field, now)
    ballot.save(update_fields=[field])
    audit_append(
        cooperative=ballot.cooperative,
        actor=None,
        action="ballot.reminded",
        target=ballot,
        data={"reminded": len(user_ids), "when": "halfway" if halfway else "24h"},
    )
    _notify(
        ballot.cooperative,
        user_ids,
        "governance.ballot_reminder",
        {"title": ballot.title, "closes": _closing(ballot)},
    )
