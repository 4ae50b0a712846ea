"""Double-entry books: accounts, transactions and legs.

Accounts point to no user: they hold an opaque ``holder`` reference (``"member:12"``), as
django-hordak does. Every transaction's legs sum to zero per currency; on PostgreSQL a constraint
trigger checked at commit enforces it (migration 0002), and ``transaction_post`` checks it on every
database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coopwork.core.models import Cooperative

from .chart import CHART


class Account(models.Model):
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="accounts")
    code = models.CharField(max_length=40, choices=[(c, k.label) for c, k in CHART.items()])
    holder = models.CharField(max_length=80, blank=True, default="")
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "code", "holder", "currency"], name="account_unique"
            )
        ]
        ordering = ["code", "holder"]

    def __str__(self) -> str:
        return f"{self.code}{'/' + self.holder if self.holder else ''} ({self.currency})"


class Transaction(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="transactions"
    )
    kind = models.CharField(max_length=40)
    memo = models.CharField(max_length=300, blank=True)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    occurred_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.occurred_on}"


class Leg(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="legs")
    amount = models.BigIntegerField(help_text="minor units; debit positive, credit negative")
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="leg_amount_nonzero")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount}"
