"""The whole membership flow in a real browser (Debian's chromium, headless).

A visitor opens the co-op's page, switches it to French and back, applies for membership while
creating an account; the board member signs in and admits them, recording a bank transfer; the new
member signs in and downloads their share certificate, whose text carries their register number.
A screenshot of every step is saved under test-output/browser/<test name>/.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from coopwork.members.models import Member
from coopwork.web.tests.pdf import assert_pdf_contains

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "coursiers-unis"
NEW_USER = "mathis"
NEW_PASSWORD = "Velo-cargo-2026!"


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.locator(".who")).to_have_text(username)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("header").get_by_role("link", name="Sign in")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_visitor_applies_board_admits_member_downloads_certificate(
    live_server, browser: Browser, output_dir: Path
) -> None:
    call_command("seed_demo", "--url", live_server.url, stdout=StringIO())
    expected_number = Member.objects.filter(cooperative__slug=SLUG).count() + 1
    base = live_server.url
    shot = Shots(output_dir)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. A visitor opens the co-op's public page, in English.
    page.goto(f"{base}/c/{SLUG}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".tagline")).to_contain_text("owned by its riders")
    expect(page.get_by_role("heading", name="Our colleges")).to_be_visible()
    shot(page, "visitor-coop-page-en")

    # 2. ... switches it to French, then back to English.
    page.locator(".lang-switch button[value=fr]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".tagline")).to_contain_text("appartient à ses coursiers")
    expect(page.locator(".college h3").first).to_have_text("Coursiers")
    shot(page, "visitor-coop-page-fr")
    page.locator(".lang-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".college h3").first).to_have_text("Riders")

    # 3. ... applies, creating an account in the same form; the amount shows live (htmx).
    page.get_by_role("link", name="Become a member").click()
    expect(page).to_have_url(re.compile(rf"/c/{SLUG}/join/$"))
    page.locator("label.choice", has_text="Riders").click()
    page.fill("#id_shares", "4")
    expect(page.locator("#quote")).to_contain_text("€80.00")
    page.fill("#id_display_name", "Mathis Rousseau")
    page.fill("#id_motivation", "I ride a cargo bike every day and want a say in the rules.")
    page.fill("#id_username", NEW_USER)
    expect(page.locator("#id_username_live")).to_contain_text("is available")
    page.fill("#id_email", "mathis@example.org")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    shot(page, "visitor-join-form")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name="Your application is pending")).to_be_visible()
    expect(page.locator(".who")).to_have_text(NEW_USER)
    shot(page, "applicant-pending")
    sign_out(page)

    # 4. The board member signs in and admits the applicant, recording a bank transfer.
    sign_in(page, base, "sophie", "sophie-demo-2026")
    page.goto(f"{base}/c/{SLUG}/board/")
    card = page.locator("article.item", has_text="Mathis Rousseau")
    expect(card).to_contain_text("4 shares")
    card.get_by_label("Bank transfer").check()
    # A bank transfer without its reference is refused; the message shows inside the card (htmx
    # swaps the 400 answer into the card's error slot) and nothing is written.
    card.get_by_role("button", name="Admit").click()
    expect(card.get_by_role("alert")).to_contain_text("Record the payment method")
    assert not Member.objects.filter(display_name="Mathis Rousseau").exists()
    shot(page, "board-refuses-missing-reference")
    card.get_by_label("Payment reference").fill("VIR-2026-1128-MR")
    shot(page, "board-before-admission")
    card.get_by_role("button", name="Admit").click()
    done = page.locator("article.done", has_text="Mathis Rousseau")
    expect(done).to_contain_text(f"admitted as member № {expected_number}")
    shot(page, "board-after-admission")
    sign_out(page)

    # 5. The new member signs in, sees their shares and downloads the certificate.
    sign_in(page, base, NEW_USER, NEW_PASSWORD)
    page.goto(f"{base}/c/{SLUG}/me/")
    expect(page.locator(".register-number")).to_have_text(f"No. {expected_number}")
    expect(page.locator(".member-card")).to_contain_text("€80.00")
    shot(page, "member-page")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my share certificate (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"{SLUG}-certificate-{expected_number}.pdf"
    pdf_path = output_dir / download.suggested_filename
    download.save_as(str(pdf_path))
    content = pdf_path.read_bytes()
    assert content.startswith(b"%PDF-")
    assert_pdf_contains(
        content,
        f"Member register number {expected_number}",
        "Mathis Rousseau",
        "VIR-2026-1128-MR",
    )

    # The same member page on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    mobile.goto(f"{base}/c/{SLUG}/me/")
    expect(mobile.locator(".register-number")).to_have_text(f"No. {expected_number}")
    shot(mobile, "member-page-phone")
    phone.close()
    context.close()
    assert errors == [], errors
