"""Integration on PostgreSQL: two dispatcher processes over one zone, a minute of simulated demand.

Two real subprocesses (``dispatcher_proc``) run the zone's round back to back, forced (no pacing),
on a simulated clock running ``SPEED`` times faster than the wall. Meanwhile this process books
rides at random places and plays the workers: each live offer is accepted, refused or left to
expire. After the minute of demand and a drain, open jobs nobody took are expired by the
marketplace's timed transitions. Checked:

- zero double offers: for every job (and every worker), each offer was closed before the next one
  was made (``answered_at`` ≤ the next ``created_at``, both written by the database's clock);
- every job ends assigned (one active assignment, at most one accepted offer) or expired;
- the control run, with the advisory lock and every "has a live offer" check removed from both
  dispatchers (a plain read-then-write dispatcher), does make double offers, so the check above
  can fail. (The lock is not the only guard: two rounds that read the same state choose the same
  workers, and the second one finds them offered once it gets their row locks.)
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from coopwork.core.errors import CoopError
from coopwork.core.services import parameter_set
from coopwork.marketplace.booking import Place
from coopwork.marketplace.models import Assignment, Job, Offer
from coopwork.marketplace.services import offer_accept, offer_refuse, run_due_transitions

from .world import RIVOLI, City, make_city, near

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SPEED = 4.0  # simulated seconds per wall second
DEMAND_S = 60.0
DRAIN_S = 30.0
TICK_S = 0.05
SRC = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _setup(n_workers: int, t0: dt.datetime) -> City:
    city = make_city()
    for key, value in (("offer_timeout_seconds", 10), ("dispatch_reoffer_pause_seconds", 30)):
        parameter_set(
            cooperative=city.coop,
            key=key,
            value=value,
            effective_from=timezone.localdate(t0),
            source="resolution",
            source_ref="test",
            actor=None,
        )
    rng = random.Random(7)
    for i in range(n_workers):
        city.worker(
            f"w{i}", at=near(RIVOLI, rng.uniform(-3000, 3000), rng.uniform(-3000, 3000)), now=t0
        )
    return city


def _start(city: City, t0: dt.datetime, wall0: float, end_s: float, *flags: str) -> list[Any]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "PYTHONPATH": str(SRC)}
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "coopwork.dispatch.tests.dispatcher_proc",
                name,
                str(city.coop.pk),
                str(city.zone.pk),
                t0.isoformat(),
                repr(wall0),
                str(SPEED),
                str(end_s),
                str(TICK_S),
                *flags,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("dispatcher-a", "dispatcher-b")
    ]


def _finish(procs: list[Any]) -> list[dict[str, Any]]:
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def double_offers() -> list[tuple[str, int, int, int]]:
    """Offers made while an earlier offer of the same job, or to the same worker, was open."""
    found = []
    for field in ("job_id", "worker_id"):
        by: dict[int, list[Offer]] = defaultdict(list)
        for offer in Offer.objects.order_by("created_at", "id"):
            by[getattr(offer, field)].append(offer)
        for key, offers in by.items():
            for a, b in itertools.pairwise(offers):
                if a.answered_at is None or a.answered_at > b.created_at:
                    found.append((field, key, a.pk, b.pk))
    return found


def _play(city: City, t0: dt.datetime, wall0: float, end_s: float, demand_s: float) -> int:
    """Book rides (Poisson, ~0.6 a simulated second) and answer offers until ``end_s``."""
    rng = random.Random(11)
    decided: set[int] = set()
    booked = 0
    next_job = 0.0
    while (sim_s := SPEED * (time.time() - wall0)) < end_s:
        now = t0 + dt.timedelta(seconds=sim_s)
        while next_job <= min(sim_s, demand_s):
            lat, lon = near(RIVOLI, rng.uniform(-2500, 2500), rng.uniform(-2500, 2500))
            city.ride(now, pickup=Place("pick-up", lat, lon))
            booked += 1
            next_job += rng.expovariate(0.6)
        live = Offer.objects.filter(status="offered", expires_at__gt=now).exclude(pk__in=decided)
        for offer in live.select_related("worker"):
            decided.add(offer.pk)
            roll = rng.random()
            try:
                if roll < 0.5:
                    offer_accept(cooperative=city.coop, offer_id=offer.pk, worker=offer.worker)
                elif roll < 0.75:
                    offer_refuse(cooperative=city.coop, offer_id=offer.pk, worker=offer.worker)
                # else: left to expire
            except CoopError:
                pass  # expired by a round meanwhile
        time.sleep(TICK_S)
    return booked


def test_two_dispatchers_never_offer_a_job_twice_and_every_job_ends_assigned_or_expired():
    t0 = timezone.now().replace(microsecond=0)
    city = _setup(25, t0)
    wall0 = time.time() + 3.0  # both dispatchers are up by then
    end_s = DEMAND_S + DRAIN_S
    started = time.time()
    procs = _start(city, t0, wall0, end_s)
    booked = _play(city, t0, wall0, end_s, DEMAND_S)
    reports = _finish(procs)
    wall = time.time() - started

    assert booked >= 20
    assert all(r["rounds"] > 20 for r in reports), reports
    assert double_offers() == []

    run_due_transitions(now=t0 + dt.timedelta(hours=3))  # the marketplace expires stale jobs
    jobs = list(Job.objects.all())
    assert len(jobs) == booked
    statuses = {j.status for j in jobs}
    assert statuses <= {"assigned", "cancelled"}, statuses
    assigned = [j for j in jobs if j.status == "assigned"]
    for job in jobs:
        active = Assignment.objects.filter(job=job, status="active").count()
        accepted = Offer.objects.filter(job=job, status="accepted").count()
        assert (active, accepted) == ((1, 1) if job.status == "assigned" else (0, 0))
    assert len(assigned) >= booked * 0.5
    offers = Offer.objects.count()
    print(
        f"\ntwo dispatchers: {booked} rides, {len(assigned)} assigned, "
        f"{booked - len(assigned)} expired, {offers} offers, rounds {reports}, "
        f"0 double offers, wall {wall:.1f} s"
    )


def test_control_an_unsafe_dispatcher_is_caught_by_the_check():
    t0 = timezone.now().replace(microsecond=0)
    city = _setup(40, t0)
    for _ in range(30):
        lat, lon = near(RIVOLI, random.uniform(-2500, 2500), random.uniform(-2500, 2500))
        city.ride(t0, pickup=Place("pick-up", lat, lon))
    wall0 = time.time() + 3.0
    procs = _start(city, t0, wall0, 20.0, "--unsafe")
    reports = _finish(procs)
    assert all(r["rounds"] > 3 for r in reports), reports
    assert double_offers(), "an unsafe dispatcher makes double offers: the check must see them"
