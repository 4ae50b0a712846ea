"""Dispatch in a real browser (Debian's chromium, headless): a worker opens an offer made by a
dispatch round and reads its explanation, on a phone, in English and in French; the coordinator
opens the round; a member opens the fairness trade-off curve.

Screenshots go to test-output/browser/<test name>/. Every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from coopwork.core.services import role_grant
from coopwork.dispatch.models import DispatchRound
from coopwork.dispatch.services import dispatch_round_run
from coopwork.dispatch.tests.world import RIVOLI, City, make_city, near
from coopwork.marketplace.booking import Place
from coopwork.marketplace.models import Offer
from coopwork.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 15_000
PASSWORD = "pass-1234-word"
expect.set_options(timeout=WAIT_MS)


def sign_in(page: Page, base: str, username: str, label: str = "Sign in") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name=label).click()
    expect(page.locator(".who")).to_have_text(username)


def text_of(page: Page, selector: str) -> str:
    return re.sub(r"\s+", " ", page.locator(selector).inner_text()).strip()


@pytest.fixture
def world(transactional_db: None) -> tuple[City, Offer]:
    """Built before the browser starts (Playwright runs an event loop in this thread, which the
    live-event handlers of the services would otherwise trip over)."""
    cache.clear()
    now = timezone.now()
    city = make_city()
    city.worker("nadia", at=near(RIVOLI, 400), now=now)
    city.worker("bertrand", at=near(RIVOLI, 1400), now=now)
    city.worker("quentin", at=near(RIVOLI, 2600), now=now)
    # some history for the curve
    for day in range(1, 15):
        for metres in (-900, 1200):
            lat, lon = near(RIVOLI, metres, day * 60)
            city.ride(now - dt.timedelta(days=day), pickup=Place("Rue de Rivoli", lat, lon))
    city.ride(now, pickup=Place("10 rue de Rivoli, Paris", RIVOLI.lat, RIVOLI.lon))
    rnd = dispatch_round_run(cooperative=city.coop, zone_id=city.zone.pk, now=now)
    assert rnd is not None and rnd.offers_made == 1
    member = make_user("marie")
    role_grant(cooperative=city.coop, user=member, role="member", actor=None)
    return city, Offer.objects.get(status="offered")


@pytest.mark.django_db(transaction=True)
def test_a_worker_opens_an_offer_and_reads_why(
    world: tuple[City, Offer], live_server, browser: Browser, output_dir: Path
) -> None:
    city, offer = world
    assert offer.worker.username == "nadia"
    base = live_server.url
    shots = 0

    def shot(page: Page, name: str) -> None:
        nonlocal shots
        shots += 1
        page.screenshot(path=str(output_dir / f"{shots:02d}-{name}.png"), full_page=True)

    errors: list[str] = []
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
    # 1. The worker, on a phone, in English: the card, then the offer's own page.
    context = browser.new_context(locale="en-GB", **phone)  # type: ignore[arg-type]
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "nadia")
    page.goto(f"{base}/c/alpha/work/")
    card = page.locator(f"#offer-{offer.pk}")
    expect(card).to_contain_text("about 0.9 min away")
    card.locator("summary").click()
    expect(card.locator(".explanation")).to_contain_text(
        "You are about 0.9 min from the pick-up (0.4 km)."
    )
    shot(page, "worker-offer-card-why")
    card.get_by_role("link", name="Open the offer and its explanation").click()
    expect(page).to_have_url(re.compile(rf"/c/alpha/work/offers/{offer.pk}/$"))
    why = text_of(page, "#why")
    assert "Time to reach the pick-up: 0.9 min" in why
    assert "The job has waited" in why and "Fairness:" in why
    assert "× 9 min" in why  # the members' fairness weight, 540 s
    assert "The two nearest other workers considered were 3 min and 5.6 min away." in why
    assert "Who they are is never shown." in why
    assert "bertrand" not in page.content() and "quentin" not in page.content()
    for raw in ("eta_s", "alternatives_eta", "contribution", "unassigned_cost"):
        assert raw not in why
    expect(page.get_by_role("button", name="Accept")).to_be_visible()
    shot(page, "worker-offer-page")
    context.close()

    # 2. The same offer in French.
    context = browser.new_context(locale="fr-FR", **phone)  # type: ignore[arg-type]
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    sign_in(page, base, "nadia", "Se connecter")
    page.goto(f"{base}/c/alpha/work/offers/{offer.pk}/")
    why = text_of(page, "#why")
    assert "Vous êtes à environ 0,9 min du point de prise en charge (0,4 km)." in why
    assert (
        "Les deux autres personnes les plus proches envisagées étaient à 3 min et 5,6 min." in why
    )
    shot(page, "worker-offer-page-fr")
    # accept it from its page
    page.get_by_role("button", name="Accepter").click()
    expect(page).to_have_url(re.compile(r"/c/alpha/work/$"))
    context.close()
    offer.refresh_from_db()
    assert offer.status == "accepted"

    # 3. The coordinator opens the round; a member opens the curve.
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    sign_in(page, base, city.coordinator.username)
    page.goto(f"{base}/c/alpha/dispatch/")
    page.get_by_role("link", name=re.compile(r"\d+:\d\d:\d\d")).first.click()
    expect(page.locator(f"#decision-{offer.job_id}")).to_contain_text("offered")
    expect(page.locator(f"#decision-{offer.job_id}")).to_contain_text("3 min, 5.6 min")
    shot(page, "coordinator-round")
    context.close()

    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    sign_in(page, base, "marie")
    page.goto(f"{base}/c/alpha/dispatch/fairness/")
    expect(page.locator("#fairness-curve")).to_be_visible()
    expect(page.locator("#fairness-table tbody tr")).to_have_count(6)
    shot(page, "member-fairness-curve")
    context.close()
    assert errors == []
    assert DispatchRound.objects.count() == 1
