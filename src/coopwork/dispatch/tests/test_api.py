"""Dispatch under /api/v1: rounds, running a round, a worker's explained offer, settings and the
fairness curve, with their permission matrix (every dispatch route, every kind of caller)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from coopwork import testing
from coopwork.core.services import role_grant
from coopwork.dispatch.models import DispatchRound
from coopwork.dispatch.services import dispatch_round_run
from coopwork.marketplace.models import Offer

from .world import RIVOLI, City, make_city, near

pytestmark = pytest.mark.django_db
API = "/api/v1/coops/alpha"
# Dispatch's paths in openapi.json (api/tests/test_openapi.py checks the whole list).
DISPATCH_PATHS = {
    "/api/v1/coops/{slug}/dispatch/rounds": {"get", "post"},
    "/api/v1/coops/{slug}/dispatch/rounds/{round_id}": {"get"},
    "/api/v1/coops/{slug}/dispatch/offers/{offer_id}": {"get"},
    "/api/v1/coops/{slug}/dispatch/settings": {"get"},
    "/api/v1/coops/{slug}/dispatch/fairness-curve": {"get"},
}


@pytest.fixture
def city(db) -> City:
    cache.clear()
    now = timezone.now()
    city = make_city()
    city.worker("nadia", at=near(RIVOLI, 400), now=now)
    city.worker("bertrand", at=near(RIVOLI, 1400), now=now)
    city.worker("quentin", at=near(RIVOLI, 2600), now=now)
    city.ride(now)
    dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=now)
    return city


def call(user, method: str, path: str, body: Any = None, lang: str = "en") -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    headers = {"Accept-Language": lang}
    if method == "GET":
        return client.get(API + path, headers=headers)
    return client.post(
        API + path, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


def callers(city: City) -> dict[str, Any]:
    def with_role(name: str, role: str | None) -> Any:
        user = testing.make_user(name)
        if role:
            role_grant(cooperative=city.coop, user=user, role=role, actor=None)
        return user

    other = make_city("beta")
    return {
        "anonymous": None,
        "stranger": with_role("stranger", None),
        "member": with_role("member1", "member"),
        "worker": city.workers["nadia"],
        "other_worker": city.workers["bertrand"],
        "coordinator": city.coordinator,
        "board": with_role("boardy1", "board"),
        "admin": with_role("admin1", "admin"),
        "foreign_coordinator": other.coordinator,
    }


READERS = {"coordinator", "board", "admin"}
ROLE_HOLDERS = {"member", "worker", "other_worker", "coordinator", "board", "admin"}


def matrix(city: City) -> list[tuple[str, str, Any, set[str], int, dict[str, int]]]:
    rnd = DispatchRound.objects.get()
    offer = Offer.objects.get()
    return [
        ("GET", "/dispatch/rounds", None, READERS, 200, {}),
        ("GET", f"/dispatch/rounds/{rnd.pk}", None, READERS, 200, {}),
        (
            "POST",
            "/dispatch/rounds",
            {"zone_id": city.zone.pk},
            {"coordinator"},
            201,
            {},
        ),
        (
            "GET",
            f"/dispatch/offers/{offer.pk}",
            None,
            {"worker"},
            200,
            # other people's offers are simply not found
            dict.fromkeys(
                (
                    "stranger",
                    "member",
                    "other_worker",
                    "coordinator",
                    "board",
                    "admin",
                    "foreign_coordinator",
                ),
                404,
            ),
        ),
        ("GET", "/dispatch/settings", None, ROLE_HOLDERS, 200, {}),
        ("GET", "/dispatch/fairness-curve", None, ROLE_HOLDERS, 200, {}),
    ]


def test_permission_matrix(city):
    people = callers(city)
    for method, path, body, allowed, ok, special in matrix(city):
        for name, user in people.items():
            before = (DispatchRound.objects.count(), Offer.objects.count())
            response = call(user, method, path, body)
            if name in special:
                expected = special[name]
            elif name in allowed:
                expected = ok
            else:
                expected = 401 if user is None else 403
            assert response.status_code == expected, (method, path, name, response.content)
            if expected >= 400:
                assert (DispatchRound.objects.count(), Offer.objects.count()) == before
                assert "code" in response.json()


def test_the_matrix_covers_every_dispatch_route(city):
    schema = Client().get("/api/v1/openapi.json").json()
    routes = {
        (method.upper(), path.removeprefix(API.replace("alpha", "{slug}")))
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if "dispatch" in op.get("tags", ())
    }
    rnd, offer = DispatchRound.objects.get(), Offer.objects.get()
    covered = {
        (
            m,
            p.replace(f"offers/{offer.pk}", "offers/{offer_id}").replace(
                f"rounds/{rnd.pk}", "rounds/{round_id}"
            ),
        )
        for m, p, *_ in matrix(city)
    }
    assert routes == covered


def test_a_round_over_the_api_with_every_pair_explained(city):
    response = call(city.coordinator, "GET", "/dispatch/rounds")
    [summary] = response.json()
    assert summary["offers_made"] == 1 and summary["zone"] == "paris"
    detail = call(city.coordinator, "GET", f"/dispatch/rounds/{summary['id']}").json()
    [decision] = detail["decisions"]
    assert decision["status"] == "offered" and decision["worker"] == city.workers["nadia"].pk
    assert [t["name"] for t in decision["terms"]] == ["eta", "waiting", "fairness"]
    assert len(decision["alternatives_eta_s"]) == 2
    assert detail["settings"]["weights"]["fairness"] == 540


def test_the_worker_reads_the_offer_in_plain_words_in_both_languages(city):
    offer = Offer.objects.get()
    en = call(city.workers["nadia"], "GET", f"/dispatch/offers/{offer.pk}").json()
    assert en["explanation"]["eta_s"] > 0
    assert en["summary"][0] == "You are about 0.9 min from the pick-up (0.4 km)."
    assert "The two nearest other workers considered were 3 min and 5.6 min away." in en["summary"]
    fr = call(city.workers["nadia"], "GET", f"/dispatch/offers/{offer.pk}", lang="fr").json()
    assert fr["summary"][0] == "Vous êtes à environ 0,9 min du point de prise en charge (0,4 km)."


def test_bad_input_is_refused_with_a_code_and_nothing_written(city):
    before = DispatchRound.objects.count()
    for body, status, code in (
        ({"zone_id": 999_999}, 404, "zone_not_found"),
        ({"zone_id": "1"}, 422, None),
        ({"zone_id": 1, "extra": True}, 422, None),
        ({}, 422, None),
    ):
        response = call(city.coordinator, "POST", "/dispatch/rounds", body)
        assert response.status_code == status, response.content
        if code:
            assert response.json()["code"] == code
    assert call(city.coordinator, "GET", "/dispatch/rounds?limit=0").status_code == 422
    assert call(city.coordinator, "GET", "/dispatch/rounds/0").status_code == 422
    assert DispatchRound.objects.count() == before


def test_the_curve_over_the_api(city):
    data = call(city.workers["nadia"], "GET", "/dispatch/fairness-curve").json()
    assert data["current_weight"] == 540 and data["jobs"] == 0 and data["enough"] is False
    settings = call(city.workers["nadia"], "GET", "/dispatch/settings").json()
    assert settings["radius_m"] == 5000 and settings["round_seconds"] == 10
