"""core.money: integer minor units, currency safety, exact parsing, allocation and display."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopwork.core.money import CURRENCIES, CurrencyMismatch, Money, exponent


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


# --- construction ------------------------------------------------------------------------------


def test_money_holds_minor_units_and_currency():
    m = eur(1050)
    assert m.minor == 1050
    assert m.currency == "EUR"
    assert m.amount == Decimal("10.50")
    assert str(m) == "10.50 EUR"


@pytest.mark.parametrize("minor", [10.5, Decimal("10"), "10", True, None])
def test_money_refuses_anything_but_an_int(minor):
    with pytest.raises(TypeError):
        Money(minor, "EUR")


@pytest.mark.parametrize("currency", ["eur", "EURO", "EU", "", "E1R"])
def test_money_refuses_a_malformed_currency(currency):
    with pytest.raises(ValueError):
        Money(1, currency)


def test_money_is_frozen_and_hashable():
    m = eur(5)
    with pytest.raises(AttributeError):
        m.minor = 6  # type: ignore[misc]
    assert {eur(5), eur(5), Money(5, "USD")} == {eur(5), Money(5, "USD")}


def test_zero():
    assert Money.zero("JPY") == Money(0, "JPY")


def test_exponents():
    assert exponent("EUR") == 2
    assert exponent("JPY") == 0
    assert exponent("KWD") == 3
    assert exponent("XYZ") == 2  # unknown codes default to two decimals
    assert tuple(sorted(CURRENCIES)) == CURRENCIES
    assert "EUR" in CURRENCIES


# --- arithmetic --------------------------------------------------------------------------------


def test_add_sub_neg_mul():
    assert eur(1050) + eur(250) == eur(1300)
    assert eur(1050) - eur(2000) == eur(-950)
    assert -eur(300) == eur(-300)
    assert eur(125) * 4 == eur(500)
    assert 3 * eur(125) == eur(375)


def test_comparisons():
    assert eur(1) < eur(2)
    assert eur(2) <= eur(2)
    assert eur(3) > eur(2)
    assert eur(2) >= eur(2)
    assert not eur(2) < eur(2)
    assert eur(2) != Money(2, "USD")


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_currency_mismatch_is_refused(op):
    with pytest.raises(CurrencyMismatch) as exc:
        op(eur(100), Money(100, "USD"))
    assert str(exc.value) == "EUR vs USD"
    assert isinstance(exc.value, ValueError)


def test_combining_with_a_plain_number_is_refused():
    with pytest.raises(TypeError):
        eur(100) + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur(100) * Decimal("1.5")  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur(100) * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur(100) * True


def test_scale_uses_bankers_rounding_by_default():
    assert eur(1000).scale(Decimal("0.12")) == eur(120)
    assert eur(25).scale(Decimal("0.5")) == eur(12)  # 12.5 -> 12 (half to even)
    assert eur(35).scale(Decimal("0.5")) == eur(18)  # 17.5 -> 18
    assert eur(25).scale(Decimal("0.5"), rounding=ROUND_HALF_UP) == eur(13)
    assert eur(-25).scale(Decimal("0.5")) == eur(-12)


# --- from_decimal ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.50", "EUR", 1250),
        ("12.5", "EUR", 1250),
        ("12", "EUR", 1200),
        (12, "EUR", 1200),
        (Decimal("0.01"), "EUR", 1),
        ("-3.20", "EUR", -320),
        ("1234", "JPY", 1234),
        ("1.000", "JPY", 1),
        ("1.234", "KWD", 1234),
        ("1E+2", "EUR", 10000),
        ("99999999999999.99", "EUR", 9999999999999999),
    ],
)
def test_from_decimal_parses_exactly(amount, currency, minor):
    assert Money.from_decimal(amount, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("12.345", "EUR"),
        ("0.001", "EUR"),
        ("1.5", "JPY"),
        ("1.2345", "KWD"),
    ],
)
def test_from_decimal_refuses_more_precision_than_the_currency_has(amount, currency):
    with pytest.raises(ValueError, match="more decimals than"):
        Money.from_decimal(amount, currency)


@pytest.mark.parametrize("amount", ["abc", "", "NaN", "Infinity", "-inf", "1,50"])
def test_from_decimal_refuses_non_amounts(amount):
    with pytest.raises(ValueError, match="not an amount"):
        Money.from_decimal(amount, "EUR")


def test_from_decimal_refuses_floats():
    # Floats carry binary noise; amounts arrive as strings or Decimals.
    with pytest.raises(TypeError):
        Money.from_decimal(0.1, "EUR")  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(CURRENCIES))
def test_from_decimal_round_trips_amount(minor, currency):
    m = Money(minor, currency)
    assert Money.from_decimal(m.amount, currency) == m
    assert Money.from_decimal(str(m.amount), currency) == m


# --- allocate ----------------------------------------------------------------------------------


def test_allocate_examples():
    assert eur(100).allocate([1, 1, 1]) == [eur(34), eur(33), eur(33)]
    assert eur(5).allocate([3, 7]) == [eur(2), eur(3)]
    assert eur(1000).allocate([50, 25, 25]) == [eur(500), eur(250), eur(250)]
    assert eur(-100).allocate([1, 1, 1]) == [eur(-34), eur(-33), eur(-33)]  # mirrors +100
    assert eur(8343).allocate([687, 1, 5495])[0] == eur(927)  # an exact share gets no extra
    assert eur(7).allocate([0, 1, 1]) == [eur(0), eur(4), eur(3)]
    assert eur(0).allocate([2, 3]) == [eur(0), eur(0)]


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1, 2], [-1]])
def test_allocate_refuses_bad_ratios(ratios):
    with pytest.raises(ValueError):
        eur(100).allocate(ratios)


@settings(max_examples=300)
@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    ratios=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(
        lambda r: sum(r) > 0
    ),
)
def test_allocate_never_loses_a_minor_unit(minor, ratios):
    parts = eur(minor).allocate(ratios)
    assert len(parts) == len(ratios)
    assert sum(p.minor for p in parts) == minor
    assert all(p.currency == "EUR" for p in parts)
    total = sum(ratios)
    for part, ratio in zip(parts, ratios, strict=True):
        if ratio == 0:
            assert part.minor == 0
        # every part is within one minor unit of its exact share
        exact = Decimal(minor) * ratio / total
        assert abs(Decimal(part.minor) - exact) < 1


# --- display -----------------------------------------------------------------------------------

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("money", "en", "fr"),
    [
        (eur(123450), "€1,234.50", f"1{NNBSP}234,50{NBSP}€"),
        (eur(5), "€0.05", f"0,05{NBSP}€"),
        (eur(-123456789), "-€1,234,567.89", f"-1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        (Money(199, "USD"), "$1.99", f"1,99{NBSP}$"),
        (Money(1000000, "JPY"), "1,000,000 JPY", f"1{NNBSP}000{NNBSP}000{NBSP}JPY"),
        (Money(1234, "KWD"), "1.234 KWD", f"1,234{NBSP}KWD"),
        (Money(0, "GBP"), "£0.00", f"0,00{NBSP}£"),
    ],
)
def test_localized_formats(money, en, fr):
    assert money.localized("en") == en
    assert money.localized() == en
    assert money.localized("fr") == fr
    assert money.localized("fr-be") == fr


def test_money_template_filter_uses_the_active_language():
    from django.utils import translation

    from coopwork.core.templatetags.coopwork import money

    with translation.override("fr"):
        assert money(eur(123450)) == f"1{NNBSP}234,50{NBSP}€"
    with translation.override("en"):
        assert money(eur(123450)) == "€1,234.50"
    assert money(None) == ""
    assert money(12) == "12"
