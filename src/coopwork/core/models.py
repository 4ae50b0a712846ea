"""Core models: the co-op (tenant), roles, users' preferences (language), governed parameter
versions, the audit chain, idempotency records and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LegalForm(models.TextChoices):
    SCOP = "scop", _("SCOP (worker co-op, France)")
    SCIC = "scic", _("SCIC (multi-stakeholder co-op, France)")
    COOP_FR = "coop_fr", _("Co-op under the 1947 law (France)")
    US_WORKER = "us_worker", _("Worker cooperative (United States)")
    LLC_COOP = "llc_coop", _("LLC operating as a co-op")
    OTHER = "other", _("Other cooperative form")


class Cooperative(models.Model):
    """The tenant. Every tenant table carries ``cooperative_id``."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    sponsor = models.ForeignKey(
        "self",
        verbose_name=_("sponsor co-op"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incubated",
    )
    tagline_en = models.CharField(max_length=300, blank=True)
    tagline_fr = models.CharField(max_length=300, blank=True)
    about_en = models.TextField(blank=True)
    about_fr = models.TextField(blank=True)
    offer_en = models.TextField(blank=True)
    offer_fr = models.TextField(blank=True)
    next_register_number = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def localized(self, field: str) -> str:
        lang = (get_language() or "en")[:2]
        value = getattr(self, f"{field}_{lang}", "") or getattr(self, f"{field}_en", "")
        return str(value)


class RoleName(models.TextChoices):
    MEMBER = "member", _("member")
    WORKER = "worker", _("worker")
    CLIENT = "client", _("client")
    COORDINATOR = "coordinator", _("coordinator")
    BOARD = "board", _("board member")
    ADMIN = "admin", _("administrator")


class Role(models.Model):
    """A user's role in one co-op. A user may hold several roles in several co-ops."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coop_roles"
    )
    role = models.CharField(max_length=20, choices=RoleName.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "user", "role"], name="role_unique_per_coop"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.cooperative.slug}"


class UserPreference(models.Model):
    """What a user chose for themselves across co-ops: the language they last picked with the
    EN/FR switch, so what is sent to them later (e-mails) is in that language, and whether the
    marketplace e-mails them their job notifications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coopwork_preference"
    )
    # Empty: never chose (e-mails then go out in the language active when they are sent).
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, blank=True)
    # The marketplace's e-mails (claims, messages, cases, settlements). Governance notices (a
    # general assembly's convocation, ballots) are sent whatever this says.
    job_emails = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} {self.language}"


class ParameterSource(models.TextChoices):
    STATUTES = "statutes", _("statutes")
    BOARD = "board", _("board decision")
    RESOLUTION = "resolution", _("members' resolution")  # online vote or general assembly


class ParameterVersion(models.Model):
    """One version of a governed parameter, in force from ``effective_from`` until the next one."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="parameter_versions"
    )
    key = models.CharField(max_length=80)
    value = models.JSONField()
    effective_from = models.DateField()
    source = models.CharField(max_length=20, choices=ParameterSource.choices)
    source_ref = models.CharField(
        max_length=300, help_text=_("Minutes, resolution or decision reference")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-effective_from", "-id"]
        indexes = [models.Index(fields=["cooperative", "key", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.key}={self.value} from {self.effective_from}"


class AuditChain(models.Model):
    """The head of one hash chain (one per co-op, one for the installation)."""

    key = models.CharField(max_length=40, unique=True)
    length = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.key} ({self.length})"


class AuditEntry(models.Model):
    """Append-only. Each entry carries the hash of the previous one in its chain.

    Entries are inserted pending (``seq`` NULL) and sealed into the chain right after commit. On
    PostgreSQL a trigger refuses DELETE and every UPDATE except the one sealing a pending entry;
    ``coopwork audit verify`` recomputes every hash and reports the first entry that was altered
    or removed.
    """

    chain = models.CharField(max_length=40)
    # Set when the entry is sealed into the chain (right after commit); NULL while pending.
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    # Neither foreign key has an index of its own (each was written at every insert and again at
    # sealing): nothing reads entries by co-op or by actor but the check that refuses deleting
    # a co-op or a user who acted, a sequential scan on a rare administrative act. The chain
    # holds the co-op for every read, and a job's timeline has its own index below.
    cooperative = models.ForeignKey(
        Cooperative,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # PROTECT, not SET_NULL: nulling actor_id would rewrite a hashed entry (refused by the
    # PostgreSQL trigger, and a broken chain on SQLite). Deactivate users who acted instead.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [
            # Over every row, pending ones too (as (chain, NULL), which never conflict): the
            # audit log is listed and counted per chain through it, newest first.
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_seq_unique_per_chain")
        ]
        indexes = [
            models.Index(
                fields=["chain", "id"], condition=models.Q(seq__isnull=True), name="audit_pending"
            ),
            # A job's entries, which its timeline reads (``marketplace.selectors.job_timeline``);
            # entries about other objects are not indexed by object.
            models.Index(
                fields=["object_id"],
                condition=models.Q(object_type="marketplace.job"),
                name="audit_job_entries",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"


class IdempotencyRecord(models.Model):
    """The stored answer to a money-moving request, replayed when its key is sent again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    scope = models.CharField(max_length=200)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
