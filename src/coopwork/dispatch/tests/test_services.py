"""Dispatch rounds on the database (SQLite and PostgreSQL): candidates, offers, explanations,
pauses, expiry, races with hand assignment, governed parameters and the fairness inputs."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from coopwork.core.errors import PermissionDenied
from coopwork.core.models import AuditEntry
from coopwork.core.services import parameter_set
from coopwork.dispatch import candidates, services
from coopwork.dispatch.models import DispatchRound
from coopwork.dispatch.services import dispatch_due_rounds, dispatch_round_run
from coopwork.marketplace.booking import ShiftRequest
from coopwork.marketplace.models import Assignment, Job, Offer
from coopwork.marketplace.services import (
    job_assign,
    job_book,
    job_claim,
    offer_accept,
    offer_refuse,
)

from .world import ORSAY, RIVOLI, City, make_city, near

pytestmark = pytest.mark.django_db


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def city(db, now) -> City:
    return make_city()


def run(city: City, now: dt.datetime, **kwargs) -> DispatchRound:
    kwargs.setdefault("force", True)  # stored even with nothing to offer (pacing is tested apart)
    rnd = dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=now, **kwargs)
    assert rnd is not None
    return rnd


def test_a_round_offers_the_job_to_the_nearest_worker_and_explains_why(city, now):
    near_w = city.worker("near", at=near(RIVOLI, 500), now=now)
    city.worker("mid", at=near(RIVOLI, 1500), now=now)
    city.worker("far", at=near(RIVOLI, 2500), now=now)
    job = city.ride(now)

    rnd = run(city, now, dispatcher="test")

    offer = Offer.objects.get()
    assert (offer.job_id, offer.worker_id, offer.status) == (job.pk, near_w.pk, "offered")
    assert offer.expires_at == now + dt.timedelta(seconds=60)  # offer_timeout_seconds default
    e = offer.explanation
    assert e["round"] == rnd.pk and e["status"] == "assigned"
    assert 480 <= e["distance_m"] <= 520
    assert e["eta_s"] == pytest.approx(500 / (28 / 3.6), abs=2)  # car at 28 km/h
    assert [t["name"] for t in e["terms"]] == ["eta", "waiting", "fairness"]
    assert e["term"]["fairness"]["weight"] == 540
    assert e["term"]["waiting"]["weight"] == 0.5
    assert sum(t["contribution"] for t in e["terms"]) == pytest.approx(e["cost"], abs=0.5)
    # the two nearest others, by ETA, without identities
    assert len(e["alternatives_eta_s"]) == 2
    assert e["alternatives_eta_s"][0] == pytest.approx(1500 / (28 / 3.6), abs=3)
    assert e["alternatives_eta_s"][1] == pytest.approx(2500 / (28 / 3.6), abs=3)
    assert "mid" not in str(e) and "far" not in str(e)
    # the round is stored for the coordinator
    assert (rnd.open_jobs, rnd.available_workers, rnd.offers_made, rnd.left_unassigned) == (
        1,
        3,
        1,
        0,
    )
    assert rnd.decisions[0]["offer"] == offer.pk
    assert rnd.decisions[0]["worker"] == near_w.pk
    assert rnd.settings["weights"] == {"eta": 1.0, "waiting": 0.5, "fairness": 540.0}
    assert AuditEntry.objects.filter(action="dispatch.round").count() == 1
    assert AuditEntry.objects.filter(action="offer.created").count() == 1


def test_only_flagged_open_jobs_are_dispatched(city, now):
    city.worker("w1", at=near(RIVOLI, 300), now=now)
    city.worker("w2", at=near(RIVOLI, 600), now=now)
    manual = city.ride(now, auto=False)
    later = city.ride(now, starts_in=dt.timedelta(hours=3))  # beyond the horizon: waits
    claimed = city.ride(now)
    job_claim(cooperative=city.coop, job_id=claimed.pk, worker=city.workers["w2"])
    rnd = run(city, now)
    assert rnd.open_jobs == 0 and not Offer.objects.exists()
    assert {manual.pk, later.pk} & set(Offer.objects.values_list("job_id", flat=True)) == set()


def test_unavailable_workers_are_not_offered_work(city, now):
    local = timezone.localtime(now)
    today = local.date()
    city.worker(
        "day-off", at=near(RIVOLI, 100), now=now, exceptions=[(today, False, None, None, "")]
    )
    other_day = (local.weekday() + 1) % 7
    city.worker(
        "not-today", at=near(RIVOLI, 150), now=now, weekly=[(other_day, dt.time(0), dt.time(23))]
    )
    stale = city.worker("stale", at=near(RIVOLI, 200), now=now - dt.timedelta(hours=1))
    city.worker("bike", at=near(RIVOLI, 250), now=now, vehicle="bike")  # the ride needs a car
    ok = city.worker("ok", at=near(RIVOLI, 3000), now=now)
    city.ride(now)
    rnd = run(city, now)
    assert rnd.available_workers == 2  # "bike" is available, just not fit for a car ride
    assert Offer.objects.get().worker_id == ok.pk
    assert stale.pk not in Offer.objects.values_list("worker_id", flat=True)


def test_a_worker_with_a_live_offer_or_a_job_under_way_is_not_offered_more(city, now):
    w = city.worker("w", at=near(RIVOLI, 100), now=now)
    first, second = city.ride(now), city.ride(now)
    run(city, now)
    assert Offer.objects.filter(worker=w).count() == 1  # one at a time
    offer = Offer.objects.get()
    offer_accept(cooperative=city.coop, offer_id=offer.pk, worker=w)
    rnd = run(city, now + dt.timedelta(seconds=30))
    assert rnd.available_workers == 0 and rnd.open_jobs == 1
    assert Offer.objects.count() == 1
    assert {first.pk, second.pk} >= {offer.job_id}


def test_a_refusal_puts_the_job_back_and_never_counts_against_the_worker(city, now):
    a = city.worker("a", at=near(RIVOLI, 200), now=now)
    b = city.worker("b", at=near(RIVOLI, 900), now=now)
    job = city.ride(now)
    run(city, now)
    first = Offer.objects.get()
    assert first.worker_id == a.pk
    offer_refuse(cooperative=city.coop, offer_id=first.pk, worker=a)

    rnd = run(city, now + dt.timedelta(seconds=10))
    second = Offer.objects.exclude(pk=first.pk).get()
    assert (second.job_id, second.worker_id) == (job.pk, b.pk)  # paused for a, so b
    assert rnd.decisions[0]["worker"] == b.pk

    # a is still available for every other job, with no mark against them
    other = city.ride(now + dt.timedelta(seconds=10), pickup=ORSAY)
    run(city, now + dt.timedelta(seconds=20))
    assert Offer.objects.get(job=other).worker_id == a.pk


def test_the_pause_ends_and_a_lone_worker_is_offered_the_job_again(city, now):
    a = city.worker("a", at=near(RIVOLI, 200), now=now)
    job = city.ride(now, starts_in=dt.timedelta(minutes=30))
    run(city, now)
    offer_refuse(cooperative=city.coop, offer_id=Offer.objects.get().pk, worker=a)
    rnd = run(city, now + dt.timedelta(seconds=15))
    assert rnd.offers_made == 0
    assert rnd.decisions[0]["reason"] == "paused_for_worker"
    later = now + dt.timedelta(seconds=60 + 600 + 5)  # past deadline + pause
    city.move(a, near(RIVOLI, 200), now=later)
    run(city, later)
    assert Offer.objects.filter(job=job, worker=a, status="offered").count() == 1


def test_an_unanswered_offer_expires_and_the_job_goes_to_another_worker(city, now):
    a = city.worker("a", at=near(RIVOLI, 200), now=now)
    b = city.worker("b", at=near(RIVOLI, 800), now=now)
    city.ride(now)
    run(city, now)
    first = Offer.objects.get()
    assert first.worker_id == a.pk
    later = now + dt.timedelta(seconds=61)
    for user, metres in ((a, 200), (b, 800)):
        city.move(user, near(RIVOLI, metres), now=later)
    rnd = run(city, later)
    first.refresh_from_db()
    assert first.status == "expired" and rnd.offers_expired == 1
    assert Offer.objects.get(status="offered").worker_id == b.pk


def test_a_round_never_offers_a_job_assigned_by_hand_meanwhile(city, now, monkeypatch):
    w = city.worker("w", at=near(RIVOLI, 200), now=now)
    other = city.worker("other", at=near(RIVOLI, 5000), now=now)
    job = city.ride(now)
    real = services.round_input

    def read_then_coordinator_assigns(**kwargs):
        data = real(**kwargs)
        job_assign(cooperative=city.coop, job_id=job.pk, worker_id=other.pk, actor=city.coordinator)
        return data

    monkeypatch.setattr(services, "round_input", read_then_coordinator_assigns)
    rnd = run(city, now)
    assert (rnd.open_jobs, rnd.offers_made, rnd.skipped) == (1, 0, 1)
    assert rnd.decisions[0]["status"] == "skipped"
    assert not Offer.objects.exists()
    assert Assignment.objects.get(job=job).worker_id == other.pk
    assert w.pk not in Assignment.objects.values_list("worker_id", flat=True)


def test_rounds_are_paced_by_the_governed_interval(city, now):
    city.worker("w", at=near(RIVOLI, 200), now=now)
    city.ride(now)
    assert run(city, now).offers_made == 1
    assert dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=now) is None
    soon = now + dt.timedelta(seconds=5)
    assert dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=soon) is None
    assert dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=soon, force=True)
    parameter_set(
        cooperative=city.coop,
        key="dispatch_round_seconds",
        value=30,
        actor=None,
        source="resolution",
        effective_from=timezone.localdate(now),
        source_ref="board minutes 12",
    )
    assert (
        dispatch_round_run(
            cooperative=city.coop, zone_id=city.zone.pk, now=now + dt.timedelta(seconds=20)
        )
        is None
    )
    # the only job is on offer: nothing to do, and no round stored
    counts = dispatch_due_rounds(now=now + dt.timedelta(seconds=40))
    assert counts == {"zones": 1, "rounds": 0, "offers": 0}
    # past its deadline the job is back, but its only worker let it expire: paused for them
    counts = dispatch_due_rounds(now=now + dt.timedelta(seconds=70))
    assert counts == {"zones": 1, "rounds": 1, "offers": 0}
    assert DispatchRound.objects.first().offers_expired == 1


def test_governed_radius_and_fairness_weight_are_used(city, now):
    parameter_set(
        cooperative=city.coop,
        key="dispatch_radius_m",
        value=1000,
        actor=None,
        source="resolution",
        effective_from=timezone.localdate(now),
        source_ref="board minutes 13",
    )
    city.worker("far", at=near(RIVOLI, 1500), now=now)
    city.ride(now)
    rnd = run(city, now)
    assert rnd.offers_made == 0 and rnd.settings["radius_m"] == 1000
    assert rnd.decisions[0]["reason"] == "no_worker_worth_it"


def test_fairness_prefers_the_worker_who_received_less_and_ignores_manual_assignments(city, now):
    busy = city.worker("busy", at=near(RIVOLI, 300), now=now)
    idle = city.worker("idle", at=near(RIVOLI, 600), now=now)
    # busy received three dispatched jobs this month; idle got three by hand (not counted)
    for _ in range(3):
        job = city.ride(now, starts_in=dt.timedelta(days=2))
        job_claim(cooperative=city.coop, job_id=job.pk, worker=busy)
        job = city.ride(now, starts_in=dt.timedelta(days=2))
        job_assign(cooperative=city.coop, job_id=job.pk, worker_id=idle.pk, actor=city.coordinator)
    data = candidates.round_input(
        cooperative=city.coop, zone=city.zone, now=now, speeds_kmh={"car": 28}, pause_s=0
    )
    assert data.jobs == []  # nothing open yet
    city.ride(now)
    data = candidates.round_input(
        cooperative=city.coop, zone=city.zone, now=now, speeds_kmh={"car": 28}, pause_s=0
    )
    received = dict(
        zip([w.user_id for w in data.workers], data.pool.received.tolist(), strict=True)
    )
    assert received == {busy.pk: 3.0, idle.pk: 0.0}
    rnd = run(city, now)
    # 300 m nearer is 39 s of ETA; busy's fairness term (+) outweighs it at weight 540
    assert Offer.objects.get(status="offered").worker_id == idle.pk
    term = rnd.decisions[0]["term"]["fairness"]
    assert term["value"] < 0 and term["share"] == "below"

    parameter_set(
        cooperative=city.coop,
        key="dispatch_fairness_weight",
        value=0,
        actor=None,
        source="resolution",
        effective_from=timezone.localdate(now),
        source_ref="board minutes 14",
    )
    city.ride(now, pickup=RIVOLI)
    Offer.objects.update(status="withdrawn")
    run(city, now + dt.timedelta(seconds=30))
    assert set(Offer.objects.filter(status="offered").values_list("worker_id", flat=True)) == {
        busy.pk,
        idle.pk,
    }


def test_deliveries_respect_capacity_and_skills_as_the_claim_does(city, now):
    small = city.worker("small", at=near(RIVOLI, 100), now=now, vehicle="bike", capacity_kg=5)
    big = city.worker("big", at=near(RIVOLI, 900), now=now, vehicle="cargo_bike", capacity_kg=80)
    heavy = city.delivery(now, weight_g=30_000)
    run(city, now)
    offer = Offer.objects.get()
    assert (offer.job_id, offer.worker_id) == (heavy.pk, big.pk)
    assignment = offer_accept(cooperative=city.coop, offer_id=offer.pk, worker=big)
    assert assignment.manual is False
    assert small.pk not in Offer.objects.values_list("worker_id", flat=True)


def test_only_coordinators_may_run_a_round_by_hand(city, now):
    w = city.worker("w", at=near(RIVOLI, 100), now=now)
    with pytest.raises(PermissionDenied):
        dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=now, actor=w)
    assert not DispatchRound.objects.exists()
    rnd = run(city, now, actor=city.coordinator, force=True)
    assert AuditEntry.objects.filter(action="dispatch.round", object_id=str(rnd.pk)).exists()


def test_another_coops_zone_is_not_found(city, now):
    from coopwork.dispatch.errors import ZoneNotFound

    other = make_city("beta")
    with pytest.raises(ZoneNotFound):
        dispatch_round_run(cooperative=city.coop, zone_id=other.zone.pk, now=now)
    assert Job.objects.count() == 0


def test_a_worker_on_a_shift_is_busy(city, now):
    w = city.worker("w", at=near(RIVOLI, 200), now=now)
    start = now - dt.timedelta(minutes=30)
    shift = ShiftRequest(
        title="Waiter",
        site_name="Bistro",
        place=RIVOLI,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        hourly_rate_minor=2000,
        positions=1,
        break_minutes=0,
        skills=[],
    )
    job = job_book(cooperative=city.coop, client=city.client, request=shift, now=start)
    job_claim(cooperative=city.coop, job_id=job.pk, worker=w)
    city.ride(now)
    rnd = run(city, now)
    assert (rnd.open_jobs, rnd.available_workers, rnd.offers_made) == (1, 0, 0)


def test_the_dispatch_command_runs_the_due_rounds(city, now):
    w = city.worker("w", at=near(RIVOLI, 200), now=now)
    city.ride(now)
    out = StringIO()
    call_command("dispatch", stdout=out)
    assert "'rounds': 1" in out.getvalue() and "'offers': 1" in out.getvalue()
    assert Offer.objects.get().worker_id == w.pk
    assert ":" in DispatchRound.objects.get().dispatcher  # host:pid of the process


def test_more_than_64_skills_in_a_round_leaves_the_rarest_jobs_for_later():
    from types import SimpleNamespace

    jobs = [SimpleNamespace(skills=["common"]) for _ in range(3)]
    jobs += [SimpleNamespace(skills=[f"rare{i:02d}"]) for i in range(70)]
    bits = candidates.skill_bits(jobs)  # type: ignore[arg-type]
    assert len(bits) == 64 and "common" in bits
    kept = candidates.mappable(jobs, bits)  # type: ignore[arg-type]
    assert len(kept) == 3 + 63
    assert len(set(bits.values())) == 64
