"""Pricing is pure: every rule, the exact split and the pay-floor top-up, without the database.

Expected amounts are worked out by hand in the comments (minor units, EUR cents).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopwork.marketplace.pricing import (
    PriceInput,
    PriceRules,
    TimeWindowSurcharge,
    pay_floor_topup,
    quote,
    share_adjusted_net,
    split_price,
)

PARIS = ZoneInfo("Europe/Paris")
WED_10H = dt.datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)  # a Wednesday
COMMISSION = Fraction(12, 100)
VAT = Fraction(20, 100)

NIGHT_FRIDAY = TimeWindowSurcharge(
    code="friday_night",
    weekdays=(4,),
    start=dt.time(22, 0),
    end=dt.time(6, 0),
    percent=Fraction(25),
)
SUNDAY = TimeWindowSurcharge(
    code="sunday", weekdays=(6,), start=dt.time(0, 0), end=dt.time(23, 59, 59), percent=Fraction(20)
)


def lines(q) -> list[tuple[str, int]]:
    return [(line.code, line.amount) for line in q.lines]


def price(rules: PriceRules, job: PriceInput, commission=COMMISSION, vat=VAT):
    return quote(rules, job, commission_rate=commission, vat_rate=vat)


# --- Each rule --------------------------------------------------------------------------------


def test_base_per_km_and_per_minute():
    rules = PriceRules(currency="EUR", base=250, per_km=110, per_minute=30)
    q = price(rules, PriceInput(start=WED_10H, distance_m=2345, duration_s=600))
    # base 250; 2.345 km × 110 = 257.95 → 258; 10 min × 30 = 300
    assert lines(q) == [("base", 250), ("distance", 258), ("duration", 300)]
    # net 808; co-op 808 × 12 % = 96.96 → 97; worker 711; VAT 808 × 20 % = 161.6 → 162
    assert q.split.as_dict() == {
        "net": 808,
        "worker": 711,
        "coop": 97,
        "vat": 162,
        "total": 970,
        "commission_rate": "3/25",
        "vat_rate": "1/5",
    }
    assert q.currency == "EUR"
    assert q.lines[1].detail == "2.345 km × 110"
    assert q.lines[2].detail == "10.0 min × 30"


def test_rounding_is_exact_and_ties_go_to_even():
    rules = PriceRules(currency="EUR", per_km=1)
    # 2.5 km × 1 = 2.5 → 2 (tie to even); 3.5 km × 1 = 3.5 → 4
    assert lines(price(rules, PriceInput(start=WED_10H, distance_m=2500))) == [("distance", 2)]
    assert lines(price(rules, PriceInput(start=WED_10H, distance_m=3500))) == [("distance", 4)]


def test_per_hour_times_positions():
    rules = PriceRules(currency="EUR", per_hour=2000)
    q = price(rules, PriceInput(start=WED_10H, hours=Fraction(15, 2), positions=3))
    # 3 positions × 7.5 h × 2000 = 45000
    assert lines(q) == [("hours", 45000)]
    assert q.lines[0].detail == "3 × 7.5 h × 2000"
    # co-op 45000 × 12 % = 5400; worker 39600; VAT 9000; total 54000
    assert (q.split.net, q.split.worker, q.split.coop, q.split.vat, q.split.total) == (
        45000,
        39600,
        5400,
        9000,
        54000,
    )


def test_zone_surcharge_is_a_percentage_of_the_lines_above():
    rules = PriceRules(currency="EUR", base=250, per_km=110, zone_percent={"centre": Fraction(10)})
    q = price(rules, PriceInput(start=WED_10H, distance_m=2000, zone="centre"))
    # base 250 + 2 km × 110 = 220 → subtotal 470; zone 10 % = 47
    assert lines(q) == [("base", 250), ("distance", 220), ("zone", 47)]
    assert q.split.net == 517
    # A zone without a surcharge adds nothing.
    other = price(rules, PriceInput(start=WED_10H, distance_m=2000, zone="suburbs"))
    assert lines(other) == [("base", 250), ("distance", 220)]


def test_fractional_zone_percent():
    rules = PriceRules(currency="EUR", base=1001, zone_percent={"z": Fraction(25, 2)})
    # 1001 × 12.5 % = 125.125 → 125
    assert lines(price(rules, PriceInput(start=WED_10H, zone="z"))) == [
        ("base", 1001),
        ("zone", 125),
    ]


@pytest.mark.parametrize(
    ("when", "applies"),
    [
        (dt.datetime(2026, 12, 4, 22, 0, tzinfo=PARIS), True),  # Friday 22:00, start inclusive
        (dt.datetime(2026, 12, 4, 23, 30, tzinfo=PARIS), True),  # Friday 23:30
        (dt.datetime(2026, 12, 5, 2, 0, tzinfo=PARIS), True),  # Saturday 02:00: Friday's night
        (dt.datetime(2026, 12, 5, 5, 59, tzinfo=PARIS), True),  # Saturday 05:59
        (dt.datetime(2026, 12, 5, 6, 0, tzinfo=PARIS), False),  # Saturday 06:00, end exclusive
        (dt.datetime(2026, 12, 4, 21, 59, tzinfo=PARIS), False),  # Friday 21:59
        (dt.datetime(2026, 12, 4, 2, 0, tzinfo=PARIS), False),  # Friday 02:00: Thursday's night
        (dt.datetime(2026, 12, 5, 23, 0, tzinfo=PARIS), False),  # Saturday 23:00
    ],
)
def test_time_window_that_wraps_past_midnight(when, applies):
    assert NIGHT_FRIDAY.applies(when) is applies
    rules = PriceRules(currency="EUR", base=1000, windows=(NIGHT_FRIDAY,))
    expected = [("base", 1000), ("time_window", 250)] if applies else [("base", 1000)]
    # 1000 × 25 % = 250 when the job starts inside the window
    assert lines(price(rules, PriceInput(start=when))) == expected


@pytest.mark.parametrize(
    ("when", "applies"),
    [
        (dt.datetime(2026, 12, 6, 0, 0, tzinfo=PARIS), True),  # Sunday 00:00
        (dt.datetime(2026, 12, 6, 12, 0, tzinfo=PARIS), True),  # Sunday noon
        (dt.datetime(2026, 12, 6, 23, 59, tzinfo=PARIS), True),  # Sunday 23:59
        (dt.datetime(2026, 12, 5, 23, 59, tzinfo=PARIS), False),  # Saturday 23:59
        (dt.datetime(2026, 12, 7, 0, 30, tzinfo=PARIS), False),  # Monday 00:30
    ],
)
def test_sunday_window(when, applies):
    assert SUNDAY.applies(when) is applies


def test_windows_and_zone_stack_on_the_same_subtotal():
    sunday_night = dt.datetime(2026, 12, 6, 23, 0, tzinfo=PARIS)
    every_night = TimeWindowSurcharge(
        "night", tuple(range(7)), dt.time(22), dt.time(6), Fraction(25)
    )
    rules = PriceRules(
        currency="EUR",
        base=2000,
        zone_percent={"centre": Fraction(10)},
        windows=(every_night, SUNDAY),
    )
    q = price(rules, PriceInput(start=sunday_night, zone="centre"))
    # subtotal 2000; zone 10 % = 200; night 25 % = 500; Sunday 20 % = 400 → net 3100
    assert lines(q) == [("base", 2000), ("zone", 200), ("time_window", 500), ("time_window", 400)]
    assert q.split.net == 3100


def test_minimum_tops_the_net_price_up():
    rules = PriceRules(currency="EUR", base=250, per_km=110, minimum=700)
    q = price(rules, PriceInput(start=WED_10H, distance_m=1000))
    # 250 + 110 = 360 < 700: minimum line 340
    assert lines(q) == [("base", 250), ("distance", 110), ("minimum", 340)]
    assert q.split.net == 700
    # co-op 700 × 12 % = 84; worker 616; VAT 140; total 840
    assert (q.split.worker, q.split.coop, q.split.vat, q.split.total) == (616, 84, 140, 840)
    # Exactly at the minimum: no line.
    exact = price(rules, PriceInput(start=WED_10H, distance_m=4000))  # 250 + 440 = 690
    assert lines(exact) == [("base", 250), ("distance", 440), ("minimum", 10)]
    above = price(rules, PriceInput(start=WED_10H, distance_m=5000))  # 250 + 550 = 800
    assert lines(above) == [("base", 250), ("distance", 550)]


def test_minimum_applies_after_surcharges():
    rules = PriceRules(currency="EUR", base=600, minimum=700, windows=(SUNDAY,))
    sunday = dt.datetime(2026, 12, 6, 12, 0, tzinfo=PARIS)
    # 600 + 20 % = 720 ≥ 700: no minimum line
    assert lines(price(rules, PriceInput(start=sunday))) == [("base", 600), ("time_window", 120)]


def test_fixed_price_replaces_the_metered_rules():
    rules = PriceRules(currency="EUR", base=250, per_km=110, per_minute=30, per_hour=2800)
    q = price(
        rules,
        PriceInput(start=WED_10H, distance_m=9000, duration_s=3600, hours=Fraction(3), fixed=12000),
    )
    assert lines(q) == [("fixed", 12000)]
    assert q.lines[0].detail == "1 × 12000"
    # co-op 1440; worker 10560; VAT 2400; total 14400
    assert (q.split.net, q.split.worker, q.split.coop, q.split.vat, q.split.total) == (
        12000,
        10560,
        1440,
        2400,
        14400,
    )


def test_fixed_price_is_the_price_agreed():
    # No minimum, no zone or Sunday surcharge: the client and worker agreed on this amount.
    rules = PriceRules(
        currency="EUR",
        minimum=2500,
        zone_percent={"centre": Fraction(10)},
        windows=(
            TimeWindowSurcharge("all", tuple(range(7)), dt.time(0), dt.time(23, 59), Fraction(20)),
        ),
    )
    assert lines(price(rules, PriceInput(start=WED_10H, fixed=1000, zone="centre"))) == [
        ("fixed", 1000),
    ]


def test_zero_commission_and_zero_vat():
    q = price(PriceRules(currency="EUR", base=999), PriceInput(start=WED_10H), Fraction(0), 0)
    assert (q.split.worker, q.split.coop, q.split.vat, q.split.total) == (999, 0, 0, 999)


@pytest.mark.parametrize(
    "job",
    [
        PriceInput(start=WED_10H, positions=0),
        PriceInput(start=WED_10H, distance_m=-1),
        PriceInput(start=WED_10H, duration_s=-1),
        PriceInput(start=WED_10H, hours=Fraction(-1)),
        PriceInput(start=WED_10H, fixed=-1),
    ],
)
def test_negative_quantities_are_refused(job):
    with pytest.raises(ValueError):
        price(PriceRules(currency="EUR", base=100), job)


def test_split_refuses_a_negative_price():
    with pytest.raises(ValueError):
        split_price(-1, commission_rate=COMMISSION, vat_rate=VAT)


def test_quote_as_dict():
    q = price(PriceRules(currency="EUR", base=1000), PriceInput(start=WED_10H))
    assert q.as_dict() == {
        "currency": "EUR",
        "lines": [{"code": "base", "amount": 1000, "detail": "per job"}],
        "split": {
            "net": 1000,
            "worker": 880,
            "coop": 120,
            "vat": 200,
            "total": 1200,
            "commission_rate": "3/25",
            "vat_rate": "1/5",
        },
    }


# --- The split is exact: property over random rules and inputs ----------------------------------

ratios = st.fractions(min_value=0, max_value=1, max_denominator=1000)
percents = st.fractions(min_value=0, max_value=300, max_denominator=100)
times = st.times().map(lambda t: t.replace(microsecond=0))
windows = st.builds(
    TimeWindowSurcharge,
    code=st.sampled_from(["night", "sunday", "rush"]),
    weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(tuple),
    start=times,
    end=times,
    percent=percents,
)
rules_strategy = st.builds(
    PriceRules,
    currency=st.just("EUR"),
    base=st.integers(0, 100_000),
    per_km=st.integers(0, 10_000),
    per_minute=st.integers(0, 10_000),
    per_hour=st.integers(0, 100_000),
    minimum=st.integers(0, 1_000_000),
    zone_percent=st.dictionaries(st.sampled_from(["a", "b", "c"]), percents, max_size=3),
    windows=st.lists(windows, max_size=3).map(tuple),
)
inputs = st.builds(
    PriceInput,
    start=st.datetimes(
        min_value=dt.datetime(2026, 1, 1),
        max_value=dt.datetime(2030, 12, 31),
        timezones=st.just(PARIS),
    ),
    distance_m=st.integers(0, 500_000),
    duration_s=st.integers(0, 86_400),
    hours=st.fractions(min_value=0, max_value=16, max_denominator=3600),
    positions=st.integers(1, 50),
    zone=st.sampled_from(["", "a", "b", "z"]),
    fixed=st.none() | st.integers(0, 10_000_000),
)


@settings(max_examples=120, deadline=None)
@given(rules=rules_strategy, job=inputs, commission=ratios, vat=ratios)
def test_the_split_always_adds_up(rules, job, commission, vat):
    q = price(rules, job, commission, vat)
    s = q.split
    assert sum(line.amount for line in q.lines) == s.net
    assert s.worker + s.coop == s.net
    assert s.net + s.vat == s.total
    if job.fixed is None:
        assert s.net >= rules.minimum
    else:  # a fixed price is the price agreed
        assert s.net == job.fixed * job.positions
    assert min(s.worker, s.coop, s.vat) >= 0
    assert all(line.amount >= 0 for line in q.lines)
    # The co-op's part is the rate of the net, to the nearest unit.
    assert abs(s.coop - s.net * commission) <= Fraction(1, 2)
    assert abs(s.vat - s.net * vat) <= Fraction(1, 2)


@settings(max_examples=100, deadline=None)
@given(net=st.integers(0, 10**12), commission=ratios, vat=ratios)
def test_split_price_is_exact(net, commission, vat):
    s = split_price(net, commission_rate=commission, vat_rate=vat)
    assert (s.worker + s.coop, s.net + s.vat) == (net, s.total)
    assert s.coop == round(Fraction(net) * commission)


# --- Pay floor -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("worker_part", "engaged_seconds", "floor", "expected"),
    [
        (1000, 7200, 1450, 1900),  # 2 h × 1450 = 2900; 2900 − 1000 = 1900
        (2900, 7200, 1450, 0),  # exactly the floor
        (5000, 7200, 1450, 0),  # above the floor
        (0, 1800, 1450, 725),  # ½ h × 1450 = 725
        (100, 0, 1450, 0),  # no engaged time
        (0, -5, 1450, 0),  # nonsense time pays nothing
        (0, 1, 1450, 0),  # 1 s × 1450/3600 = 0.40 → 0
        (0, 5, 1450, 2),  # 5 s → 2.01 → 2
        (616, 4800, 1450, 1317),  # 80 min × 1450 = 1933.33 → 1933; 1933 − 616 = 1317
    ],
)
def test_pay_floor_topup(worker_part, engaged_seconds, floor, expected):
    assert (
        pay_floor_topup(
            worker_part=worker_part, engaged_seconds=engaged_seconds, floor_per_hour=floor
        )
        == expected
    )


# --- Rules round-trip through their stored form -----------------------------------------------


def test_price_rules_round_trip():
    rules = PriceRules(
        currency="EUR",
        base=250,
        per_km=110,
        per_minute=30,
        per_hour=2800,
        minimum=700,
        zone_percent={"centre": Fraction(10), "airport": Fraction(25, 2)},
        windows=(NIGHT_FRIDAY, SUNDAY),
    )
    stored = rules.as_dict()
    assert stored["zone_percent"] == {"centre": "10", "airport": "25/2"}
    assert stored["windows"][0] == {
        "code": "friday_night",
        "weekdays": [4],
        "start": "22:00:00",
        "end": "06:00:00",
        "percent": "25",
    }
    assert PriceRules.from_dict(stored) == rules
    assert PriceRules.from_dict(stored).as_dict() == stored


def test_price_rules_from_a_sparse_dict():
    assert PriceRules.from_dict({"currency": "EUR", "base": "250"}) == PriceRules(
        currency="EUR", base=250
    )


@settings(max_examples=100, deadline=None)
@given(rules=rules_strategy)
def test_price_rules_round_trip_property(rules):
    assert PriceRules.from_dict(rules.as_dict()) == rules


# --- A dispute's adjusted price, shared between the workers' lines ------------------------------


def test_an_adjusted_price_is_shared_in_proportion_to_each_line():
    # 4001 over lines of 6000 and 2000: 3000.75 and 1000.25, the unit left goes to the larger
    # remainder.
    assert share_adjusted_net([6000, 2000], 4001) == [3001, 1000]
    assert share_adjusted_net([700], 500) == [500]
    assert share_adjusted_net([100, 100, 100], 100) == [34, 33, 33]  # earliest first on ties
    assert share_adjusted_net([0, 0], 101) == [51, 50]  # nothing priced: equal shares
    assert share_adjusted_net([500, 0], 300) == [300, 0]
    assert share_adjusted_net([500, 300], 0) == [0, 0]


@pytest.mark.parametrize(("nets", "net"), [([100], -1), ([], 100), ([-5, 10], 10)])
def test_an_adjusted_price_is_never_negative_nor_shared_between_nobody(nets, net):
    with pytest.raises(ValueError):
        share_adjusted_net(nets, net)


@given(
    nets=st.lists(st.integers(0, 10**9), min_size=1, max_size=50),
    net=st.integers(0, 10**10),
)
@settings(max_examples=300)
def test_shares_always_add_up_and_stay_within_a_unit_of_the_exact_share(nets, net):
    shares = share_adjusted_net(nets, net)
    assert sum(shares) == net and all(s >= 0 for s in shares)
    weights = nets if sum(nets) else [1] * len(nets)
    for share, weight in zip(shares, weights, strict=True):
        assert abs(Fraction(share) - Fraction(net * weight, sum(weights))) < 1
