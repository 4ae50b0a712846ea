"""Dispatch's own state: one row per round of a zone, with what it saw, what it decided and why.

Offers themselves are the marketplace's ``Offer`` rows (made through ``marketplace.services.
offer_create``); a round only records them, so the marketplace never needs to know dispatch exists.
"""

from __future__ import annotations

from django.db import models

from coopwork.core.models import Cooperative
from coopwork.marketplace.models import Zone


class DispatchRound(models.Model):
    """A batch round over one zone's open jobs and available workers."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="dispatch_rounds"
    )
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="dispatch_rounds")
    dispatcher = models.CharField(max_length=80, blank=True, help_text="process that ran it")
    clock_at = models.DateTimeField(help_text="the time the round dispatched for")
    started_at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.PositiveIntegerField(default=0)
    match_ms = models.PositiveIntegerField(default=0)
    open_jobs = models.PositiveIntegerField(default=0)
    available_workers = models.PositiveIntegerField(default=0)
    offers_made = models.PositiveIntegerField(default=0)
    left_unassigned = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(
        default=0, help_text="pairs dropped because the job or worker was taken meanwhile"
    )
    offers_expired = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    total_cost = models.FloatField(default=0.0)
    greedy_cost = models.FloatField(default=0.0)
    settings = models.JSONField(default=dict, help_text="weights and parameters used")
    decisions = models.JSONField(default=list, help_text="one explanation per open job")

    class Meta:
        ordering = ["-clock_at", "-id"]
        indexes = [models.Index(fields=["zone", "-clock_at"], name="dispatch_round_zone_clock")]

    def __str__(self) -> str:
        return f"round {self.pk} zone {self.zone_id} at {self.clock_at:%H:%M:%S}"
