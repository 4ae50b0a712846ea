"""Routing: great-circle by default, OSRM only when OSRM_URL is set, fallback when it fails."""

from __future__ import annotations

import pytest

from coopwork.marketplace.geo import Point, eta_seconds
from coopwork.marketplace.osrm import OsrmClient
from coopwork.marketplace.routing import Leg, route
from coopwork.marketplace.services import job_book

from .fake_osrm import closed_port_url, fake_osrm_server
from .helpers import RIVOLI, RIVOLI_ORSAY_M, at, make_client, ride_request, weekday

A = Point(RIVOLI.lat, RIVOLI.lon)
B = Point(48.8600, 2.3266)
SPEEDS = {"bike": 15, "cargo_bike": 12, "car": 28}


@pytest.fixture
def osrm(settings):
    with fake_osrm_server() as server:
        settings.OSRM_URL = server.url
        yield server


def test_without_osrm_url_the_adapter_is_never_called(settings, monkeypatch):
    settings.OSRM_URL = ""

    def boom(self, a, b):
        raise AssertionError("OSRM must not be called when OSRM_URL is unset")

    monkeypatch.setattr(OsrmClient, "route", boom)
    # 2492 m; bike 15 km/h → 598.08 → 599 s; car 28 km/h → 320.4 → 321 s
    assert route(A, B, vehicle="bike", speeds=SPEEDS) == Leg(RIVOLI_ORSAY_M, 599, "great_circle")
    assert route(A, B, vehicle="car", speeds=SPEEDS) == Leg(RIVOLI_ORSAY_M, 321, "great_circle")


def test_unknown_vehicle_uses_15_kmh(settings):
    settings.OSRM_URL = ""
    assert route(A, B, vehicle="hovercraft", speeds=SPEEDS).duration_s == eta_seconds(
        RIVOLI_ORSAY_M, 15
    )


def test_with_osrm_url_the_road_route_is_used(osrm):
    assert route(A, B, vehicle="car", speeds=SPEEDS) == Leg(5000, 900, "osrm")
    assert route(A, B, vehicle="cargo_bike", speeds=SPEEDS) == Leg(5000, 900, "osrm")
    assert [p.split("/")[3] for p in osrm.paths] == ["driving", "bike"]


@pytest.mark.parametrize(("status", "body"), [(500, {"code": "x"}), (200, {"code": "NoRoute"})])
def test_falls_back_to_great_circle_when_osrm_errors(osrm, status, body):
    osrm.status, osrm.body = status, body
    assert route(A, B, vehicle="bike", speeds=SPEEDS) == Leg(RIVOLI_ORSAY_M, 599, "great_circle")
    assert len(osrm.paths) == 1


def test_falls_back_to_great_circle_when_osrm_is_down(settings):
    settings.OSRM_URL = closed_port_url()
    assert route(A, B, vehicle="car", speeds=SPEEDS) == Leg(RIVOLI_ORSAY_M, 321, "great_circle")


@pytest.mark.django_db
def test_a_booking_is_priced_on_the_osrm_route(coop, osrm):
    job = job_book(
        cooperative=coop, client=make_client("rider"), request=ride_request(at(weekday(3), 10))
    )
    assert (job.distance_m, job.duration_s) == (5000, 900)
    # base 250 + 5 km × 110 = 550 + 15 min × 30 = 450 → 1250
    assert [(line["code"], line["amount"]) for line in job.quote["lines"]] == [
        ("base", 250),
        ("distance", 550),
        ("duration", 450),
    ]
    assert job.quote["split"]["total"] == 1500  # 1250 + 20 % VAT


@pytest.mark.django_db
def test_a_booking_still_works_when_osrm_is_down(coop, settings):
    settings.OSRM_URL = closed_port_url()
    job = job_book(
        cooperative=coop, client=make_client("rider"), request=ride_request(at(weekday(3), 10))
    )
    assert (job.distance_m, job.duration_s) == (RIVOLI_ORSAY_M, 321)
