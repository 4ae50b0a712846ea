"""Property test of rounds on the database: whatever workers and coordinators do between rounds
(accept, refuse, ignore, claim, assign by hand, time passing), after every round

- no job has two live offers, and no worker has two;
- every live offer is for an open, flagged job nobody holds, to a worker who fits it (skills,
  vehicle, capacity, as the marketplace's claim checks), within the governed radius;
- no worker is offered again a job they refused or let expire within the pause;
- a hand assignment is never followed by an offer of that job.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopwork.core.errors import CoopError
from coopwork.dispatch.services import dispatch_round_run
from coopwork.marketplace.booking import Place
from coopwork.marketplace.geo import Point, haversine_m
from coopwork.marketplace.models import Assignment, Job, Offer, WorkerProfile
from coopwork.marketplace.services import (
    job_assign,
    job_claim,
    offer_accept,
    offer_refuse,
)

from .world import RIVOLI, make_city, near

pytestmark = pytest.mark.django_db

_seq = itertools.count()

workers_st = st.lists(
    st.tuples(
        st.integers(-3000, 3000),  # metres north of Rivoli
        st.integers(-3000, 3000),  # metres east
        st.sampled_from(["car", "bike", "cargo_bike"]),
        st.sampled_from([(), ("food",)]),
    ),
    min_size=1,
    max_size=6,
)
jobs_st = st.lists(
    st.tuples(
        st.integers(-2500, 2500),
        st.integers(-2500, 2500),
        st.sampled_from(["ride", "delivery"]),
    ),
    min_size=1,
    max_size=6,
)
actions_st = st.lists(
    st.tuples(
        st.sampled_from(["accept", "refuse", "ignore", "claim", "assign", "book"]),
        st.integers(0, 10),
    ),
    max_size=8,
)


def check_invariants(city, rnd, now: dt.datetime, assigned_by_hand: set[int]) -> None:
    live = list(
        Offer.objects.filter(status="offered", expires_at__gt=now, job__cooperative=city.coop)
    )
    jobs = [o.job_id for o in live]
    workers = [o.worker_id for o in live]
    assert len(jobs) == len(set(jobs)), "a job has two live offers"
    assert len(workers) == len(set(workers)), "a worker has two live offers"
    made = [d["offer"] for d in rnd.decisions if d.get("offer")]
    assert len(made) == rnd.offers_made
    for offer in Offer.objects.filter(pk__in=made).select_related("job", "job__delivery"):
        job = offer.job
        assert job.status == "open" and job.auto_dispatch
        assert not Assignment.objects.filter(job=job, status="active").exists()
        assert job.pk not in assigned_by_hand
        profile = WorkerProfile.objects.get(cooperative=city.coop, user_id=offer.worker_id)
        assert set(job.skills) <= set(profile.skills)
        assert not job.vehicle_required or job.vehicle_required == profile.vehicle
        if job.kind == "delivery":
            assert job.delivery.weight_g / 1000 <= profile.capacity_kg
        where = Point(float(profile.last_lat or 0), float(profile.last_lon or 0))
        assert haversine_m(where, Point(job.lat, job.lon)) <= 5000 + 1
        paused = Offer.objects.filter(
            job=job,
            worker_id=offer.worker_id,
            status__in=["refused", "expired"],
            expires_at__gt=now - dt.timedelta(seconds=600),
        )
        assert not paused.exists(), "offered again within the pause"


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(workers=workers_st, jobs=jobs_st, actions=actions_st, steps=st.integers(2, 4))
def test_rounds_keep_their_promises_whatever_people_do(db, workers, jobs, actions, steps):
    n = next(_seq)
    city = make_city(f"prop{n}")
    now = timezone.now()
    users = [
        city.worker(f"p{n}w{i}", at=near(RIVOLI, north, east), now=now, vehicle=v, skills=s)
        for i, (north, east, v, s) in enumerate(workers)
    ]

    def book(north: int, east: int, kind: str, at: dt.datetime) -> None:
        lat, lon = near(RIVOLI, north, east)
        if kind == "ride":
            city.ride(at, pickup=Place("p", lat, lon))
        else:
            city.delivery(at, weight_g=12_000 if north > 0 else 2_000)

    for north, east, kind in jobs:
        book(north, east, kind, now)
    assigned_by_hand: set[int] = set()
    for step in range(steps):
        rnd = dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=now, force=True)
        check_invariants(city, rnd, now, assigned_by_hand)
        offers = list(Offer.objects.filter(job__cooperative=city.coop, status="offered"))
        open_jobs = list(Job.objects.filter(cooperative=city.coop, status="open"))
        for action, index in actions[step::steps]:
            try:
                if action in ("accept", "refuse", "ignore") and offers:
                    offer = offers[index % len(offers)]
                    worker = next(u for u in users if u.pk == offer.worker_id)
                    if action == "accept":
                        offer_accept(cooperative=city.coop, offer_id=offer.pk, worker=worker)
                    elif action == "refuse":
                        offer_refuse(cooperative=city.coop, offer_id=offer.pk, worker=worker)
                elif action == "claim" and open_jobs:
                    job = open_jobs[index % len(open_jobs)]
                    job_claim(
                        cooperative=city.coop, job_id=job.pk, worker=users[index % len(users)]
                    )
                elif action == "assign" and open_jobs:
                    job = open_jobs[index % len(open_jobs)]
                    job_assign(
                        cooperative=city.coop,
                        job_id=job.pk,
                        worker_id=users[index % len(users)].pk,
                        actor=city.coordinator,
                    )
                    assigned_by_hand.add(job.pk)
                elif action == "book":
                    book(index * 300 - 1500, 0, "ride", now)
            except CoopError:
                pass  # refused with a code (taken, not fit, expired): nothing written
        now += dt.timedelta(seconds=35)  # offers (60 s) expire every other round
        for user, (north, east, _v, _s) in zip(users, workers, strict=True):
            city.move(user, near(RIVOLI, north, east), now=now)
    rnd = dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=now, force=True)
    check_invariants(city, rnd, now, assigned_by_hand)
