"""Distance and duration between two points: OSRM when ``OSRM_URL`` is set, else great-circle
distance at the vehicle's governed average speed."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .geo import Point, eta_seconds, haversine_m
from .osrm import OsrmClient


@dataclass(frozen=True)
class Leg:
    distance_m: int
    duration_s: int
    source: str  # "osrm" or "great_circle"


def route(a: Point, b: Point, *, vehicle: str, speeds: dict[str, int]) -> Leg:
    url = getattr(settings, "OSRM_URL", "")
    if url:
        found = OsrmClient(
            url, profile="bike" if vehicle in {"bike", "cargo_bike"} else "driving"
        ).route(a, b)
        if found is not None:
            return Leg(found.distance_m, found.duration_s, "osrm")
    distance = haversine_m(a, b)
    return Leg(distance, eta_seconds(distance, int(speeds.get(vehicle, 15))), "great_circle")
