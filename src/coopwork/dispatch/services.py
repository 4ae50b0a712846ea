"""Writes of dispatch: running a zone's round, which makes offers through the marketplace.

A round (:func:`dispatch_round_run`) runs in one transaction that holds the zone's advisory lock
(``dispatch:zone:<id>``, see ``core.locks``) from before it reads the candidates until its offers
are committed, so two dispatcher processes never work on the same zone at once: the second waits,
then sees the first one's offers (and, inside the round interval, skips). Under the lock it

1. closes the zone's offers past their deadline (``expired``, in a short transaction of its own
   just before): the job goes back into this round, and it never counts against the worker;
2. reads the open jobs flagged for automatic dispatch and the available workers
   (:mod:`coopwork.dispatch.candidates`) and the governed weights, radius and timeout in force;
3. matches them (:func:`coopwork.dispatch.matching.match`); a pair whose worker refused or let
   expire an offer of that very job within ``dispatch_reoffer_pause_seconds`` is not offered
   again: the job is matched again among the other free workers (at most three passes);
4. locks the chosen workers' profiles (in id order, so rounds of overlapping zones cannot
   deadlock) and makes each offer with ``marketplace.services.offer_create``, which locks the job
   and refuses it unless it is still open: a job someone claimed, or a coordinator assigned by
   hand, a moment ago is skipped, never offered; a worker who got an offer elsewhere meanwhile is
   skipped too;
5. stores the round (:class:`~coopwork.dispatch.models.DispatchRound`) with its timings, counts and
   one explanation per job, and tells the coordinators after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from coopwork.core.audit import audit_append
from coopwork.core.events import Event, publish
from coopwork.core.locks import advisory_xact_lock
from coopwork.core.models import Cooperative, RoleName
from coopwork.core.permissions import require_role
from coopwork.core.selectors import parameters_in_force
from coopwork.marketplace import errors as market_errors
from coopwork.marketplace.models import Offer, OfferStatus, WorkerProfile, Zone
from coopwork.marketplace.services import offer_create

from . import errors
from .candidates import RoundInput, live_offers, round_input, rounded
from .matching import Explanation, JobBatch, MatchOptions, Weights, WorkerPool, match
from .models import DispatchRound

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

PARAMETER_KEYS = (
    "dispatch_fairness_weight",
    "dispatch_waiting_weight",
    "dispatch_radius_m",
    "dispatch_round_seconds",
    "dispatch_reoffer_pause_seconds",
    "offer_timeout_seconds",
    "vehicle_speeds_kmh",
)
TIME_BUDGET_S = 1.0
MAX_PASSES = 3
DUE_SLACK = 0.9
"""A zone's round is due when 90 % of the interval has passed since its last one (ticks drift)."""


@dataclass(frozen=True)
class DispatchSettings:
    weights: Weights
    radius_m: int
    round_s: int
    pause_s: int
    timeout_s: int
    speeds_kmh: dict[str, Any]
    versions: dict[str, Any]

    def options(self, pool: WorkerPool) -> MatchOptions:
        # Leaving a job for the next round costs as much as the slowest worker's longest pick-up
        # inside the radius, so every feasible pick-up is worth making.
        slowest = float(pool.speed_mps.min()) if len(pool) else 4.0
        return MatchOptions(
            radius_m=float(self.radius_m),
            unassigned_eta_s=max(900.0, self.radius_m / slowest + 60.0),
            time_budget_s=TIME_BUDGET_S,
            coordinates="lonlat",
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": {
                "eta": self.weights.eta,
                "waiting": self.weights.waiting,
                "fairness": self.weights.fairness,
            },
            "radius_m": self.radius_m,
            "round_seconds": self.round_s,
            "reoffer_pause_seconds": self.pause_s,
            "offer_timeout_seconds": self.timeout_s,
            "versions": self.versions,
        }


def dispatch_settings(*, cooperative: Cooperative, on: dt.date | None = None) -> DispatchSettings:
    """The governed parameters a round uses, with the version each comes from."""
    found = {
        p.spec.key: p
        for p in parameters_in_force(cooperative=cooperative, on=on, keys=PARAMETER_KEYS)
    }

    def value(key: str) -> Any:
        return found[key].value

    return DispatchSettings(
        weights=Weights(
            eta=1.0,
            waiting=float(value("dispatch_waiting_weight")),
            fairness=float(value("dispatch_fairness_weight")),
        ),
        radius_m=int(value("dispatch_radius_m")),
        round_s=int(value("dispatch_round_seconds")),
        pause_s=int(value("dispatch_reoffer_pause_seconds")),
        timeout_s=int(value("offer_timeout_seconds")),
        speeds_kmh=dict(value("vehicle_speeds_kmh")),
        versions={key: found[key].version_id for key in PARAMETER_KEYS},
    )


# --- Explanations -------------------------------------------------------------------------------


def explanation_dict(e: Explanation, *, waited_s: float) -> dict[str, Any]:
    """An explanation as stored on the offer and the round: numbers the worker's page puts into
    words (``web/dispatch/_explanation.html``). Costs are in seconds of pick-up time."""
    terms = [
        {
            "name": t.name,
            "weight": rounded(t.weight, 3),
            "value": rounded(t.value, 3),
            "contribution": rounded(t.contribution, 1),
            "contribution_min": rounded(t.contribution / 60, 1),
        }
        for t in e.terms
    ]
    alternatives = [float(a) for a in e.alternatives_eta_s[:2]]
    data: dict[str, Any] = {
        "v": 1,
        "status": e.status,
        "reason": e.reason,
        "path": e.path,
        "eta_s": rounded(e.eta_s),
        "eta_min": rounded(e.eta_s / 60, 1) if e.eta_s is not None else None,
        "distance_m": rounded(e.distance_m),
        "distance_km": rounded(e.distance_m / 1000, 1) if e.distance_m is not None else None,
        "waited_s": rounded(waited_s),
        "waited_min": rounded(waited_s / 60, 1),
        "cost": rounded(e.cost, 1),
        "cost_min": rounded(e.cost / 60, 1),
        "unassigned_cost": rounded(e.unassigned_cost, 1),
        "unassigned_cost_min": rounded(e.unassigned_cost / 60, 1),
        "terms": terms,
        "term": {t["name"]: t for t in terms},
        "alternatives_eta_s": [rounded(a) for a in alternatives],
        "alternatives_eta_min": [rounded(a / 60, 1) for a in alternatives],
    }
    fairness = data["term"].get("fairness")
    if fairness is not None:
        fairness["weight_min"] = rounded(float(fairness["weight"] or 0) / 60, 1)
        score = float(fairness["value"] or 0)
        fairness["share"] = "below" if score < -0.05 else "above" if score > 0.05 else "even"
    return data


# --- Matching with pauses -----------------------------------------------------------------------


def _take_jobs(batch: JobBatch, idx: np.ndarray) -> JobBatch:
    return JobBatch(
        x=batch.x[idx],
        y=batch.y[idx],
        skills=batch.skills[idx],
        vehicles=batch.vehicles[idx],
        load=batch.load[idx],
        waited_s=batch.waited_s[idx],
    )


def _take_workers(pool: WorkerPool, idx: np.ndarray) -> WorkerPool:
    return WorkerPool(
        x=pool.x[idx],
        y=pool.y[idx],
        skills=pool.skills[idx],
        vehicle=pool.vehicle[idx],
        capacity=pool.capacity[idx],
        speed_mps=pool.speed_mps[idx],
        received=pool.received[idx],
        active_s=pool.active_s[idx],
    )


@dataclass
class _Decision:
    worker: int | None  # index into RoundInput.workers
    explanation: Explanation
    paused: bool = False


@dataclass
class _Matched:
    decisions: dict[int, _Decision]
    path: str
    reason: str
    total_cost: float
    greedy_cost: float
    match_s: float


def _match_round(data: RoundInput, conf: DispatchSettings) -> _Matched:
    """Match, then re-match jobs whose best worker is paused for them among the others."""
    decisions: dict[int, _Decision] = {}
    jobs_left = np.arange(len(data.jobs))
    free = np.ones(len(data.workers), dtype=bool)
    path, reason, total, greedy, spent = "greedy", "", 0.0, 0.0, 0.0
    for attempt in range(MAX_PASSES):
        if jobs_left.size == 0:
            break
        exclude = {
            w
            for w, profile in enumerate(data.workers)
            for j in jobs_left.tolist()
            if attempt and (data.jobs[j].pk, profile.user_id) in data.paused
        }
        workers_idx = np.array(
            [w for w in np.flatnonzero(free).tolist() if w not in exclude], dtype=np.int64
        )
        pool = _take_workers(data.pool, workers_idx)
        start = time.perf_counter()
        result = match(
            _take_jobs(data.batch, jobs_left), pool, conf.weights, conf.options(data.pool)
        )
        spent += time.perf_counter() - start
        if attempt == 0:
            path, reason = result.path, result.reason
            total, greedy = result.total_cost, result.greedy_cost
        retry = []
        for local, j in enumerate(jobs_left.tolist()):
            e = result.explain(local)
            if e.worker is None:
                was_paused = j in decisions and decisions[j].paused
                decisions[j] = _Decision(None, e, paused=was_paused)
                continue
            w = int(workers_idx[e.worker])
            if (data.jobs[j].pk, data.workers[w].user_id) in data.paused:
                decisions[j] = _Decision(None, e, paused=True)
                retry.append(j)
            else:
                decisions[j] = _Decision(w, e)
                free[w] = False
        jobs_left = np.array(retry, dtype=np.int64)
    return _Matched(decisions, path, reason, total, greedy, spent)


# --- The round ----------------------------------------------------------------------------------


def _due(zone: Zone, now: dt.datetime, round_s: int) -> bool:
    last = (
        DispatchRound.objects.filter(zone=zone)
        .order_by("-clock_at")
        .values_list("clock_at", flat=True)
        .first()
    )
    return last is None or (now - last).total_seconds() >= DUE_SLACK * round_s


def _expire_offers(zone: Zone, now: dt.datetime) -> int:
    """Close the zone's offers past their deadline. A conditional update: an offer accepted or
    refused meanwhile is no longer ``offered`` and is left alone."""
    return Offer.objects.filter(
        job__cooperative_id=zone.cooperative_id,
        job__zone=zone,
        status=OfferStatus.OFFERED,
        expires_at__lte=now,
    ).update(status=OfferStatus.EXPIRED, answered_at=timezone.now())


def dispatch_round_run(
    *,
    cooperative: Cooperative,
    zone_id: int,
    now: dt.datetime | None = None,
    dispatcher: str = "",
    force: bool = False,
    actor: User | None = None,
) -> DispatchRound | None:
    """Run the zone's round (see the module docstring). Returns ``None`` when the zone's last
    round is more recent than the governed interval, or when no job is waiting for an offer
    (nothing is stored then), unless ``force`` (a coordinator's "run now"). ``actor`` is None
    for the background task; a person needs the coordinator role."""
    if actor is not None:
        require_role(user=actor, cooperative=cooperative, roles={RoleName.COORDINATOR})
    now = now or timezone.now()
    zone = Zone.objects.filter(cooperative=cooperative, pk=zone_id).first()
    if zone is None:
        raise errors.ZoneNotFound()
    # Expiry commits on its own, before the round locks workers and jobs: offer_accept locks the
    # job and then the offer, so a round holding expired offers while waiting for a job could
    # deadlock with it.
    with transaction.atomic():
        expired = _expire_offers(zone, now)
    with transaction.atomic():
        advisory_xact_lock(f"dispatch:zone:{zone.pk}")
        return _run_locked(cooperative, zone, now, dispatcher, force, actor, expired)


def _run_locked(
    cooperative: Cooperative,
    zone: Zone,
    now: dt.datetime,
    dispatcher: str,
    force: bool,
    actor: User | None,
    expired: int,
) -> DispatchRound | None:
    began = time.perf_counter()
    conf = dispatch_settings(cooperative=cooperative, on=timezone.localdate(now))
    if not force and not _due(zone, now, conf.round_s):
        return None
    data = round_input(
        cooperative=cooperative,
        zone=zone,
        now=now,
        speeds_kmh=conf.speeds_kmh,
        pause_s=conf.pause_s,
    )
    if not data.jobs and not force:
        return None  # nothing to offer: no row every few seconds for an idle zone
    rnd = DispatchRound.objects.create(
        cooperative=cooperative,
        zone=zone,
        dispatcher=dispatcher[:80],
        clock_at=now,
        open_jobs=len(data.jobs),
        available_workers=len(data.workers),
        offers_expired=expired,
        settings=conf.as_dict(),
    )
    matched = (
        _match_round(data, conf) if data.jobs else _Matched({}, "", "no open jobs", 0.0, 0.0, 0.0)
    )
    offers, skipped = _make_offers(cooperative, data, matched, rnd, now)
    records = []
    for j in range(len(data.jobs)):
        decision = matched.decisions.get(j)
        if decision is None:
            continue
        record: dict[str, Any] = {
            **data.job_meta(j),
            **explanation_dict(decision.explanation, waited_s=float(data.batch.waited_s[j])),
        }
        if decision.worker is not None:
            profile = data.workers[decision.worker]
            record["worker"] = profile.user_id
            record["worker_name"] = profile.user.get_full_name() or profile.user.get_username()
        offer = offers.get(j)
        record["offer"] = offer.pk if offer is not None else None
        if offer is not None:
            record["status"] = "offered"
        elif decision.worker is not None:
            record["status"], record["reason"] = "skipped", "taken_meanwhile"
        elif decision.paused:
            record["status"], record["reason"] = "unassigned", "paused_for_worker"
        records.append(record)
    rnd.decisions = records
    rnd.offers_made = len(offers)
    rnd.skipped = skipped
    rnd.left_unassigned = len(data.jobs) - len(offers)
    rnd.path, rnd.reason = matched.path, matched.reason[:200]
    rnd.total_cost = _finite(matched.total_cost)
    rnd.greedy_cost = _finite(matched.greedy_cost)
    rnd.match_ms = round(matched.match_s * 1000)
    rnd.duration_ms = round((time.perf_counter() - began) * 1000)
    rnd.save()
    if offers or actor is not None:
        audit_append(
            cooperative=cooperative,
            actor=actor,
            action="dispatch.round",
            target=rnd,
            data={
                "zone": zone.code,
                "open_jobs": rnd.open_jobs,
                "workers": rnd.available_workers,
                "offers": [o.pk for o in offers.values()],
            },
        )
    publish(
        Event(
            "dispatch.round",
            cooperative.pk,
            {"round": rnd.pk, "zone": zone.code, "offers": rnd.offers_made},
            (f"coop-{cooperative.pk}-coordinator",),
        )
    )
    return rnd


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def _make_offers(
    cooperative: Cooperative,
    data: RoundInput,
    matched: _Matched,
    rnd: DispatchRound,
    now: dt.datetime,
) -> tuple[dict[int, Offer], int]:
    chosen = {j: d.worker for j, d in matched.decisions.items() if d.worker is not None}
    if not chosen:
        return {}, 0
    profile_ids = sorted(data.workers[w].pk for w in chosen.values())
    # Lock the chosen workers in id order (no deadlock between rounds of overlapping zones), then
    # drop those who got an offer from another zone's round since we read them.
    locked = list(
        WorkerProfile.objects.select_for_update().filter(pk__in=profile_ids).order_by("pk")
    )
    user_ids = [p.user_id for p in locked]
    busy = set(
        Offer.objects.filter(live_offers(now), worker_id__in=user_ids).values_list(
            "worker_id", flat=True
        )
    )
    offers: dict[int, Offer] = {}
    skipped = 0
    for j, w in sorted(chosen.items()):
        job = data.jobs[j]
        profile = data.workers[w]
        if profile.user_id in busy:
            skipped += 1
            continue
        explanation = {
            **explanation_dict(
                matched.decisions[j].explanation, waited_s=float(data.batch.waited_s[j])
            ),
            "round": rnd.pk,
        }
        try:
            offers[j] = offer_create(
                cooperative=cooperative,
                job_id=job.pk,
                worker_id=profile.user_id,
                explanation=explanation,
                now=now,
            )
        except (market_errors.JobTaken, market_errors.JobNotFound):
            skipped += 1  # claimed or assigned by hand since the round read it
            continue
        busy.add(profile.user_id)
    return offers, skipped


def dispatch_due_rounds(*, now: dt.datetime | None = None, dispatcher: str = "") -> dict[str, int]:
    """Run the round of every zone that has jobs waiting for automatic dispatch and whose last
    round is older than its co-op's interval. Safe to run from several processes at once."""
    from .candidates import DISPATCHED_KINDS, HORIZON

    now = now or timezone.now()
    zone_ids = (
        Zone.objects.filter(
            job__status="open",
            job__auto_dispatch=True,
            job__kind__in=DISPATCHED_KINDS,
            job__starts_at__lte=now + HORIZON,
            job__starts_at__gte=now - dt.timedelta(hours=1),
        )
        .values_list("pk", "cooperative_id")
        .distinct()
        .order_by("pk")
    )
    counts = {"zones": 0, "rounds": 0, "offers": 0}
    coops = {c.pk: c for c in Cooperative.objects.filter(pk__in={c for _z, c in zone_ids})}
    for zone_id, coop_id in zone_ids:
        counts["zones"] += 1
        try:
            rnd = dispatch_round_run(
                cooperative=coops[coop_id], zone_id=zone_id, now=now, dispatcher=dispatcher
            )
        except Exception:  # one zone's failure must not stop the others' rounds
            logger.exception("dispatch round of zone %s failed", zone_id)
            counts["failed"] = counts.get("failed", 0) + 1
            continue
        if rnd is not None:
            counts["rounds"] += 1
            counts["offers"] += rnd.offers_made
    return counts
