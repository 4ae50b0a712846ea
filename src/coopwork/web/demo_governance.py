"""Demo data for decisions: a proposal under discussion (with a comment and an amendment), a
closed motion with its published result and resolution (a rule change traced on the rules page),
and an open secret board election the demo member can vote in. Created through the services;
running it again changes nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from coopwork.core.models import Cooperative
from coopwork.governance.models import Ballot
from coopwork.governance.services import (
    amendment_propose,
    ballot_close,
    ballot_create,
    proposal_comment,
    proposal_file,
    proposal_put_to_vote,
    vote_cast,
)
from coopwork.members.models import Member, MemberStatus


def seed_governance(coop: Cooperative, *, board: User, member: User) -> None:
    if Ballot.objects.filter(cooperative=coop).exists():
        return
    members = list(
        Member.objects.filter(cooperative=coop, status=MemberStatus.ACTIVE)
        .select_related("user")
        .order_by("register_number")
    )
    others = [m for m in members if m.user_id != member.pk]

    # A closed motion: later cancellations count as late from 36 h, adopted, in the register.
    motion = proposal_file(
        cooperative=coop,
        user=others[0].user,
        title="Annulation tardive à partir de 36 heures",
        body=(
            "Une commande annulée moins de 36 heures avant son début compte comme annulation "
            "tardive (aujourd’hui 24 heures), pour que les coursiers puissent réorganiser "
            "leur journée."
        ),
        parameter_key="late_cancellation_hours",
        parameter_value=36,
        effective_from=timezone.localdate() + dt.timedelta(days=14),
    )
    proposal_comment(
        cooperative=coop,
        proposal_id=motion.pk,
        user=member,
        body="Oui : la veille au soir, c’est trop tard pour trouver une autre course.",
    )
    ballot = proposal_put_to_vote(
        cooperative=coop, proposal_id=motion.pk, user=board, majority="simple"
    )
    for m, choice in zip(members, ["yes", "yes", "no", "yes", "abstain", "yes"], strict=False):
        vote_cast(cooperative=coop, ballot_id=ballot.pk, user=m.user, choice={"choice": choice})
    ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board)

    # A proposal under discussion, with an amendment waiting for its author.
    idea = proposal_file(
        cooperative=coop,
        user=member,
        title="Un fonds d’entretien des vélos-cargos",
        body="La coopérative verse 1 % de chaque course à un fonds d’entretien des vélos.",
    )
    amendment_propose(
        cooperative=coop,
        proposal_id=idea.pk,
        user=others[0].user,
        body="La coopérative verse 1 % de chaque course à un fonds d’entretien des vélos et "
        "des remorques, géré par les coursiers.",
        rationale="Les remorques s’usent autant que les vélos.",
    )

    # An open, secret board election (single transferable vote, two seats).
    candidates = [m for m in members if not m.is_organisation][:4]
    election = ballot_create(
        cooperative=coop,
        actor=board,
        kind="election",
        title="Élection de deux administrateurs",
        description="Deux sièges au conseil d’administration, vote unique transférable.",
        method="stv_scottish",
        seats=2,
        secret=True,
        closes_at=timezone.now() + dt.timedelta(days=6),
        candidates=[
            {"key": f"m{m.register_number}", "name": m.display_name, "member_id": m.pk}
            for m in candidates
        ],
    )
    keys = [f"m{m.register_number}" for m in candidates]
    for i, m in enumerate(others[:3]):
        vote_cast(
            cooperative=coop,
            ballot_id=election.pk,
            user=m.user,
            choice={"ranking": keys[i:] + keys[:i]},
        )
