"""A general assembly in a real browser (Debian's chromium, headless).

The demo's platform co-op has an assembly convened. A member (Camille) reads the notice and
gives her proxy, then revokes it. The day comes (the assembly's date is moved in the database):
the board member (Sophie) opens the session, records who is in the room and checks the quorum;
Camille checks in remotely and votes on the first resolution; Sophie closes the vote and the
assembly; Camille downloads the minutes, which carry the result. A screenshot of every step is
saved under test-output/browser/<test name>/.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, expect

from coopwork.governance.models import AgendaItem, Assembly
from coopwork.web.tests.pdf import assert_pdf_contains

from .test_membership_flow import Shots, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_member_takes_part_in_an_assembly_the_board_chairs(
    live_server, browser: Browser, output_dir: Path
) -> None:
    call_command("seed_demo", "--url", live_server.url, stdout=StringIO())
    assembly = Assembly.objects.get()
    slug = assembly.cooperative.slug
    base = live_server.url
    url = f"{base}/c/{slug}/assemblies/{assembly.pk}/"
    shot = Shots(output_dir)
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="en-GB")

    # Camille reads the notice, gives her proxy and takes it back.
    sign_in(page, base, "camille", "camille-demo-2026")
    page.goto(f"{base}/c/{slug}/assemblies/")
    shot(page, "list")
    page.get_by_role("link", name=assembly.title).click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    shot(page, "notice-and-agenda")
    page.get_by_role("button", name="Give my proxy").click()
    expect(page.get_by_text("You gave your proxy to")).to_be_visible()
    shot(page, "proxy-given")
    page.get_by_role("button", name="Revoke my proxy").click()
    expect(page.get_by_text("Your proxy is revoked.")).to_be_visible()
    sign_out(page)

    # The day comes.
    now = timezone.now()
    Assembly.objects.filter(pk=assembly.pk).update(
        starts_at=now + dt.timedelta(minutes=30), postal_cutoff=now - dt.timedelta(minutes=1)
    )

    # Sophie opens the session, records the room and checks the quorum.
    sign_in(page, base, "sophie", "sophie-demo-2026")
    french = browser.new_page(viewport={"width": 1200, "height": 900}, locale="fr-FR")
    french.context.add_cookies(page.context.cookies())
    french.goto(f"{base}/c/{slug}/assemblies/convene/")
    expect(french.get_by_role("heading", name="Convoquer une assemblée générale")).to_be_visible()
    shot(french, "convene-form-fr")
    french.close()
    page.goto(url)
    page.get_by_role("button", name="Open the session").click()
    expect(page.get_by_text("The session is open")).to_be_visible()
    options = page.locator("#id_member option")
    names = [options.nth(i).inner_text() for i in range(options.count())]
    for name in names:
        if "Camille" in name:
            continue
        page.select_option("#id_member", label=name)
        page.get_by_role("button", name="Record as present").click()
        expect(page.get_by_text("Attendance recorded.")).to_be_visible()
    shot(page, "attendance")
    page.get_by_role("button", name="Check the quorum").click()
    expect(page.get_by_text("The quorum is reached")).to_be_visible()
    page.locator("#item-1").get_by_role("button", name="Open the vote").click()
    shot(page, "item-1-open")
    sign_out(page)

    # Camille checks in remotely and votes.
    sign_in(page, base, "camille", "camille-demo-2026")
    page.goto(url)
    page.get_by_role("button", name="Check in remotely").click()
    expect(page.get_by_text("You are checked in.")).to_be_visible()
    page.locator("main form").filter(
        has=page.get_by_role("button", name="Vote")
    ).first.get_by_label("Yes").check()
    page.get_by_role("button", name="Vote", exact=True).first.click()
    expect(page.get_by_text("Your vote is recorded.")).to_be_visible()
    shot(page, "voted")
    sign_out(page)

    # Sophie closes the vote and the assembly.
    sign_in(page, base, "sophie", "sophie-demo-2026")
    page.goto(url)
    page.get_by_role("button", name="Close the vote and count").click()
    expect(page.get_by_text("Resolution 1 is adopted.")).to_be_visible()
    page.get_by_role("button", name="Close the assembly").click()
    expect(page.get_by_text("The assembly is closed.")).to_be_visible()
    shot(page, "closed")
    assert AgendaItem.objects.get(assembly=assembly, number=1).adopted is True
    sign_out(page)

    # Camille downloads the minutes (French, as the co-op's language).
    sign_in(page, base, "camille", "camille-demo-2026")
    page.goto(url)
    shot(page, "member-after")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the minutes (PDF)").click()
    path = output_dir / "minutes.pdf"
    info.value.save_as(path)
    assert_pdf_contains(path.read_bytes(), "Minutes of the general assembly", "Adopted")
    page.close()
