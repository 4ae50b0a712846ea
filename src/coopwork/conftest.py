"""Shared fixtures. State is built through the real services (coopwork.testing)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation
from hypothesis import settings

from coopwork import testing

# CI must be reproducible: the same examples on every run (explore locally, where a failure is
# a lead, not a blocked landing). `HYPOTHESIS_PROFILE=explore` overrides it.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "explore")
)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request through the test client activates its
    language in the test's thread and leaves it there (LocaleMiddleware does not deactivate), so
    without this a French request in one test would make the next test's strings French."""
    translation.deactivate()
    yield
    translation.deactivate()


OUTPUT = Path(
    os.environ.get("COOPWORK_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output")
)


@pytest.fixture
def coop(db):
    return testing.make_coop("alpha", name="Alpha Coop")


@pytest.fixture
def other_coop(db):
    return testing.make_coop("beta", name="Beta Coop")


@pytest.fixture
def board_user(coop):
    return testing.make_board(coop, "boardy")


@pytest.fixture
def member(coop, board_user):
    return testing.make_member(coop, board=board_user, name="Ada Member")


@pytest.fixture
def output_dir(request) -> Path:
    path = OUTPUT / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_collection_modifyitems(config, items):
    on_pg = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (.ci/run does)")
    has_chromium = shutil.which("chromium") or Path("/usr/bin/chromium").exists()
    require_browser = os.environ.get("COOPWORK_REQUIRE_BROWSER") == "1"
    skip_browser = pytest.mark.skip(
        reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
    )
    for item in items:
        if "postgres" in item.keywords and not on_pg:
            item.add_marker(skip_pg)
        if "browser" in item.keywords and not has_chromium and not require_browser:
            item.add_marker(skip_browser)


@pytest.fixture
def is_postgres(db) -> bool:
    return connection.vendor == "postgresql"
