"""Fixtures of the web tests: signed-in clients and small helpers."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest
from django.test import Client

from coopwork import testing


@pytest.fixture
def login() -> Callable[..., Client]:
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def board_client(board_user, login) -> Client:
    return login(board_user)


@pytest.fixture
def other_board(other_coop):
    """A board member of another co-op: must never see or touch ``coop``."""
    return testing.make_board(other_coop, "otherboard")


@pytest.fixture
def pending(coop):
    """A pending application to ``coop`` (college workers, 3 shares)."""
    from coopwork.members.services import application_submit

    applicant = testing.make_user("applicant")
    return application_submit(
        cooperative=coop,
        user=applicant,
        college_code="workers",
        shares=3,
        display_name="Zoé Applicant",
    )


def pdf_text(content: bytes) -> str:
    """The text of a PDF (pdftotext when installed, else the raw bytes decoded loosely)."""
    assert content.startswith(b"%PDF"), content[:20]
    if shutil.which("pdftotext"):
        done = subprocess.run(  # noqa: S603
            ["pdftotext", "-layout", "-", "-"],  # noqa: S607
            input=content,
            capture_output=True,
            check=True,
        )
        return done.stdout.decode("utf-8", "replace")
    return content.decode("latin-1")


def htmx(**extra: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", **extra}
