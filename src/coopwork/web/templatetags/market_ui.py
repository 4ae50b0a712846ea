"""Template helpers of the marketplace pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


def _tolerance(job: Any) -> dt.timedelta:
    return dt.timedelta(minutes=int(job.terms["clock_in_tolerance_minutes"]["value"]))


@register.filter
def clock_in_state(job: Any) -> str:
    """``early``, ``open`` or ``late``: where now stands against the clock-in window."""
    now = timezone.now()
    if now < job.starts_at - _tolerance(job):
        return "early"
    if now > job.starts_at + _tolerance(job):
        return "late"
    return "open"


@register.filter
def clock_in_opens(job: Any) -> dt.datetime:
    """When a worker may first clock in: the tolerance frozen on the job, before its start."""
    return job.starts_at - _tolerance(job)
