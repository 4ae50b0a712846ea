"""Marketplace models: one Job model for every service kind, with a detail row per kind.

Workers hold positions on a job through ``Assignment`` rows (a ride has one position, a shift may
have many). The job's price, its breakdown and the parameters it was priced under are frozen on the
job when it is booked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coopwork.core.models import Cooperative

from . import lifecycle


class Kind(models.TextChoices):
    SHIFT = "shift", _("temp shift")
    RIDE = "ride", _("ride")
    DELIVERY = "delivery", _("delivery")
    TASK = "task", _("home service")


class Vehicle(models.TextChoices):
    FOOT = "foot", _("on foot")
    BIKE = "bike", _("bicycle")
    CARGO_BIKE = "cargo_bike", _("cargo bike")
    SCOOTER = "scooter", _("scooter")
    CAR = "car", _("car")
    VAN = "van", _("van")


class Zone(models.Model):
    """A service area: bookings must start inside one of the co-op's zones."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="zones")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    polygon = models.JSONField(help_text="[[lat, lon], ...]")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cooperative", "code"], name="zone_unique")]
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class WorkerProfile(models.Model):
    """What a worker offers: skills, vehicle, capacity, zones, and where they are now."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="worker_profiles"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worker_profiles"
    )
    skills = models.JSONField(default=list)
    vehicle = models.CharField(max_length=12, choices=Vehicle.choices, default=Vehicle.BIKE)
    capacity_kg = models.PositiveIntegerField(default=10)
    seats = models.PositiveSmallIntegerField(default=0)
    zones = models.ManyToManyField(Zone, blank=True, related_name="workers")
    active = models.BooleanField(default=True)
    last_lat = models.FloatField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    calendar_token = models.CharField(max_length=64, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "user"], name="one_profile_per_coop")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.cooperative_id}"


class WeeklySlot(models.Model):
    profile = models.ForeignKey(WorkerProfile, on_delete=models.CASCADE, related_name="weekly")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday")
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekday_range"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="slot_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start}-{self.end}"


class AvailabilityException(models.Model):
    """A date when the weekly plan does not hold: unavailable, or available at other hours."""

    profile = models.ForeignKey(WorkerProfile, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField()
    available = models.BooleanField(default=False)
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'on' if self.available else 'off'}"


class Job(models.Model):
    # No index of its own: both composite indexes below start with it.
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="jobs", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(
        max_length=12,
        choices=[(s, lifecycle.STATE_LABELS[s]) for s in lifecycle.STATES],
        default=lifecycle.REQUESTED,
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="booked_jobs"
    )
    client_is_business = models.BooleanField(default=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    skills = models.JSONField(default=list)
    positions = models.PositiveSmallIntegerField(default=1)
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.PROTECT, db_index=False)
    address = models.CharField(max_length=300)
    lat = models.FloatField()
    lon = models.FloatField()
    dropoff_address = models.CharField(max_length=300, blank=True)
    dropoff_lat = models.FloatField(null=True, blank=True)
    dropoff_lon = models.FloatField(null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    vehicle_required = models.CharField(max_length=12, choices=Vehicle.choices, blank=True)
    distance_m = models.PositiveIntegerField(default=0)
    duration_s = models.PositiveIntegerField(default=0)
    # Frozen at booking: the quote (lines and split) and the parameters it used, with versions.
    currency = models.CharField(max_length=3)
    quote = models.JSONField()
    terms = models.JSONField(help_text="parameters in force at booking, with their versions")
    clock_code = models.CharField(max_length=8, blank=True)
    auto_dispatch = models.BooleanField(default=False)
    cancelled_by = models.CharField(max_length=12, blank=True)
    cancellation_fee_minor = models.PositiveIntegerField(default=0)
    settlement = models.ForeignKey(
        "ledger.Transaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Frozen at settlement (or late cancellation): what was finally charged and paid, the one
    # receipt that client and workers both see.
    receipt = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        # A change of status is not a HOT update (status is indexed), so it writes an entry in
        # every index of the table: the zone and settlement indexes leave out the rows where they
        # are empty (every open job has no settlement), which lookups by value never need.
        indexes = [
            models.Index(fields=["cooperative", "status", "starts_at"]),
            models.Index(fields=["cooperative", "client", "starts_at"]),
            models.Index(
                fields=["zone"], condition=models.Q(zone__isnull=False), name="job_zone_set"
            ),
            models.Index(
                fields=["settlement"],
                condition=models.Q(settlement__isnull=False),
                name="job_settlement_set",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.title}"

    @property
    def reference(self) -> str:
        return f"{self.kind[:1].upper()}-{self.pk:06d}"


class ShiftDetail(models.Model):
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="shift")
    site_name = models.CharField(max_length=200)
    break_minutes = models.PositiveSmallIntegerField(default=0)
    hourly_rate_minor = models.PositiveIntegerField(help_text="billed per hour per position")

    def __str__(self) -> str:
        return f"{self.job_id} {self.site_name}"


class RideDetail(models.Model):
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="ride")
    passengers = models.PositiveSmallIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.job_id} {self.passengers}"


class DeliveryDetail(models.Model):
    class Size(models.TextChoices):
        SMALL = "S", _("small (fits a backpack)")
        MEDIUM = "M", _("medium (fits a bike box)")
        LARGE = "L", _("large (cargo bike or van)")

    class Proof(models.TextChoices):
        PHOTO = "photo", _("photo")
        SIGNATURE = "signature", _("signature")
        CODE = "code", _("code")

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="delivery")
    parcel_size = models.CharField(max_length=1, choices=Size.choices)
    weight_g = models.PositiveIntegerField()
    pickup_from = models.DateTimeField()
    pickup_until = models.DateTimeField()
    dropoff_from = models.DateTimeField()
    dropoff_until = models.DateTimeField()
    proof_kind = models.CharField(max_length=10, choices=Proof.choices)
    proof_code = models.CharField(max_length=8, blank=True)
    proof_text = models.TextField(blank=True, help_text="signature data URL or note")
    proof_file = models.FileField(upload_to="proofs/%Y/%m/", blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.job_id} {self.parcel_size}"


class TaskDetail(models.Model):
    class Mode(models.TextChoices):
        FIXED = "fixed", _("fixed price")
        HOURLY = "hourly", _("hourly")

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="task")
    category = models.CharField(max_length=60)
    mode = models.CharField(max_length=6, choices=Mode.choices)
    fixed_price_minor = models.PositiveIntegerField(null=True, blank=True)
    estimated_hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.job_id} {self.category}"


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("holding a position")
    WAITLISTED = "waitlisted", _("on the waiting list")
    RELEASED = "released", _("gave the position back")
    REMOVED = "removed", _("reassigned by a coordinator")
    NO_SHOW = "no_show", _("did not come")
    CANCELLED = "cancelled", _("job cancelled")


class Assignment(models.Model):
    """A worker on a job: a position (slot) held, or a place on the waiting list.

    ``slot`` is 1..positions while active and NULL otherwise; the unique constraint on
    (job, slot) makes a double assignment impossible even if a service forgot to lock the job.
    """

    # No index of its own: the unique index on (job, slot) starts with it.
    job = models.ForeignKey(
        Job, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(max_length=12, choices=AssignmentStatus.choices)
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    manual = models.BooleanField(default=False, help_text="assigned by a coordinator")
    created_at = models.DateTimeField(auto_now_add=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    clock_in_at = models.DateTimeField(null=True, blank=True)
    clock_out_at = models.DateTimeField(null=True, blank=True)
    sent_home_early = models.BooleanField(default=False)
    engaged_seconds = models.PositiveIntegerField(default=0)
    waiting_seconds = models.PositiveIntegerField(default=0)
    # Pay, computed at settlement (minor units): share of the worker part, minimum-hours
    # guarantee and pay-floor top-up from the solidarity fund.
    pay_minor = models.PositiveIntegerField(default=0)
    topup_minor = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["job", "created_at", "id"]
        constraints = [
            # Over every row, not only those with a slot: NULL slots never conflict (NULLs are
            # distinct), and the index then also serves every lookup by job.
            models.UniqueConstraint(fields=["job", "slot"], name="one_worker_per_slot"),
            models.UniqueConstraint(
                fields=["job", "worker"],
                condition=models.Q(status__in=["active", "waitlisted"]),
                name="one_live_assignment_per_worker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} on {self.job_id} ({self.status})"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", _("offered")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")
    EXPIRED = "expired", _("expired")
    WITHDRAWN = "withdrawn", pgettext_lazy("offer status", "withdrawn")


class Offer(models.Model):
    """An offer of a job to one worker (dispatch's seam). Refusing it has no consequence."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="offers")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offers"
    )
    status = models.CharField(
        max_length=10, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    expires_at = models.DateTimeField()
    explanation = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"offer {self.job_id} → {self.worker_id} ({self.status})"


class Rating(models.Model):
    """Double-blind: hidden until both sides have rated, or the publication delay has run."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings_given"
    )
    ratee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings_received"
    )
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "rater", "ratee"], name="rate_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rater_id}→{self.ratee_id} on {self.job_id}: {self.score}"


class Message(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.sender_id} on {self.job_id}"


class Notification(models.Model):
    # Written with every claim that fills a job: no index of its own (every read is by user, see
    # the composite index below) and no database constraint, whose check would lock the co-op's
    # row (FOR KEY SHARE) at every claim's commit, one row all of a co-op's claims share. Co-ops
    # are never deleted (their other rows PROTECT them); Django still cascades in Python.
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=60)
    # What the sentence is built from when it is read (``notifications.render``), in the reader's
    # language; ``text`` is kept for kinds without a template.
    params = models.JSONField(default=dict, blank=True)
    text = models.CharField(max_length=300)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When its e-mail copy was dealt with (sent, or none due: no address, e-mails turned off).
    # NULL: still to do. The table is the e-mails' outbox (``emails.send_pending``).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A user's notifications in a co-op, newest first (the only way they are read).
            models.Index(
                fields=["user", "cooperative", "-created_at"], name="notification_user_coop"
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"

    @property
    def message(self) -> str:
        """The sentence in the active language."""
        from .notifications import render

        return render(self.kind, self.params, self.text)


class Case(models.Model):
    """An incident (something happened) or a dispute (a disagreement about a job)."""

    class CaseKind(models.TextChoices):
        INCIDENT = "incident", _("incident")
        DISPUTE = "dispute", _("dispute")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("case status", "open")
        DECIDED = "decided", _("decided")

    class Outcome(models.TextChoices):
        NONE = "", _("no change")
        UPHOLD = "uphold", _("job stands as completed")
        ADJUST = "adjust", _("price adjusted")
        NOTED = "noted", _("incident noted")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="cases")
    kind = models.CharField(max_length=10, choices=CaseKind.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField(max_length=300)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    decision = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Until when the parties who have not made a statement may still be waited for (the governed
    # ``case_response_hours`` in force at opening); empty on cases opened before the rule.
    respond_by = models.DateTimeField(null=True, blank=True)
    # The job's price before VAT set by an "adjust" decision (minor units of the job's currency);
    # the settlement charges and pays it.
    adjusted_net_minor = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} on {self.job_id} ({self.status})"


class Statement(models.Model):
    """One side's account of a case, with optional evidence."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    side = models.CharField(max_length=12)  # client, worker, coordinator
    text = models.TextField()
    evidence = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.side} on case {self.case_id}"


class Invoice(models.Model):
    """A business client's invoice for a period; numbers are gapless per co-op."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="invoices")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.PositiveIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    issued_at = models.DateTimeField(auto_now_add=True)
    currency = models.CharField(max_length=3)
    net_minor = models.BigIntegerField()
    vat_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField()
    lines = models.JSONField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "number"], name="invoice_number_unique"),
            models.UniqueConstraint(
                fields=["cooperative", "client", "period_start", "period_end"],
                name="one_invoice_per_client_period",
            ),
        ]

    def __str__(self) -> str:
        return f"invoice {self.number}"
