"""Dispatch: batch rounds with the explanation of every pair (coordinators, board, admins), running
a zone's round now (coordinators), a worker's offer explained in plain words, the governed dispatch
settings and the fairness trade-off curve (every role holder)."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator

from coopwork.api import access
from coopwork.api.schemas.common import ERRORS, IdPath, In, NoNul, SlugPath
from coopwork.api.schemas.jobs import JobSummaryOut
from coopwork.dispatch.explain import explanation_lines
from coopwork.dispatch.models import DispatchRound
from coopwork.dispatch.selectors import (
    Curve,
    fairness_curve,
    offer_for_worker,
    round_get,
    rounds_for,
    settings_in_force,
)
from coopwork.dispatch.services import dispatch_round_run
from coopwork.marketplace.models import Offer

router = Router(tags=["dispatch"])

ZoneCode = Annotated[str, Field(max_length=40), NoNul, AfterValidator(str.strip)]


class DispatchRoundSummaryOut(Schema):
    id: int
    zone: str
    clock_at: dt.datetime
    dispatcher: str
    open_jobs: int
    available_workers: int
    offers_made: int
    left_unassigned: int
    skipped: int
    offers_expired: int
    path: str = Field(description="``exact`` (optimal for the weights), ``tiled``, ``greedy``…")
    duration_ms: int
    match_ms: int

    @classmethod
    def of(cls, rnd: DispatchRound) -> "DispatchRoundSummaryOut":
        return cls(
            id=rnd.pk,
            zone=rnd.zone.code,
            clock_at=rnd.clock_at,
            dispatcher=rnd.dispatcher,
            open_jobs=rnd.open_jobs,
            available_workers=rnd.available_workers,
            offers_made=rnd.offers_made,
            left_unassigned=rnd.left_unassigned,
            skipped=rnd.skipped,
            offers_expired=rnd.offers_expired,
            path=rnd.path,
            duration_ms=rnd.duration_ms,
            match_ms=rnd.match_ms,
        )


class DispatchRoundOut(DispatchRoundSummaryOut):
    settings: dict[str, Any] = Field(description="Weights, radius, timeout and their versions.")
    total_cost: float
    greedy_cost: float
    decisions: list[dict[str, Any]] = Field(
        description="One per open job: the worker chosen (or none and why), ETA, distance, each "
        "cost term as weight × value, the total, and the two nearest alternatives' ETAs."
    )

    @classmethod
    def of(cls, rnd: DispatchRound) -> "DispatchRoundOut":
        return cls(
            **DispatchRoundSummaryOut.of(rnd).model_dump(),
            settings=rnd.settings,
            total_cost=rnd.total_cost,
            greedy_cost=rnd.greedy_cost,
            decisions=rnd.decisions,
        )


class DispatchRoundRunIn(In):
    zone_id: int = Field(ge=1, le=2**63 - 1, strict=True)


class DispatchRoundsQuery(Schema):
    zone: ZoneCode | None = None
    limit: int = Field(50, ge=1, le=200)


class DispatchOfferOut(Schema):
    id: int
    status: str
    expires_at: dt.datetime
    job: JobSummaryOut
    explanation: dict[str, Any] = Field(description="The numbers, as the round computed them.")
    summary: list[str] = Field(description="The explanation in plain words (Accept-Language).")

    @classmethod
    def of(cls, offer: Offer) -> "DispatchOfferOut":
        explanation = dict(offer.explanation or {})
        return cls(
            id=offer.pk,
            status=offer.status,
            expires_at=offer.expires_at,
            job=JobSummaryOut.of(offer.job),
            explanation=explanation,
            summary=explanation_lines(explanation),
        )


class FairnessCurvePointOut(Schema):
    weight: int = Field(description="Fairness weight, seconds of pick-up time.")
    extra_distance_pct: float = Field(description="Pick-up distance per job against weight 0.")
    gini_earnings: float = Field(description="Gini of earnings per hour available.")
    gini_change_pct: float
    gini_jobs: float
    served: int
    missed: int


class FairnessCurveOut(Schema):
    since: dt.datetime
    until: dt.datetime
    jobs: int
    workers: int
    current_weight: int
    enough: bool
    points: list[FairnessCurvePointOut]

    @classmethod
    def of(cls, curve: Curve) -> "FairnessCurveOut":
        return cls(
            since=curve.since,
            until=curve.until,
            jobs=curve.jobs,
            workers=curve.workers,
            current_weight=curve.current_weight,
            enough=curve.enough,
            points=[
                FairnessCurvePointOut(
                    weight=p.weight,
                    extra_distance_pct=round(p.extra_distance_pct, 2),
                    gini_earnings=round(p.gini_earnings, 4),
                    gini_change_pct=round(p.gini_change_pct, 2),
                    gini_jobs=round(p.gini_jobs, 4),
                    served=p.served,
                    missed=p.missed,
                )
                for p in curve.points
            ],
        )


class DispatchSettingsOut(Schema):
    weights: dict[str, float]
    radius_m: int
    round_seconds: int
    reoffer_pause_seconds: int
    offer_timeout_seconds: int


@router.get(
    "/coops/{slug}/dispatch/rounds", response={200: list[DispatchRoundSummaryOut], **ERRORS}
)
def rounds(
    request: HttpRequest, slug: SlugPath, query: Query[DispatchRoundsQuery]
) -> list[DispatchRoundSummaryOut]:
    """The latest rounds, newest first (coordinators, board, admins); ``?zone=`` filters."""
    coop = access.cooperative(slug)
    found = rounds_for(
        cooperative=coop, user=access.acting_user(request), zone_code=query.zone, limit=query.limit
    )
    return [DispatchRoundSummaryOut.of(r) for r in found]


@router.get("/coops/{slug}/dispatch/rounds/{round_id}", response={200: DispatchRoundOut, **ERRORS})
def round_detail(request: HttpRequest, slug: SlugPath, round_id: IdPath) -> DispatchRoundOut:
    """One round with the explanation of every pair (coordinators, board, admins)."""
    coop = access.cooperative(slug)
    return DispatchRoundOut.of(
        round_get(cooperative=coop, user=access.acting_user(request), round_id=round_id)
    )


@router.post("/coops/{slug}/dispatch/rounds", response={201: DispatchRoundOut, **ERRORS})
def round_run(request: HttpRequest, slug: SlugPath, payload: DispatchRoundRunIn) -> Status:
    """Run a zone's round now (coordinators): offers go out as in an automatic round."""
    coop = access.cooperative(slug)
    rnd = dispatch_round_run(
        cooperative=coop, zone_id=payload.zone_id, actor=access.acting_user(request), force=True
    )
    assert rnd is not None  # forced
    return Status(201, DispatchRoundOut.of(rnd))


@router.get("/coops/{slug}/dispatch/offers/{offer_id}", response={200: DispatchOfferOut, **ERRORS})
def offer(request: HttpRequest, slug: SlugPath, offer_id: IdPath) -> DispatchOfferOut:
    """One of my offers with its explanation, as numbers and in plain words: ETA, distance, each
    term with its weight, and the two nearest alternatives' ETAs (never who they are)."""
    coop = access.cooperative(slug)
    return DispatchOfferOut.of(
        offer_for_worker(cooperative=coop, user=access.acting_user(request), offer_id=offer_id)
    )


@router.get("/coops/{slug}/dispatch/settings", response={200: DispatchSettingsOut, **ERRORS})
def settings(request: HttpRequest, slug: SlugPath) -> DispatchSettingsOut:
    """The governed dispatch parameters in force (every role holder)."""
    coop = access.cooperative(slug)
    conf = settings_in_force(cooperative=coop, user=access.acting_user(request)).as_dict()
    return DispatchSettingsOut(**{k: v for k, v in conf.items() if k != "versions"})


@router.get("/coops/{slug}/dispatch/fairness-curve", response={200: FairnessCurveOut, **ERRORS})
def curve(request: HttpRequest, slug: SlugPath) -> FairnessCurveOut:
    """Extra pick-up distance against the Gini of earnings at several fairness weights, for the
    last 30 days of this co-op's demand (every role holder)."""
    coop = access.cooperative(slug)
    return FairnessCurveOut.of(fairness_curve(cooperative=coop, user=access.acting_user(request)))
