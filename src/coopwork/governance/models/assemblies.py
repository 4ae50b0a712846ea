"""General assemblies: convocation, agenda, attendance, proxies, postal and live votes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coopwork.core.models import Cooperative
from coopwork.members.models import Application, Member

__all__ = [
    "AgendaItem",
    "Assembly",
    "AssemblyAttendance",
    "AssemblyKind",
    "AssemblyStatus",
    "AssemblyVote",
    "AttendanceMode",
    "ItemStatus",
    "Proxy",
    "VoteChannel",
    "VoteChoice",
]


class AssemblyKind(models.TextChoices):
    ORDINARY = "ordinary", pgettext_lazy("assembly", "ordinary")
    EXTRAORDINARY = "extraordinary", pgettext_lazy("assembly", "extraordinary")


class AssemblyStatus(models.TextChoices):
    CONVENED = "convened", _("convened")  # notice sent; postal votes and proxies accepted
    OPEN = "open", _("open")  # the session has begun: members check in, quorum not yet checked
    SITTING = "sitting", _("sitting")  # quorum reached: items are voted
    CLOSED = "closed", pgettext_lazy("assembly", "closed")
    FAILED = "failed", _("quorum not reached")


class Assembly(models.Model):
    """One convocation of a general assembly. A second convocation links to the first."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AssemblyKind.choices)
    convocation = models.PositiveSmallIntegerField(default=1)
    first_convocation = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="second_convocation",
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=300, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    postal_cutoff = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=AssemblyStatus.choices, default=AssemblyStatus.CONVENED
    )
    convened_at = models.DateTimeField()
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_days = models.PositiveSmallIntegerField()
    reminded_at = models.DateTimeField(null=True, blank=True)  # the reminder before the cut-off
    # Set when the session opens and when the quorum is checked (a snapshot for the minutes).
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    eligible = models.PositiveIntegerField(null=True, blank=True)
    quorum = models.CharField(max_length=20, blank=True)  # "n/d"
    quorum_required = models.PositiveIntegerField(null=True, blank=True)
    present = models.PositiveIntegerField(null=True, blank=True)
    quorum_reached = models.BooleanField(null=True, blank=True)
    quorum_detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["cooperative", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(convocation__in=[1, 2]), name="assembly_convocation_1_or_2"
            ),
            models.CheckConstraint(
                condition=models.Q(convocation=1, first_convocation__isnull=True)
                | models.Q(convocation=2, first_convocation__isnull=False),
                name="assembly_second_links_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("not yet open")
    OPEN = "open", pgettext_lazy("vote", "open")
    CLOSED = "closed", pgettext_lazy("vote", "closed")


class AgendaItem(models.Model):
    """A resolution on the agenda. Adopted items are recorded in the register of decisions."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=AssemblyKind.choices)
    # Optionally a governed parameter the resolution sets, from an effective date.
    parameter_key = models.CharField(max_length=80, blank=True)
    parameter_value = models.JSONField(null=True, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    # Or the admission of a pending applicant, where the statutes reserve it to the assembly.
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    adopted = models.BooleanField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    resolution_reference = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["assembly", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "number"], name="agenda_item_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def reference(self) -> str:
        return f"assembly:{self.assembly_id}/item:{self.number}"


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    REMOTE = "remote", _("remote")


class AssemblyAttendance(models.Model):
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=AttendanceMode.choices)
    checked_in_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["assembly", "member__register_number"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "member"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.assembly_id} ({self.mode})"


class Proxy(models.Model):
    """A member (giver) lets another member (holder) vote for them at one assembly."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="proxies")
    giver = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, blank=True)  # "giver" | "attended"

    class Meta:
        ordering = ["assembly", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "giver"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_proxy_per_giver",
            ),
            models.CheckConstraint(
                condition=~models.Q(giver=models.F("holder")), name="proxy_not_to_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.giver_id} -> {self.holder_id} @ {self.assembly_id}"


class VoteChannel(models.TextChoices):
    POSTAL = "postal", _("postal vote")
    IN_PERSON = "in_person", _("in person")
    REMOTE = "remote", _("remote")
    PROXY = "proxy", _("by proxy")


class VoteChoice(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")
    ABSTAIN = "abstain", _("abstain")
    BLANK = "blank", _("blank")


class AssemblyVote(models.Model):
    """One member's vote on one agenda item (whoever cast it). One per member per item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    cast_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=VoteChannel.choices)
    choice = models.CharField(max_length=8, choices=VoteChoice.choices)
    college = models.CharField(max_length=30)  # the member's college when voting
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["item", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="assembly_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} on {self.item_id}: {self.choice}"
