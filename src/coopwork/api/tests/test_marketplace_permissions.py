"""The marketplace's permission matrix: every route against every kind of caller.

Callers: anonymous, a signed-in stranger, the job's client, the worker on the job, another
worker, a coordinator, a board member and another co-op's coordinator. Each row names the callers
that succeed (and with which status) and the refusal every other caller gets. A refused call
answers in the caller's language, writes nothing, and names none of the job's addresses or the
people on it (zero leaks); a successful call to someone not on the job names nobody on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coopwork.marketplace.models import Job

from .conftest import Api
from .test_marketplace_world import (  # noqa: F401  (fixture)
    ROLES,
    SECRETS,
    MarketWorld,
    counts,
    later,
    market_fixture,
    ride_body,
    shift_body,
)

SIGNED_IN = frozenset(ROLES) - {"anonymous"}
ON_JOB = frozenset({"client", "worker", "coordinator"})
CLIENT_SIDE = frozenset({"client", "coordinator"})
WORKERS = frozenset({"worker", "other_worker"})
NOT_FOUND = (404, "job_not_found")
NOT_YOURS = (403, "not_your_job")
DENIED = (403, "permission_denied")
NOT_A_WORKER = (403, "not_a_worker")
NAMES = ("Clara", "Cliente", "Walter", "Travailleur")
# Callers who are not on the world's jobs: what they may read of them when allowed.
OUTSIDERS = frozenset({"stranger", "board", "foreign_coordinator", "other_worker"})
PARIS = [[48.80, 2.25], [48.80, 2.42], [48.91, 2.42], [48.91, 2.25]]
LYON = [[45.70, 4.77], [45.70, 4.93], [45.80, 4.93], [45.80, 4.77]]

Body = Callable[[MarketWorld, str], Any] | dict[str, Any] | None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    ok: frozenset[str]
    status: int = 200
    refused: tuple[int, str] = NOT_YOURS  # for signed-in callers outside ``ok``
    job: str | None = None  # the world state ``{job}`` names
    body: Body = None
    special: dict[str, tuple[int, str]] = field(default_factory=dict)
    public: bool = False
    multipart: bool = False
    # Outsiders allowed here who may read the job's address (a worker who may take it) or names
    # (the board, on invoices).
    sees_address: frozenset[str] = frozenset()
    sees_names: frozenset[str] = frozenset()

    def expected(self, role: str, sees_job: bool = True) -> tuple[int, str | None]:
        """``sees_job``: whether the caller may know the job exists. Someone acting on a job that
        is not theirs is told so only then; anyone else gets 404, as for a read."""
        if role in self.special:
            return self.special[role]
        if role in self.ok or (self.public and role == "anonymous"):
            return self.status, None
        if role == "anonymous":
            return 401, "not_authenticated"
        if self.refused == NOT_YOURS and not sees_job:
            return NOT_FOUND
        return self.refused


def route(method: str, path: str, ok: frozenset[str] | set[str], **kwargs: Any) -> Route:
    return Route(method, path, frozenset(ok), **kwargs)


def _rating(world: MarketWorld, role: str) -> dict[str, Any]:
    ratee = "client" if role == "worker" else "worker"
    return {"ratee_id": world.user(ratee).pk, "score": 4, "comment": "Fine"}


def _walter(world: MarketWorld, role: str) -> dict[str, Any]:
    return {"worker_id": world.user("worker").pk}


def _clock_in(world: MarketWorld, role: str) -> dict[str, Any]:
    return {"code": world.job("soon_shift").clock_code}


def _invoice(world: MarketWorld, role: str) -> dict[str, Any]:
    day = world.job("settled_ride").starts_at.date()
    return {
        "client_id": world.user("client").pk,
        "period_start": day.replace(day=1).isoformat(),
        "period_end": day.isoformat(),
    }


MATRIX: dict[str, Route] = {
    # Quote and book: any signed-in person.
    "quote": route(
        "POST", "/coops/alpha/quotes", SIGNED_IN, body=lambda w, r: shift_body(later(4, 9))
    ),
    "book": route(
        "POST",
        "/coops/alpha/jobs",
        SIGNED_IN,
        status=201,
        body=lambda w, r: ride_body(later(4, 10)),
    ),
    # Lists: each caller's own.
    "my jobs": route("GET", "/coops/alpha/jobs", SIGNED_IN, job="assigned_ride"),
    "my work": route("GET", "/coops/alpha/jobs?role=worker", SIGNED_IN, job="assigned_ride"),
    "all jobs": route(
        "GET",
        "/coops/alpha/jobs?role=coordinator",
        {"coordinator"},
        refused=DENIED,
        job="assigned_ride",
    ),
    # Reading a job.
    "job under way": route(
        "GET", "/coops/alpha/jobs/{job}", ON_JOB, refused=NOT_FOUND, job="started_shift"
    ),
    "open job": route(
        "GET",
        "/coops/alpha/jobs/{job}",
        ON_JOB | WORKERS,
        refused=NOT_FOUND,
        job="open_shift",
        sees_address=WORKERS,
    ),
    "receipt": route(
        "GET", "/coops/alpha/jobs/{job}/receipt", ON_JOB, refused=NOT_FOUND, job="settled_ride"
    ),
    # The client's side.
    "approve": route("POST", "/coops/alpha/jobs/{job}/approve", CLIENT_SIDE, job="completed_ride"),
    "cancel": route(
        "POST",
        "/coops/alpha/jobs/{job}/cancel",
        CLIENT_SIDE,
        job="assigned_ride",
        body={"reason": "Plans changed"},
    ),
    "send home": route(
        "POST",
        "/coops/alpha/jobs/{job}/send-home",
        CLIENT_SIDE,
        job="started_shift",
        body=_walter,
    ),
    "no-show": route(
        "POST", "/coops/alpha/jobs/{job}/no-show", CLIENT_SIDE, job="late_shift", body=_walter
    ),
    # A draft is the client's: Walter, on none of it, may not know it exists.
    "publish": route(
        "POST",
        "/coops/alpha/jobs/{job}/transitions/publish",
        CLIENT_SIDE,
        job="draft_shift",
        special={"worker": NOT_FOUND},
    ),
    "whole no-show": route(
        "POST", "/coops/alpha/jobs/{job}/transitions/no_show", CLIENT_SIDE, job="late_shift"
    ),
    "close no-show": route(
        "POST",
        "/coops/alpha/jobs/{job}/transitions/close_no_show",
        {"coordinator"},
        job="no_show_shift",
    ),
    "rate": route(
        "POST",
        "/coops/alpha/jobs/{job}/ratings",
        {"client", "worker"},
        status=201,
        refused=(400, "rating_not_allowed"),
        job="completed_ride",
        body=_rating,
    ),
    "read messages": route(
        "GET",
        "/coops/alpha/jobs/{job}/messages",
        ON_JOB,
        refused=NOT_FOUND,
        job="assigned_ride",
        # Another worker may see the assigned ride (to join it if freed), not its messages.
        special={"other_worker": NOT_YOURS},
    ),
    "write a message": route(
        "POST",
        "/coops/alpha/jobs/{job}/messages",
        ON_JOB,
        status=201,
        job="assigned_ride",
        body={"body": "I am at the door."},
    ),
    "open a case": route(
        "POST",
        "/coops/alpha/jobs/{job}/cases",
        ON_JOB,
        status=201,
        job="completed_ride",
        body={"kind": "incident", "summary": "Scratch", "statement": "A scratch on the door."},
    ),
    "add a statement": route(
        "POST",
        "/coops/alpha/cases/{case}/statements",
        ON_JOB,
        status=201,
        body={"text": "My side of it."},
    ),
    "open a case with evidence": route(
        "POST",
        "/coops/alpha/jobs/{job}/cases/with-evidence",
        ON_JOB,
        status=201,
        job="completed_ride",
        body={"kind": "incident", "summary": "Scratch", "statement": "A scratch on the door."},
        multipart=True,
    ),
    "add a statement with evidence": route(
        "POST",
        "/coops/alpha/cases/{case}/statements/with-evidence",
        ON_JOB,
        status=201,
        body={"text": "My side of it."},
        multipart=True,
    ),
    # The worker's side.
    "claim": route(
        "POST", "/coops/alpha/jobs/{job}/claim", WORKERS, refused=NOT_A_WORKER, job="open_shift"
    ),
    "release": route("POST", "/coops/alpha/jobs/{job}/release", {"worker"}, job="assigned_shift"),
    "depart": route("POST", "/coops/alpha/jobs/{job}/depart", {"worker"}, job="assigned_ride"),
    "clock in": route(
        "POST", "/coops/alpha/jobs/{job}/clock-in", {"worker"}, job="soon_shift", body=_clock_in
    ),
    "clock out": route(
        "POST", "/coops/alpha/jobs/{job}/clock-out", {"worker"}, job="started_ride", body={}
    ),
    "clock out with a photo": route(
        "POST",
        "/coops/alpha/jobs/{job}/clock-out/photo",
        {"worker"},
        job="started_photo_delivery",
        multipart=True,
    ),
    "accept an offer": route(
        "POST",
        "/coops/alpha/offers/{offer}/accept",
        {"worker"},
        refused=(404, "offer_not_found"),
    ),
    "refuse an offer": route(
        "POST",
        "/coops/alpha/offers/{offer}/refuse",
        {"worker"},
        refused=(404, "offer_not_found"),
    ),
    "my offers": route("GET", "/coops/alpha/work/offers", WORKERS, refused=DENIED, job="offer"),
    "open jobs": route(
        "GET",
        "/coops/alpha/work/open-jobs",
        WORKERS,
        refused=DENIED,
        job="open_shift",
        sees_address=WORKERS,
    ),
    "earnings": route(
        "GET", "/coops/alpha/work/earnings", WORKERS, refused=DENIED, job="settled_ride"
    ),
    "earnings by period": route(
        "GET",
        "/coops/alpha/work/earnings/periods?period=month&count=3",
        WORKERS,
        refused=DENIED,
        job="settled_ride",
    ),
    "my profile": route("GET", "/coops/alpha/work/profile", WORKERS, refused=DENIED),
    "save my profile": route(
        "PUT",
        "/coops/alpha/work/profile",
        WORKERS,
        refused=DENIED,
        body={"skills": ["service"], "vehicle": "car", "zones": ["paris"]},
    ),
    "my availability": route(
        "PUT",
        "/coops/alpha/work/availability",
        WORKERS,
        refused=NOT_A_WORKER,
        body={"weekly": [{"weekday": 0, "start": "09:00", "end": "17:00"}]},
    ),
    "my position": route(
        "POST",
        "/coops/alpha/work/position",
        WORKERS,
        refused=NOT_A_WORKER,
        body={"lat": 48.85, "lon": 2.35},
    ),
    # Coordination.
    "board": route(
        "GET",
        "/coops/alpha/coordination/board",
        {"coordinator"},
        refused=DENIED,
        job="assigned_ride",
    ),
    "assign": route(
        "POST",
        "/coops/alpha/jobs/{job}/assign",
        {"coordinator"},
        refused=DENIED,
        job="open_ride",
        body=lambda w, r: {"worker_id": w.user("other_worker").pk},
    ),
    "decide": route(
        "POST",
        "/coops/alpha/cases/{case}/decide",
        {"coordinator"},
        refused=DENIED,
        body={"outcome": "noted", "decision": "Noted; no change to the price."},
    ),
    "invoices": route(
        "GET",
        "/coops/alpha/invoices",
        SIGNED_IN,
        job="invoice",
        sees_address=frozenset({"board"}),
        sees_names=frozenset({"board"}),
    ),
    "issue an invoice": route(
        "POST",
        "/coops/alpha/invoices",
        {"coordinator", "board"},
        status=201,
        refused=DENIED,
        job="settled_ride",
        body=_invoice,
        sees_address=frozenset({"board"}),
        sees_names=frozenset({"board"}),
    ),
    "invoice PDF": route(
        "GET",
        "/coops/alpha/invoices/{invoice}.pdf",
        {"client", "coordinator", "board"},
        refused=(404, "invoice_not_found"),
    ),
    "zones": route("GET", "/coops/alpha/zones", SIGNED_IN, public=True),
    "add a zone": route(
        "POST",
        "/coops/alpha/zones",
        {"coordinator", "board"},
        status=201,
        refused=DENIED,
        body={"code": "lyon", "name": "Lyon", "polygon": LYON},
    ),
    "notifications": route("GET", "/coops/alpha/notifications", SIGNED_IN, job="settled_ride"),
    "read notifications": route(
        "POST", "/coops/alpha/notifications/read", SIGNED_IN, body={"ids": None}
    ),
}

CASES = [(name, role) for name in MATRIX for role in ROLES]


def _path(world: MarketWorld, spec: Route) -> str:
    ids: dict[str, Any] = {}
    if spec.job is not None:
        built = world.job(spec.job)
        ids["job"] = built.pk
    if "{offer}" in spec.path:
        ids["offer"] = world.job("offer").pk
    if "{case}" in spec.path:
        ids["case"] = world.job("case").pk
    if "{invoice}" in spec.path:
        ids["invoice"] = world.job("invoice").pk
    return spec.path.format(**ids)


def _sees_job(world: MarketWorld, spec: Route, role: str) -> bool:
    """The people on a job see it; other workers see it while it is open or assigned."""
    if role in ON_JOB:
        return True
    job = world.job("case").job if "{case}" in spec.path else None
    if spec.job is not None:
        job = world.job(spec.job)
    status = getattr(job, "status", None) if isinstance(job, Job) else None
    return role in WORKERS and status in ("open", "assigned")


def _send(world: MarketWorld, spec: Route, role: str, path: str, body: Any, lang: str) -> Any:
    api = Api(world.users[role])
    if spec.multipart:
        photo = SimpleUploadedFile("door.jpg", b"\xff\xd8\xff\xe0 jpeg", "image/jpeg")
        field = "evidence" if "with-evidence" in path else "photo"
        return api.client.post(
            f"/api/v1{path}", {**(body or {}), field: photo}, headers={"Accept-Language": lang}
        )
    return api.request(
        spec.method, path, body, headers={"Idempotency-Key": f"matrix-{role}"}, lang=lang
    )


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_marketplace_permission_matrix(
    market: MarketWorld, name: str, role: str, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    spec = MATRIX[name]
    path = _path(market, spec)
    body = spec.body(market, role) if callable(spec.body) else spec.body
    status, code = spec.expected(role, _sees_job(market, spec, role))
    before = counts()

    response = _send(market, spec, role, path, body, "en")
    assert response.status_code == status, (name, role, response.content[:400])
    text = response.content.decode(errors="replace")
    if code is not None:
        english = response.json()
        assert english["code"] == code, english
        assert counts() == before, "a refused request wrote something"
        french = _send(market, spec, role, path, body, "fr")
        assert (french.status_code, french.json()["code"]) == (status, code)
        assert french.json()["message"] != english["message"], "the message ignores the language"
        assert counts() == before
        text += french.content.decode()
        for secret in SECRETS:
            assert secret not in text, f"{name}: a refusal leaked {secret!r} to {role}"
    elif role in OUTSIDERS:
        hidden = set(NAMES) - (set(NAMES) if role in spec.sees_names else set())
        if role not in spec.sees_address:
            hidden |= set(SECRETS) - set(NAMES)
        for secret in hidden:
            assert secret not in text, f"{name} showed {secret!r} to {role}"


MARKET_TAGS = {"jobs", "work", "coordination", "notifications"}


def test_the_matrix_covers_every_marketplace_route(db: None) -> None:
    from coopwork.api.api import api

    schema = api.get_openapi_schema()
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if set(operation.get("tags", ())) & MARKET_TAGS
    }
    covered = {(r.method, _template(r.path)) for r in MATRIX.values()}
    assert routes == covered


def _template(path: str) -> str:
    return (
        path.split("?")[0]
        .replace("/coops/alpha", "/coops/{slug}")
        .replace("jobs/{job}", "jobs/{job_id}")
        .replace("offers/{offer}", "offers/{offer_id}")
        .replace("cases/{case}", "cases/{case_id}")
        .replace("invoices/{invoice}", "invoices/{invoice_id}")
        .replace("transitions/publish", "transitions/{transition}")
        .replace("transitions/no_show", "transitions/{transition}")
        .replace("transitions/close_no_show", "transitions/{transition}")
    )


def test_another_coops_ids_are_not_found_through_their_own_coop(market: MarketWorld) -> None:
    """Fred coordinates co-op beta. Through beta's paths, alpha's jobs, offers, cases and
    invoices do not exist: every lookup is made within the co-op of the path."""
    fred = Api(market.users["foreign_coordinator"])
    job = market.job("completed_ride")
    offer, case, invoice = market.job("offer"), market.job("case"), market.job("invoice")
    walter = market.user("worker").pk
    calls: list[tuple[str, str, Any, tuple[int, str]]] = [
        ("GET", f"/coops/beta/jobs/{job.pk}", None, NOT_FOUND),
        ("GET", f"/coops/beta/jobs/{job.pk}/receipt", None, NOT_FOUND),
        ("GET", f"/coops/beta/jobs/{job.pk}/messages", None, NOT_FOUND),
        ("POST", f"/coops/beta/jobs/{job.pk}/messages", {"body": "hi"}, NOT_FOUND),
        ("POST", f"/coops/beta/jobs/{job.pk}/approve", None, NOT_FOUND),
        ("POST", f"/coops/beta/jobs/{job.pk}/cancel", {}, NOT_FOUND),
        ("POST", f"/coops/beta/jobs/{job.pk}/send-home", {"worker_id": walter}, NOT_FOUND),
        ("POST", f"/coops/beta/jobs/{job.pk}/no-show", {"worker_id": walter}, NOT_FOUND),
        ("POST", f"/coops/beta/jobs/{job.pk}/assign", {"worker_id": walter}, NOT_FOUND),
        ("POST", f"/coops/beta/jobs/{job.pk}/depart", None, NOT_FOUND),
        ("POST", f"/coops/beta/jobs/{job.pk}/release", None, NOT_FOUND),
        (
            "POST",
            f"/coops/beta/jobs/{job.pk}/ratings",
            {"ratee_id": walter, "score": 5},
            NOT_FOUND,
        ),
        (
            "POST",
            f"/coops/beta/jobs/{job.pk}/cases",
            {"kind": "incident", "summary": "x", "statement": "y"},
            NOT_FOUND,
        ),
        ("POST", f"/coops/beta/offers/{offer.pk}/accept", None, (404, "offer_not_found")),
        ("POST", f"/coops/beta/offers/{offer.pk}/refuse", None, (404, "offer_not_found")),
        (
            "POST",
            f"/coops/beta/cases/{case.pk}/decide",
            {"outcome": "noted", "decision": "x"},
            (404, "case_not_found"),
        ),
        (
            "POST",
            f"/coops/beta/cases/{case.pk}/statements",
            {"text": "x"},
            (404, "case_not_found"),
        ),
        ("GET", f"/coops/beta/invoices/{invoice.pk}.pdf", None, (404, "invoice_not_found")),
    ]
    for method, path, body, (status, code) in calls:
        before = counts()
        response = fred.request(method, path, body, headers={"Idempotency-Key": path})
        assert (response.status_code, response.json()["code"]) == (status, code), path
        assert counts() == before, path
        for secret in SECRETS:
            assert secret not in response.content.decode(), (path, secret)
    # Beta's own lists show none of alpha's jobs.
    for path in ("/coops/beta/jobs?role=coordinator", "/coops/beta/coordination/board"):
        response = fred.get(path)
        assert response.status_code == 200
        for secret in SECRETS:
            assert secret not in response.content.decode(), (path, secret)
