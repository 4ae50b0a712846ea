"""Proposals, ballots, votes and the register of decisions (resolutions).

Secret ballots keep the voter apart from the paper:

- ``Vote`` says *who* took part (one row per member and ballot, a unique constraint); on a secret
  ballot its ``choice`` stays empty.
- ``Paper`` holds *what* was chosen, with the voter's college (needed to weight it) and nothing
  else: no foreign key to the voter or the vote, a random UUID as primary key (no insertion
  order), no timestamp and no default ordering.
- ``Receipt`` holds the SHA-256 of each voter's receipt code, again with a random key, no voter
  and no timestamp. The published tally lists the receipt digests apart from the papers, so a
  voter can check that their paper was counted but cannot show anyone which paper is theirs.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coopwork.core.models import Cooperative, ParameterVersion
from coopwork.members.models import Member

__all__ = [
    "Amendment",
    "AmendmentStatus",
    "Ballot",
    "BallotKind",
    "BallotStatus",
    "Candidate",
    "Comment",
    "Elector",
    "Paper",
    "Proposal",
    "ProposalStatus",
    "ProposalSupport",
    "Receipt",
    "Resolution",
    "ResolutionSource",
    "Vote",
]


class ProposalStatus(models.TextChoices):
    DISCUSSION = "discussion", _("under discussion")
    VOTING = "voting", _("being voted on")
    ADOPTED = "adopted", pgettext_lazy("proposal", "adopted")
    REJECTED = "rejected", pgettext_lazy("proposal", "rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Proposal(models.Model):
    """A member's proposal: discussed, amended, then put to a vote (a motion ballot)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="proposals")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.DISCUSSION
    )
    # Optional change of a governed parameter that the proposal carries.
    parameter_key = models.CharField(max_length=80, blank=True)
    parameter_value = models.JSONField(null=True, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "number"], name="proposal_number_unique")
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


class ProposalSupport(models.Model):
    """A member asking for the proposal to be put to a vote."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    member = models.ForeignKey(Member, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "member"], name="one_support_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}:{self.member_id}"


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Member, on_delete=models.PROTECT)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", pgettext_lazy("amendment", "accepted")
    REJECTED = "rejected", pgettext_lazy("amendment", "rejected")
    VOTING = "voting", _("being voted on")


class Amendment(models.Model):
    """A proposed new wording of a proposal's text."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(Member, on_delete=models.PROTECT)
    body = models.TextField(help_text=_("The proposed new text"))
    rationale = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=AmendmentStatus.choices, default=AmendmentStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="amendment_number_unique")
        ]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"amendment {self.proposal_id}.{self.number}"


class BallotKind(models.TextChoices):
    MOTION = "motion", _("motion")
    ELECTION = "election", _("election")


class BallotStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    OPEN = "open", pgettext_lazy("ballot", "open")
    CLOSED = "closed", pgettext_lazy("ballot", "closed")


class Ballot(models.Model):
    """An online vote: a motion (yes / no / abstain) or an election."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="ballots")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=BallotKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    # Motions: majority "simple", "two_thirds" or "consent" (objections above the limit block).
    majority = models.CharField(max_length=12, default="simple")
    objection_limit = models.CharField(max_length=20, default="0")
    quorum = models.CharField(max_length=20, default="0", help_text=_("fraction of electors"))
    # Elections: a method of governance.tallying.ElectionMethod.
    method = models.CharField(max_length=20, blank=True)
    seats = models.PositiveSmallIntegerField(default=1)
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    secret = models.BooleanField(default=False)
    results_hidden = models.BooleanField(default=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=BallotStatus.choices, default=BallotStatus.SCHEDULED
    )
    # Parameter change the motion carries (copied from the proposal).
    parameter_key = models.CharField(max_length=80, blank=True)
    parameter_value = models.JSONField(null=True, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    # Snapshot taken when the ballot opens.
    opened_at = models.DateTimeField(null=True, blank=True)
    college_weights = models.JSONField(null=True, blank=True)
    electors_count = models.PositiveIntegerField(default=0)
    # Filled when it closes.
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    adopted = models.BooleanField(null=True, blank=True)
    halfway_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)  # the one 24 h before closing
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "number"], name="ballot_number_unique")
        ]
        indexes = [models.Index(fields=["status", "closes_at"])]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


class Candidate(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="candidates")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "key"], name="candidate_key_unique")
        ]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Elector(models.Model):
    """The register of members on the day the ballot opened (who may vote, and their college)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="electors")
    member = models.ForeignKey(Member, on_delete=models.PROTECT)
    college = models.CharField(max_length=30)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "member"], name="one_elector_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.member_id}"


class Vote(models.Model):
    """That a member voted: one row per member and ballot (the database refuses a second).

    ``choice`` holds the vote on an open ballot and stays empty on a secret one (see ``Paper``).
    """

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Member, on_delete=models.PROTECT)
    college = models.CharField(max_length=30)
    choice = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "member"], name="one_vote_per_member")
        ]

    def __str__(self) -> str:
        return f"vote {self.pk}"


class Paper(models.Model):
    """A secret ballot paper: the choice and the college, with nothing that leads to the voter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="papers")
    college = models.CharField(max_length=30)
    choice = models.JSONField()

    def __str__(self) -> str:
        return "paper"


class Receipt(models.Model):
    """SHA-256 of a voter's receipt code (random key, no voter, no time)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="receipts")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "digest"], name="receipt_digest_unique")
        ]

    def __str__(self) -> str:
        return self.digest


class ResolutionSource(models.TextChoices):
    BALLOT = "ballot", _("online ballot")
    ASSEMBLY = "assembly", _("general assembly")


class Resolution(models.Model):
    """The register of decisions: numbered without gaps per co-op."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="resolutions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    adopted_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=ResolutionSource.choices)
    ballot = models.ForeignKey(
        Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="resolutions"
    )
    reference = models.CharField(max_length=200, blank=True)
    parameter_key = models.CharField(max_length=80, blank=True)
    parameter_value = models.JSONField(null=True, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    parameter_version = models.OneToOneField(
        ParameterVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolution",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"], name="resolution_number_unique"
            )
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"R{self.number} {self.title}"
