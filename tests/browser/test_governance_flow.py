"""A member votes in a secret board election in a real browser, the ballot closes on schedule,
and the member finds their receipt in the published tally.

Screenshots of every step are saved under test-output/browser/<test name>/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from coopwork import testing
from coopwork.governance import services
from coopwork.governance.models import Ballot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Urne-secrete-2026!"


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.locator(".who")).to_have_text(username)


@pytest.mark.django_db(transaction=True)
def test_member_votes_ballot_closes_receipt_is_in_the_tally(
    live_server, browser: Browser, output_dir: Path
) -> None:
    coop = testing.make_coop("velo-vote", name="Vélo Vote")
    board = testing.make_board(coop, "clara")
    voters = [
        testing.make_member(
            coop, board=board, user=testing.make_user(name, password=PASSWORD), name=name.title()
        )
        for name in ("amina", "bruno", "chloe", "dario", "eva")
    ]
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board,
        kind="election",
        title="Board election 2027",
        description="Two seats on the board, single transferable vote (Scottish rules).",
        method="stv_scottish",
        seats=2,
        secret=True,
        candidates=[
            {"key": "amina", "name": "Amina Diallo"},
            {"key": "bruno", "name": "Bruno Keller"},
            {"key": "chloe", "name": "Chloé Martin"},
        ],
    )
    base = live_server.url
    shot = Shots(output_dir)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. Amina signs in and finds the open election on the decisions page.
    sign_in(page, base, "amina")
    page.goto(f"{base}/c/velo-vote/governance/")
    expect(page.locator("#open-ballots")).to_contain_text("Board election 2027")
    shot(page, "dashboard-open-election")
    page.get_by_role("link", name="Board election 2027").click()
    expect(page.locator("#vote-form")).to_be_visible()
    shot(page, "ballot-before-voting")

    # 2. Giving two candidates the same rank is refused above the button, nothing recorded...
    page.select_option("#rank-chloe", "1")
    page.select_option("#rank-amina", "1")
    page.locator("#vote-submit").click()
    expect(page.locator("#vote-errors")).to_contain_text("the same rank")
    shot(page, "duplicate-rank-refused")
    # ... so she ranks Chloé first and herself second: a receipt code appears.
    page.select_option("#rank-chloe", "1")
    page.select_option("#rank-amina", "2")
    page.locator("#vote-submit").click()
    code_el = page.locator("#receipt-code")
    expect(code_el).to_be_visible()
    code = code_el.inner_text().strip()
    assert len(code) == 19 and code.count("-") == 3
    expect(page.locator("#voter-count")).to_have_text("1 has voted")
    shot(page, "voted-receipt")

    # 3. The ballot page now says she has voted, and no longer offers to vote (secret ballot).
    page.goto(f"{base}/c/velo-vote/governance/ballots/{ballot.pk}/")
    expect(page.locator("#already-voted")).to_be_visible()
    expect(page.locator("#vote-form")).to_have_count(0)

    # 4. The others vote; the ballot reaches its closing time and the scheduler closes it.
    for member, ranking in zip(
        voters[1:],
        [["bruno", "amina"], ["chloe", "bruno"], ["amina", "bruno"], ["chloe", "amina"]],
        strict=True,
    ):
        services.vote_cast(
            cooperative=coop,
            ballot_id=ballot.pk,
            user=member.user,
            choice={"ranking": ranking},
        )
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.ballots_run_due()["closed"] == 1

    # 5. Amina opens the results: winners, the round-by-round table and the chart.
    page.goto(f"{base}/c/velo-vote/governance/ballots/{ballot.pk}/")
    expect(page.locator("#ballot-status")).to_have_text("closed")
    # Chloé's surplus is transferred, Bruno is excluded, Amina takes the second seat.
    expect(page.locator("#winners")).to_contain_text("Chloé Martin, Amina Diallo")
    expect(page.locator("#rounds-table tbody tr")).to_have_count(3)
    expect(page.locator("#rounds-table tbody tr").first).to_be_visible()
    expect(page.locator("#rounds-chart rect").first).to_be_visible()
    page.locator("#published-receipts summary").click()
    shot(page, "results-rounds-chart")

    # 6. She checks her receipt: it is in the published tally.
    page.get_by_role("link", name="Check a receipt").click()
    page.fill("#id_code", code)
    page.locator("#receipt-submit").click()
    expect(page.locator("#receipt-counted")).to_be_visible()
    shot(page, "receipt-counted")

    # 7. A mistyped code is not found.
    page.fill("#id_code", "ABCD-EFGH-JKLM-NPQR")
    page.locator("#receipt-submit").click()
    expect(page.locator("#receipt-unknown")).to_be_visible()
    shot(page, "receipt-unknown")

    # 8. The results on a phone, in French.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    mobile = phone.new_page()
    sign_in(mobile, base, "bruno")
    mobile.locator(".lang-switch button[value=fr]").click()
    mobile.goto(f"{base}/c/velo-vote/governance/ballots/{ballot.pk}/")
    expect(mobile.locator("#winners")).to_contain_text("Élus")
    shot(mobile, "results-phone-fr")
    phone.close()
    assert errors == []
    context.close()
