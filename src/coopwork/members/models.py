"""Members, colleges, share classes, applications and the capital register."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coopwork.core.models import Cooperative


class Localized:
    def localized(self, field: str) -> str:
        lang = (get_language() or "en")[:2]
        return str(getattr(self, f"{field}_{lang}", "") or getattr(self, f"{field}_en", ""))


class ShareClass(Localized, models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="share_classes"
    )
    code = models.SlugField(max_length=30)
    name_en = models.CharField(max_length=120)
    name_fr = models.CharField(max_length=120, blank=True)
    nominal_minor = models.PositiveBigIntegerField(_("nominal value (minor units)"))
    max_per_member = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="share_class_unique")
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en


class College(Localized, models.Model):
    """A member class. Each member belongs to exactly one college."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="colleges")
    code = models.SlugField(max_length=30)
    name_en = models.CharField(max_length=120)
    name_fr = models.CharField(max_length=120, blank=True)
    description_en = models.TextField(blank=True)
    description_fr = models.TextField(blank=True)
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="colleges")
    min_shares = models.PositiveIntegerField(default=1)
    # Percentage of the votes when the co-op weights its colleges (10-50 each, summing to 100).
    weight = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    open_to_applications = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="college_unique")
        ]
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name_en


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    LEFT = "left", _("left")


class Member(models.Model):
    """An entry of the member register. Register numbers are unique and gapless per co-op."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    register_number = models.PositiveIntegerField()
    display_name = models.CharField(max_length=200)
    is_organisation = models.BooleanField(default=False)
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="members")
    admitted_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "register_number"], name="register_number_unique"
            ),
            models.UniqueConstraint(fields=["cooperative", "user"], name="one_membership_per_coop"),
        ]
        ordering = ["register_number"]

    def __str__(self) -> str:
        return f"{self.register_number} {self.display_name}"

    @property
    def holder(self) -> str:
        """The opaque holder reference of this member's ledger accounts."""
        return f"member:{self.pk}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ADMITTED = "admitted", _("admitted")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Application(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="applications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    college = models.ForeignKey(College, on_delete=models.PROTECT)
    shares = models.PositiveIntegerField()
    display_name = models.CharField(max_length=200)
    is_organisation = models.BooleanField(default=False)
    motivation = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reason = models.TextField(blank=True)
    member = models.OneToOneField(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} → {self.college.code} ({self.status})"


class MovementKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("subscription")
    TRANSFER_IN = "transfer_in", _("transfer in")
    TRANSFER_OUT = "transfer_out", _("transfer out")
    REDEMPTION = "redemption", _("redemption")


class ShareMovement(models.Model):
    """One line of the capital register. A member's holding is the sum of its quantities."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="share_movements"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="movements")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(help_text="positive in, negative out")
    nominal_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    effective_on = models.DateField()
    counterparty = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=120, blank=True)
    ledger_transaction = models.ForeignKey(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="movement_nonzero")
        ]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.kind} {self.quantity:+d} ({self.member_id})"

    @property
    def amount_minor(self) -> int:
        return self.quantity * self.nominal_minor


class RequestKind(models.TextChoices):
    PURCHASE = "purchase", _("purchase of shares")
    REDEMPTION = "redemption", _("redemption of shares")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    COMPLETED = "completed", _("completed")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")


class ShareRequest(models.Model):
    """A member's request to buy more shares or to redeem some (or all: leaving)."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="share_requests"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="share_requests")
    kind = models.CharField(max_length=12, choices=RequestKind.choices)
    quantity = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_on = models.DateField()
    eligible_on = models.DateField(help_text="redemptions: first day they may be paid")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    movement = models.OneToOneField(
        ShareMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="request"
    )

    class Meta:
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} ({self.status})"
