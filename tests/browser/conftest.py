"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Launch flags that work on these machines (see the design's testing notes): without the
# background-networking ones, chromium keeps calling hosts outside that the network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
OUTPUT = Path(
    os.environ.get("COOPWORK_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output")
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    has_chromium = shutil.which("chromium") or Path(CHROMIUM).exists()
    if has_chromium or os.environ.get("COOPWORK_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(
        reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    path = OUTPUT / "browser" / request.node.name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
    # thread with a running loop unless told it is safe (the ORM work happens in the live server's
    # own thread, and in the test body between browser steps).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            try:
                browser.close()
            finally:
                # The test body's queries between browser steps ran in this context (Playwright's
                # running loop makes Django keep connections per context), whose connection the
                # test database's teardown does not see: close it, or on PostgreSQL it keeps the
                # test database busy when it is dropped.
                from django.db import connections

                connections.close_all()
