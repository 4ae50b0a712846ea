"""Distances, ETAs and service areas. Pure Python, no ORM, no network.

By default distances are great-circle (haversine) and ETAs are distance ÷ a speed per vehicle (a
governed parameter, in km/h). ``osrm.py`` adapts an OSRM server when one is configured.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError("coordinates out of range")


def haversine_m(a: Point, b: Point) -> int:
    """Great-circle distance in whole metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h))))


def eta_seconds(distance_m: int, speed_kmh: int) -> int:
    if speed_kmh <= 0:
        raise ValueError("speed must be positive")
    return math.ceil(distance_m * 3.6 / speed_kmh)


def point_in_polygon(point: Point, polygon: Sequence[tuple[float, float]]) -> bool:
    """Ray casting on (lat, lon) vertices; fine for city-sized zones."""
    inside = False
    n = len(polygon)
    if n < 3:
        return False
    j = n - 1
    for i in range(n):
        yi, xi = polygon[i]
        yj, xj = polygon[j]
        if (yi > point.lat) != (yj > point.lat):
            x_cross = (xj - xi) * (point.lat - yi) / (yj - yi) + xi
            if point.lon < x_cross:
                inside = not inside
        j = i
    return inside
