"""The OSRM adapter against a fake OSRM server on 127.0.0.1."""

from __future__ import annotations

import threading

import pytest

from coopwork.marketplace.geo import Point
from coopwork.marketplace.osrm import OsrmClient, Route

from .fake_osrm import closed_port_url, fake_osrm_server

A = Point(48.8556, 2.3600)
B = Point(48.8600, 2.3266)


@pytest.fixture
def osrm():
    with fake_osrm_server() as server:
        yield server


def test_route_from_the_server(osrm):
    assert OsrmClient(osrm.url).route(A, B) == Route(distance_m=5000, duration_s=900)
    # OSRM takes lon,lat pairs.
    assert osrm.paths == ["/route/v1/driving/2.360000,48.855600;2.326600,48.860000?overview=false"]


def test_profile_and_trailing_slash(osrm):
    OsrmClient(osrm.url + "/", profile="bike").route(A, B)
    assert osrm.paths[0].startswith("/route/v1/bike/2.360000,48.855600;")


def test_only_http_urls():
    with pytest.raises(ValueError):
        OsrmClient("file:///etc/passwd")
    with pytest.raises(ValueError):
        OsrmClient("127.0.0.1:5000")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"code": "InternalError"}),
        (200, {"code": "NoRoute", "routes": []}),
        (200, {"code": "Ok", "routes": []}),
        (200, b"this is not json"),
        (400, {"code": "InvalidQuery", "message": "Query string malformed"}),
    ],
)
def test_errors_give_no_route(osrm, status, body):
    osrm.status, osrm.body = status, body
    assert OsrmClient(osrm.url).route(A, B) is None
    assert len(osrm.paths) == 1


def test_server_down_gives_no_route():
    assert OsrmClient(closed_port_url()).route(A, B) is None


def test_slow_server_times_out(osrm):
    osrm.hang = threading.Event()
    assert OsrmClient(osrm.url, timeout=0.2).route(A, B) is None
