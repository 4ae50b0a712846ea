"""Shared schema pieces: bounded input types, money, errors and pagination.

Inputs are strict: unknown fields, wrong JSON types, NUL characters and out-of-range numbers are
refused with 422 ``invalid_request`` before any service runs, so nothing reaches the database that
it cannot store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, HeaderEx, P, PathEx, Schema
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator, BeforeValidator, ConfigDict

from coopwork.core.money import Money

MAX_ID = 2**63 - 1  # BigAutoField
MAX_REGISTER_NUMBER = 2**31 - 1  # PositiveIntegerField


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


NoNul = AfterValidator(_no_nul)

Code = Annotated[str, Field(max_length=80), NoNul]
Name = Annotated[str, Field(max_length=200), NoNul]
Reference = Annotated[str, Field(max_length=120), NoNul]
SourceRef = Annotated[str, Field(max_length=300), NoNul]
Reason = Annotated[str, Field(max_length=2000), NoNul]
LongText = Annotated[str, Field(max_length=5000), NoNul]
Username = Annotated[str, Field(max_length=150), NoNul]
Email = Annotated[str, Field(max_length=254), NoNul]
Password = Annotated[str, Field(max_length=256), NoNul]

# Path and header parameters: malformed or out-of-range values get 422, never reach the database.
SlugPath = PathEx[str, P(max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")]


def _digits_only(value: object) -> object:
    # "1.0", "1e3" or " 1" are not ids, even though int() would take some of them.
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("an id is a positive whole number")
    return value


IdPath = PathEx[Annotated[int, BeforeValidator(_digits_only)], P(ge=1, le=MAX_ID)]
IdempotencyKeyHeader = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        description="Required: a unique key per operation (e.g. a UUID); a retry sends it again.",
    ),
]

# Quantities are checked by the services (1..1,000,000, ``quantity_invalid``); strict ints only
# keep ``"5"``, ``5.0`` and ``true`` out.
Quantity = Annotated[int, Field(strict=True)]
RegisterNumber = Annotated[int, Field(strict=True, ge=1, le=MAX_REGISTER_NUMBER)]


class In(Schema):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class MoneyOut(Schema):
    minor: int = Field(description="Integer minor units (cents for EUR).")
    currency: str = Field(description="ISO 4217 code.")

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(minor=money.minor, currency=money.currency)


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any] | None = None
    errors: list[dict[str, Any]] | None = None


# The documented error answers of a route that needs a signed-in user.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
# ...and of a public route.
PUBLIC_ERRORS: dict[int, type[Schema]] = {404: ErrorOut, 422: ErrorOut}


class Pagination(PageNumberPagination):
    """``?page=`` (from 1) and ``?page_size=`` (at most 200); answers ``{items, count}``."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=200)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=50, max_page_size=200, **kwargs)


class Rendered[T, R]:
    """A list or queryset rendered item by item only when sliced, so a page renders one page."""

    def __init__(self, items: Sequence[T] | QuerySet[Any], render: Callable[[T], R]) -> None:
        self._items = items
        self._render = render

    def __len__(self) -> int:
        if isinstance(self._items, QuerySet):
            return self._items.count()
        return len(self._items)

    def __getitem__(self, index: slice) -> list[R]:
        return [self._render(item) for item in self._items[index]]
