"""The fairness trade-off curve: the pure replay, and the selector over a co-op's real month."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.core.cache import cache
from django.utils import timezone

from coopwork import testing
from coopwork.core.errors import PermissionDenied
from coopwork.dispatch.matching import ALL_VEHICLES
from coopwork.dispatch.replay import Demand, Supply, curve
from coopwork.dispatch.selectors import fairness_curve
from coopwork.marketplace.booking import Place

from .world import RIVOLI, make_city, near


def _city_month(n_jobs: int = 300, n_workers: int = 30, slots: int = 96, seed: int = 1):
    """Centre-heavy demand; workers live all over, so pure efficiency favours the central ones."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = 48.8566, 2.3522
    d = rng.normal(0, 1200, size=(n_jobs, 2))
    demand = Demand(
        slot=rng.integers(0, slots, n_jobs),
        lon=lon0 + d[:, 0] / 73_000,
        lat=lat0 + d[:, 1] / 111_195,
        skills=np.zeros(n_jobs, dtype=np.uint64),
        vehicles=np.full(n_jobs, ALL_VEHICLES, dtype=np.uint64),
        load=np.zeros(n_jobs),
        busy_slots=np.ones(n_jobs, dtype=np.int64),
        earning=rng.integers(800, 2500, n_jobs).astype(float),
    )
    h = rng.uniform(-4000, 4000, size=(n_workers, 2))
    supply = Supply(
        lon=lon0 + h[:, 0] / 73_000,
        lat=lat0 + h[:, 1] / 111_195,
        speed_mps=np.full(n_workers, 7.0),
        skills=np.zeros(n_workers, dtype=np.uint64),
        vehicle=np.zeros(n_workers, dtype=np.int64),
        capacity=np.full(n_workers, 100.0),
        on=rng.random((slots, n_workers)) < 0.6,
    )
    return demand, supply


def test_the_replay_trades_distance_for_a_lower_gini_of_earnings():
    demand, supply = _city_month()
    points = curve(demand, supply, weights=(0, 540, 2160), radius_m=6000)
    assert [p.weight for p in points] == [0, 540, 2160]
    base, mid, high = points
    assert base.extra_distance_pct == 0 and base.gini_change_pct == 0
    assert high.gini_earnings < base.gini_earnings
    assert high.extra_distance_pct > 0
    assert mid.gini_earnings <= base.gini_earnings + 0.01
    assert all(p.served + p.missed == len(demand) for p in points)
    # the same demand and availability for every weight: reproducible
    again = curve(demand, supply, weights=(0, 540, 2160), radius_m=6000)
    assert [p.pickup_m for p in again] == [p.pickup_m for p in points]


@pytest.mark.django_db
def test_the_curve_replays_this_coops_last_month():
    cache.clear()
    now = timezone.now()
    city = make_city()
    rng = np.random.default_rng(3)
    for i in range(6):
        city.worker(f"w{i}", at=near(RIVOLI, *rng.uniform(-3000, 3000, 2)), now=now)
    for day in range(1, 25):
        booked = now - dt.timedelta(days=day, hours=int(rng.integers(0, 8)))
        for _ in range(2):
            lat, lon = near(RIVOLI, *rng.uniform(-2500, 2500, 2))
            city.ride(booked, pickup=Place("pick-up", lat, lon))
    outsider = testing.make_user("outsider")

    result = fairness_curve(cooperative=city.coop, user=city.coordinator, now=now)
    assert result.enough and result.jobs == 48 and result.workers == 6
    assert [p.weight for p in result.points] == [0, 135, 270, 540, 1080, 2160]
    assert result.current_weight == 540 and result.point(540) is not None
    assert result.points[0].extra_distance_pct == 0
    assert all(p.served + p.missed == 48 for p in result.points)
    # cached: the same object comes back without replaying
    assert fairness_curve(cooperative=city.coop, user=city.workers["w0"], now=now) == result
    with pytest.raises(PermissionDenied):
        fairness_curve(cooperative=city.coop, user=outsider, now=now)
