"""Great-circle distances, ETAs and service areas (pure)."""

from __future__ import annotations

import pytest

from coopwork.marketplace.geo import Point, eta_seconds, haversine_m, point_in_polygon

PARIS = Point(48.8566, 2.3522)
LONDON = Point(51.5074, -0.1278)


def test_paris_london():
    # The great-circle distance between the two city centres is about 343.5 km.
    assert haversine_m(PARIS, LONDON) == pytest.approx(343_500, abs=1_000)
    assert haversine_m(PARIS, LONDON) == 343_557  # pinned: the function is deterministic


def test_known_distances():
    # One degree of latitude on the mean-radius sphere: 2π × 6 371 008.8 m / 360 = 111 195 m.
    assert haversine_m(Point(0, 0), Point(1, 0)) == 111_195
    # Half the circumference: π × 6 371 008.8 m = 20 015 114 m.
    assert haversine_m(Point(0, 0), Point(0, 180)) == 20_015_114
    assert haversine_m(PARIS, PARIS) == 0


def test_distance_is_symmetric():
    assert haversine_m(PARIS, LONDON) == haversine_m(LONDON, PARIS)


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), (-91, 0), (0, 181), (0, -180.5)])
def test_coordinates_out_of_range(lat, lon):
    with pytest.raises(ValueError):
        Point(lat, lon)


@pytest.mark.parametrize(
    ("distance_m", "speed_kmh", "seconds"),
    [
        (1000, 15, 240),  # 1 km at 15 km/h: 1000 × 3.6 / 15 = 240 s
        (1001, 15, 241),  # 240.24 s, rounded up
        (2492, 28, 321),  # 2492 × 3.6 / 28 = 320.4 → 321
        (0, 5, 0),
    ],
)
def test_eta(distance_m, speed_kmh, seconds):
    assert eta_seconds(distance_m, speed_kmh) == seconds


@pytest.mark.parametrize("speed", [0, -10])
def test_eta_needs_a_positive_speed(speed):
    with pytest.raises(ValueError):
        eta_seconds(1000, speed)


SQUARE = [(48.80, 2.25), (48.80, 2.42), (48.91, 2.42), (48.91, 2.25)]
# A "U": the notch between lon 2.30 and 2.37 north of lat 48.85 is outside.
U_SHAPE = [
    (48.80, 2.25),
    (48.80, 2.42),
    (48.91, 2.42),
    (48.91, 2.37),
    (48.85, 2.37),
    (48.85, 2.30),
    (48.91, 2.30),
    (48.91, 2.25),
]


@pytest.mark.parametrize(
    ("point", "polygon", "inside"),
    [
        (Point(48.8566, 2.3522), SQUARE, True),
        (Point(48.95, 2.35), SQUARE, False),  # north
        (Point(48.85, 2.50), SQUARE, False),  # east
        (Point(48.85, 2.20), SQUARE, False),  # west
        (Point(48.88, 2.33), U_SHAPE, False),  # in the notch
        (Point(48.88, 2.27), U_SHAPE, True),  # left arm
        (Point(48.88, 2.40), U_SHAPE, True),  # right arm
        (Point(48.82, 2.33), U_SHAPE, True),  # base
        (Point(48.85, 2.35), [(48.8, 2.3), (48.9, 2.4)], False),  # not a polygon
        (Point(48.85, 2.35), [], False),
    ],
)
def test_point_in_polygon(point, polygon, inside):
    assert point_in_polygon(point, polygon) is inside
