"""Registers one router per domain under /api/v1."""

from ninja import NinjaAPI


def register(api: NinjaAPI) -> None:
    pass
