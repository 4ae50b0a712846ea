"""Money as integer minor units and a currency. No floats anywhere.

``Money(1050, "EUR")`` is 10.50 EUR. Arithmetic is only defined between equal currencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# ISO 4217 minor-unit exponents for the currencies a co-op is likely to use; default 2.
_EXPONENTS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "MXN": 2,
    "BRL": 2,
    "ARS": 2,
    "COP": 2,
    "INR": 2,
    "ZAR": 2,
    "KES": 2,
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "ISK": 0,
    "XOF": 0,
    "XAF": 0,
    "TND": 3,
    "KWD": 3,
    "BHD": 3,
}
CURRENCIES = tuple(sorted(_EXPONENTS))


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")
        if not (
            isinstance(self.currency, str)
            and len(self.currency) == 3
            and self.currency.isascii()
            and self.currency.isalpha()
            and self.currency.isupper()
        ):
            raise ValueError(f"not an ISO 4217 code: {self.currency!r}")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, amount: Decimal | str | int, currency: str) -> Money:
        """Parse a decimal amount (``"12.50"``); rejects more precision than the currency has.

        Floats are refused: they carry binary noise, so amounts arrive as strings or Decimals.
        """
        if isinstance(amount, float | bool):
            raise TypeError("give an amount as a string, a Decimal or an int, never a float")
        try:
            value = Decimal(str(amount))
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {amount!r}") from exc
        if not value.is_finite():
            raise ValueError(f"not an amount: {amount!r}")
        scaled = value.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    # -- arithmetic ---------------------------------------------------------------------------
    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("multiply Money by an int; use .scale() for rates")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.minor >= other.minor

    def scale(self, rate: Decimal, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Multiply by a Decimal rate and round to whole minor units (banker's rounding)."""
        return Money(
            int((Decimal(self.minor) * rate).quantize(Decimal(1), rounding=rounding)), self.currency
        )

    def allocate(self, ratios: list[int]) -> list[Money]:
        """Split into parts proportional to ``ratios`` without losing a minor unit.

        Largest-remainder method: each part gets the floor of its exact share, then the units
        left over go one each to the parts with the largest fractional remainders (earliest
        first on ties). The parts sum to self and each is within one unit of its exact share.
        """
        total = sum(ratios)
        if total <= 0 or any(r < 0 for r in ratios):
            raise ValueError("ratios must be non-negative with a positive sum")
        sign = -1 if self.minor < 0 else 1
        amount = abs(self.minor)
        parts = [amount * r // total for r in ratios]
        leftover = amount - sum(parts)
        by_remainder = sorted(range(len(ratios)), key=lambda i: (-(amount * ratios[i] % total), i))
        for i in by_remainder[:leftover]:
            parts[i] += 1
        return [Money(sign * p, self.currency) for p in parts]

    # -- display ------------------------------------------------------------------------------
    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def __str__(self) -> str:
        return f"{self.amount:.{exponent(self.currency)}f} {self.currency}"

    def localized(self, language: str = "en") -> str:
        """Human format: ``€1,234.50`` in English, ``1 234,50 €`` in French."""
        digits = exponent(self.currency)
        sign = "-" if self.minor < 0 else ""
        whole, _, frac = f"{abs(self.amount):.{digits}f}".partition(".")
        groups = f"{int(whole):,}"
        symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(self.currency, self.currency)
        if language.startswith("fr"):
            number = groups.replace(",", "\u202f") + ("," + frac if digits else "")
            return f"{sign}{number}\u00a0{symbol}"
        number = groups + ("." + frac if digits else "")
        if len(symbol) == 1:
            return f"{sign}{symbol}{number}"
        return f"{sign}{number} {symbol}"
