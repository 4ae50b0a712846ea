"""Optional routing through an OSRM server (``OSRM_URL``). Never called when it is not set.

Returns road distance and duration between two points; on any failure the caller falls back to
the great-circle estimate, so a routing outage never blocks a booking.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from .geo import Point

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    distance_m: int
    duration_s: int


class OsrmClient:
    def __init__(self, base_url: str, *, profile: str = "driving", timeout: float = 2.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("OSRM_URL must be an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout = timeout

    def route(self, a: Point, b: Point) -> Route | None:
        url = (
            f"{self.base_url}/route/v1/{self.profile}/"
            f"{a.lon:.6f},{a.lat:.6f};{b.lon:.6f},{b.lat:.6f}?overview=false"
        )
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
                data = json.load(response)
        except (urllib.error.URLError, TimeoutError, ValueError, OSError) as exc:
            logger.warning("OSRM request failed: %s", exc)
            return None
        if data.get("code") != "Ok" or not data.get("routes"):
            logger.warning("OSRM returned no route: %s", data.get("code"))
            return None
        best = data["routes"][0]
        return Route(distance_m=round(best["distance"]), duration_s=round(best["duration"]))
