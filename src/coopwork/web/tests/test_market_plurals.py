"""Counts read naturally in both languages: one job, two jobs; 1 hour, 4 hours."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from coopwork.core.parameters import REGISTRY
from coopwork.core.selectors import ParameterInForce
from coopwork.marketplace.selectors import EarningsPeriod
from coopwork.web.market import _bars
from coopwork.web.pages import format_parameter


def _titles(lang: str) -> list[str]:
    periods = [
        EarningsPeriod(dt.date(2026, 3, 2), pay=1500, topup=0, seconds=3600, jobs=1),
        EarningsPeriod(dt.date(2026, 3, 9), pay=3000, topup=0, seconds=7200, jobs=2),
    ]
    with translation.override(lang):
        return [b.title for b in _bars(periods, "week", "EUR")]


def test_earnings_bars_count_jobs_in_singular_and_plural():
    one, two = _titles("en")
    assert one.endswith("for 1 job") and two.endswith("for 2 jobs")
    one, two = _titles("fr")
    assert one.endswith("pour 1 mission") and two.endswith("pour 2 missions")


def test_parameters_in_hours_read_in_singular_and_plural():
    spec = REGISTRY["minimum_paid_hours"]
    assert spec.unit == "hours"

    def shown(value: int, lang: str) -> str:
        item = ParameterInForce(spec, value, None, "default", "", None)
        with translation.override(lang):
            return format_parameter(item, "EUR")

    assert (shown(1, "en"), shown(4, "en")) == ("1 hour", "4 hours")
    assert (shown(1, "fr"), shown(4, "fr")) == ("1\xa0heure", "4\xa0heures")
