"""The marketplace in a real browser (Debian's chromium, headless), two people at once.

1. A business client books a shift and sees the full price before confirming; a worker claims it
   on a phone, clocks in with the shift's code and out; the client approves; both see the
   identical receipt. (pytest-django's ``live_server``: plain WSGI, so the pages' live script
   falls back to polling, which is part of what this exercises.)
2. A ride is booked and accepted, and the client's page follows it live without a reload: the
   test sets ``window.__marker`` on the client's page, acts as the worker in another browser
   context (take the job, set off with the position shared, start, finish), waits for the
   client's page to show each status and the ETA, and checks the marker is still there and the
   page's live region is on its websocket.

3. A new ride reaches a driver's worker area without a reload: Ahmed has the worker area open on
   his phone; Léa books a ride and it appears in his open jobs; another driver takes it and it
   leaves his list. The page's 30-second re-fetch is kept from running in his browser, and it
   must stay on its websocket, so what changes can only have come through the socket; the
   socket's messages are checked to carry the events' names and nothing else.

Websockets need an ASGI server, so the second and third tests run the project's ASGI application
under daphne in a subprocess on a free loopback port, against the test database
(``transactional_db``, so what the test writes is committed and visible to it):

- on PostgreSQL (``DATABASE_URL``), the subprocess gets the test database's URL;
- on SQLite the test database is in memory by default, which another process cannot open: when
  this module is collected on SQLite it asks for a *file* test database instead (in a temporary
  folder, removed at the end by pytest-django), and points the subprocess at that file.

Screenshots of every step go to test-output/browser/<test name>/. Every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from coopwork import testing
from coopwork.core.models import Cooperative
from coopwork.core.money import Money
from coopwork.core.services import role_grant
from coopwork.marketplace.booking import Place, ShiftRequest
from coopwork.marketplace.models import Assignment, Job
from coopwork.marketplace.services import job_quote, worker_profile_save

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "coursiers-unis"
ROOT = Path(__file__).resolve().parents[2]
WAIT_MS = 15_000
expect.set_options(timeout=WAIT_MS)


def _file_database_on_sqlite() -> None:
    """Ask for a file test database on SQLite, so the ASGI subprocess can open it too."""
    default = connections["default"]
    if default.vendor != "sqlite":
        return
    test = default.settings_dict.setdefault("TEST", {})
    if test.get("NAME"):
        return
    folder = Path(tempfile.mkdtemp(prefix="coopwork-browser-db-"))
    # base settings read the SQLite file from COOPWORK_VAR_DIR/coopwork.sqlite3.
    test["NAME"] = str(folder / "coopwork.sqlite3")


_file_database_on_sqlite()


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


def new_page(
    browser: Browser, errors: list[str], *, phone: bool = False, **options: object
) -> tuple[BrowserContext, Page]:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(
        viewport=viewport,
        is_mobile=phone,
        locale="en-GB",
        **options,  # type: ignore[arg-type]
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def local_slot(minutes_ahead: int) -> dt.datetime:
    """A local start a few minutes ahead, on a five-minute boundary."""
    start = timezone.localtime() + dt.timedelta(minutes=minutes_ahead)
    return start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)


# --- 1. A shift, from booking to the same receipt on both sides ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_shift_booked_claimed_clocked_approved_same_receipt(
    live_server, browser: Browser, output_dir: Path
) -> None:
    call_command("seed_demo", "--url", live_server.url, stdout=StringIO())
    base = live_server.url
    shot = Shots(output_dir)
    errors: list[str] = []
    coop = Cooperative.objects.get(slug=SLUG)

    # The business client books a shift starting in a few minutes, and sees the full price first.
    client_ctx, client = new_page(browser, errors)
    sign_in(client, base, "boulangerie", "boulangerie-demo-2026")
    client.goto(f"{base}/c/{SLUG}/book/")
    shot(client, "client-chooses-a-kind")
    client.get_by_role("link", name="A temp shift").first.click()
    start = local_slot(15)
    end = start + dt.timedelta(hours=3)
    client.fill("#id_title", "Renfort vente")
    client.fill("#id_site_name", "Boulangerie du Coin")
    client.select_option("#id_site_known", "croix-rousse")
    client.fill("#id_date", start.date().isoformat())
    client.fill("#id_start", start.strftime("%H:%M"))
    client.fill("#id_end", end.strftime("%H:%M"))
    client.fill("#id_break_minutes", "0")
    client.fill("#id_positions", "1")
    client.fill("#id_skills", "service")
    client.fill("#id_hourly_rate", "16.50")
    expected = job_quote(
        cooperative=coop,
        request=ShiftRequest(
            title="Renfort vente",
            site_name="Boulangerie du Coin",
            place=Place("Place de la Croix-Rousse, 69004 Lyon", 45.7745, 4.8318),
            starts_at=start,
            ends_at=end if end > start else end + dt.timedelta(days=1),
            hourly_rate_minor=1650,
            skills=["service"],
        ),
    )
    total = Money(expected.split.total, "EUR").localized("en")
    quote = client.locator("#quote")
    expect(quote.locator("[data-total]")).to_have_text(total)
    expect(quote).to_contain_text("1 × 3.00 h × €16.50 per hour")
    expect(quote).to_contain_text("Worker's part")
    expect(quote).to_contain_text(Money(expected.split.worker, "EUR").localized("en"))
    assert Job.objects.filter(title="Renfort vente").count() == 0  # nothing booked yet
    shot(client, "client-sees-the-full-price-before-confirming")
    quote.get_by_role("button", name=re.compile(r"Confirm and book")).click()
    expect(client.locator("h2", has_text="Renfort vente")).to_be_visible()
    job = Job.objects.get(title="Renfort vente")
    assert job.quote["split"]["total"] == expected.split.total
    code = client.locator("[data-clock-code]").inner_text().strip()
    assert code == job.clock_code
    # No websocket under WSGI: the page says it polls instead.
    expect(client.locator("#job-state")).to_have_attribute("data-live-mode", "poll")
    client.evaluate("window.__marker = 1")
    shot(client, "client-job-page-with-the-clock-in-code")

    # The worker, on a phone, sees the shift with their part of the pay and claims it.
    worker_ctx, worker = new_page(browser, errors, phone=True)
    sign_in(worker, base, "camille", "camille-demo-2026")
    worker.goto(f"{base}/c/{SLUG}/work/")
    card = worker.locator(f"#open-job-{job.pk}")
    expect(card).to_contain_text("Renfort vente")
    expect(card.locator(".pay")).to_contain_text("for you")
    expect(worker.locator(".refuse-note")).to_contain_text("never counts against you")
    # No websocket under WSGI either: the worker area falls back to polling its lists.
    expect(worker.locator("#work-lists")).to_have_attribute("data-live-mode", "poll")
    shot(worker, "worker-sees-the-open-shift")
    card.get_by_role("button", name="Claim a position").click()
    expect(worker.locator(".notice-success")).to_contain_text("It is yours: Renfort vente")
    # The client's page, polling, shows the worker without a reload.
    expect(client.locator("[data-live-status]")).to_have_text("assigned")
    expect(client.locator("#job-state")).to_contain_text("camille")
    assert client.evaluate("window.__marker") == 1
    mine = worker.locator(f"#my-job-{job.pk}")
    expect(mine).to_be_visible()
    # A wrong code is refused next to the form, and nothing changes.
    mine.get_by_label("Shift code").fill("000000" if code != "000000" else "111111")
    mine.get_by_role("button", name="Clock in").click()
    expect(mine.get_by_role("alert")).to_contain_text("That is not the shift's code")
    shot(worker, "worker-wrong-code-refused")
    mine.get_by_label("Shift code").fill(code)
    mine.get_by_role("button", name="Clock in").click()
    expect(worker.locator(".notice-success")).to_contain_text("Started")
    shot(worker, "worker-clocked-in")
    # A few seconds on the job, so that the receipts show money moving (a timesheet worth
    # nothing settles too, with nothing to show).
    worker.wait_for_timeout(4000)
    # Out with the same code, which the site manager gives again.
    mine = worker.locator(f"#my-job-{job.pk}")
    mine.get_by_label("Shift code").fill(code)
    shot(worker, "worker-clocks-out-with-the-code")
    mine.get_by_role("button", name="Clock out").click()
    expect(worker.locator(".notice-success")).to_contain_text("Done.")
    job.refresh_from_db()
    assert job.status == "completed"

    # The client approves the timesheet: the job is settled.
    client.goto(f"{base}/c/{SLUG}/jobs/{job.pk}/")
    expect(client.locator("[data-live-status]")).to_have_text("completed")
    shot(client, "client-before-approval")
    client.get_by_role("button", name="Approve the timesheet").click()
    expect(client.locator(".notice-success")).to_contain_text("Timesheet approved")
    expect(client.locator("[data-live-status]")).to_have_text("settled")
    job.refresh_from_db()
    assert job.status == "settled" and job.receipt is not None
    shot(client, "client-receipt")

    # Both see the identical receipt.
    worker.goto(f"{base}/c/{SLUG}/jobs/{job.pk}/")
    expect(worker.locator("#receipt")).to_contain_text("settled")
    shot(worker, "worker-receipt")
    client_receipt = client.locator("#receipt")
    worker_receipt = worker.locator("#receipt")
    assert normalised(client_receipt.inner_text()) == normalised(worker_receipt.inner_text())
    assert normalised(client_receipt.text_content() or "") == normalised(
        worker_receipt.text_content() or ""
    )
    pay = Assignment.objects.get(job=job)
    expect(worker_receipt).to_contain_text(Money(pay.pay_minor, "EUR").localized("en"))
    expect(client_receipt).to_contain_text(Money(job.receipt["total"], "EUR").localized("en"))
    client_ctx.close()
    worker_ctx.close()
    # Queries made between browser steps run inside Playwright's greenlet, whose connection the
    # test database's teardown does not see: close it here (on PostgreSQL it would otherwise keep
    # the test database busy when it is dropped).
    connections.close_all()
    assert errors == [], errors


# --- 2. A ride followed live, without a reload ---------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _subprocess_env() -> dict[str, str]:
    """The environment that makes a subprocess use the test database."""
    settings = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coopwork.settings.test", "DEBUG": "1"}
    # This checkout's code first, as pytest's own ``pythonpath`` does: the virtualenv's editable
    # install may point at another checkout (a git worktree sharing it).
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p
    )
    if connection.vendor == "postgresql":
        user = settings.get("USER") or "postgres"
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
        return env
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        if connection.creation.is_in_memory_db(name):
            pytest.skip("the SQLite test database is in memory: another process cannot open it")
        path = Path(name)
        assert path.name == "coopwork.sqlite3", path
        env.pop("DATABASE_URL", None)
        env["COOPWORK_VAR_DIR"] = str(path.parent)
        return env
    pytest.skip(f"no ASGI subprocess recipe for {connection.vendor}")


@pytest.fixture
def asgi_server(transactional_db: None, output_dir: Path) -> Iterator[str]:
    """The project's ASGI app (HTTP and websockets) under daphne, on a free loopback port."""
    port = _free_port()
    log = (output_dir / "daphne.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "coopwork.asgi:application"],
        cwd=ROOT,
        env=_subprocess_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited with {process.returncode}: see daphne.log")
            try:
                with urllib.request.urlopen(f"{base}/", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("daphne did not answer within 30 s")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_ride_booked_accepted_and_followed_live_without_reload(
    asgi_server: str, browser: Browser, output_dir: Path
) -> None:
    call_command("seed_demo", "--url", asgi_server, stdout=StringIO())
    base = asgi_server
    shot = Shots(output_dir)
    errors: list[str] = []

    # Léa books a ride: she sees the fare before confirming.
    client_ctx, client = new_page(browser, errors)
    sign_in(client, base, "lea", "lea-demo-2026")
    client.goto(f"{base}/c/{SLUG}/book/ride/")
    start = local_slot(20)
    client.select_option("#id_pickup_known", "bellecour")
    client.select_option("#id_dropoff_known", "part-dieu")
    client.fill("#id_date", start.date().isoformat())
    client.fill("#id_time", start.strftime("%H:%M"))
    client.fill("#id_passengers", "2")
    quote = client.locator("#quote")
    expect(quote.locator("[data-total]")).to_contain_text("€")
    expect(quote).to_contain_text("Distance")
    shot(client, "client-ride-fare-before-confirming")
    quote.get_by_role("button", name=re.compile(r"Confirm and book")).click()
    expect(client).to_have_url(re.compile(rf"/c/{SLUG}/jobs/\d+/$"))
    job = Job.objects.get(pk=int(client.url.rstrip("/").rsplit("/", 1)[1]))
    assert job.kind == "ride" and job.client.get_username() == "lea"
    status = client.locator("[data-live-status]")
    expect(status).to_have_text("open")
    live = client.locator("#job-state")
    expect(live).to_have_attribute("data-live-mode", "socket")  # the websocket is open
    client.evaluate("window.__marker = 1")
    shot(client, "client-waiting-for-a-driver")

    # The coordinator watches the live board.
    coord_ctx, board = new_page(browser, errors)
    sign_in(board, base, "nora", "nora-demo-2026")
    board.goto(f"{base}/c/{SLUG}/coord/")
    expect(board.locator("#column-open")).to_contain_text(job.reference)
    expect(board.locator("#coord-columns")).to_have_attribute("data-live-mode", "socket")
    board.evaluate("window.__marker = 1")

    # Ahmed, on his phone and sharing his position, takes the ride.
    worker_ctx, worker = new_page(
        browser,
        errors,
        phone=True,
        geolocation={"latitude": 45.7640, "longitude": 4.8357},
        permissions=["geolocation"],
    )
    sign_in(worker, base, "ahmed", "ahmed-demo-2026")
    worker.goto(f"{base}/c/{SLUG}/work/")
    card = worker.locator(f"#open-job-{job.pk}")
    expect(card).to_contain_text("for you")
    shot(worker, "driver-sees-the-ride")
    card.get_by_role("button", name="Take this job").click()
    expect(worker.locator(".notice-success")).to_contain_text("It is yours")

    # The client's page shows it at once, without a reload.
    expect(status).to_have_text("assigned")
    expect(live).to_contain_text("ahmed")
    assert client.evaluate("window.__marker") == 1
    shot(client, "client-sees-the-driver-assigned-live")
    board_job = board.locator(f"#board-job-{job.pk}")
    expect(board.locator("#column-assigned")).to_contain_text(job.reference)
    expect(board_job).to_contain_text("ahmed")
    assert board.evaluate("window.__marker") == 1
    shot(board, "coordinator-board-follows-live")

    # He sets off: his browser sends his position, the client sees the ETA.
    worker.locator(f"#my-job-{job.pk}").get_by_role("button", name="On my way").click()
    expect(worker.locator(".notice-success")).to_contain_text("On your way")
    expect(status).to_have_text("en route")
    eta = client.locator("[data-tracking] [data-eta]")
    expect(eta).to_contain_text(re.compile(r"About \d+ min away"))
    assert client.evaluate("window.__marker") == 1
    shot(worker, "driver-on-the-way")
    shot(client, "client-sees-position-and-eta-live")

    # Picks the passengers up, drops them off: the client's page follows, still not reloaded.
    worker.locator(f"#my-job-{job.pk}").get_by_role("button", name=re.compile("start")).click()
    expect(status).to_have_text("started")
    worker.locator(f"#my-job-{job.pk}").get_by_role("button", name=re.compile("finish")).click()
    expect(status).to_have_text("completed")
    expect(client.get_by_role("button", name="Approve the timesheet")).to_be_visible()
    assert client.evaluate("window.__marker") == 1
    expect(live).to_have_attribute("data-live-mode", "socket")
    shot(client, "client-sees-the-ride-completed-live")
    job.refresh_from_db()
    assert job.status == "completed"
    client_ctx.close()
    worker_ctx.close()
    coord_ctx.close()
    # Queries made between browser steps run inside Playwright's greenlet, whose connection the
    # test database's teardown does not see: close it here (on PostgreSQL it would otherwise keep
    # the test database busy when it is dropped).
    connections.close_all()
    assert errors == [], errors


# --- 3. The worker area follows the co-op's open jobs, without a reload -------------------------

# Keeps the worker area's 30-second re-fetch (data-live-poll-always) from running, so that what
# the page shows can only have come through its websocket (the 15-second fallback poll runs only
# while the socket is down, and the test checks it stays up).
NO_ALWAYS_POLL = """
(() => {
  const original = window.setInterval;
  window.__alwaysPollBlocked = 0;
  window.setInterval = function (fn, ms, ...rest) {
    if (ms === 30000) { window.__alwaysPollBlocked += 1; return 0; }
    return original.call(window, fn, ms, ...rest);
  };
})();
"""


def test_new_ride_reaches_the_worker_area_live_and_leaves_it_when_taken(
    asgi_server: str, browser: Browser, output_dir: Path
) -> None:
    call_command("seed_demo", "--url", asgi_server, stdout=StringIO())
    base = asgi_server
    shot = Shots(output_dir)
    errors: list[str] = []
    coop = Cooperative.objects.get(slug=SLUG)
    # A second driver of the co-op, who will take the ride.
    bruno = testing.make_user("bruno", password="bruno-test-2026")
    role_grant(cooperative=coop, user=bruno, role="worker", actor=None)
    worker_profile_save(cooperative=coop, user=bruno, skills=["driving"], vehicle="car")

    # Ahmed has the worker area open on his phone, on its websocket.
    ahmed_ctx, ahmed = new_page(browser, errors, phone=True)
    ahmed.add_init_script(NO_ALWAYS_POLL)
    frames: list[tuple[str, str]] = []
    ahmed.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda data: frames.append((ws.url, str(data)))),
    )
    sign_in(ahmed, base, "ahmed", "ahmed-demo-2026")
    ahmed.goto(f"{base}/c/{SLUG}/work/")
    lists = ahmed.locator("#work-lists")
    expect(lists).to_have_attribute("data-live-mode", "socket")
    assert ahmed.evaluate("window.__alwaysPollBlocked") == 1
    before = ahmed.locator("[id^=open-job-]").count()
    ahmed.evaluate("window.__marker = 1")
    shot(ahmed, "driver-worker-area-before")

    # Léa books a ride.
    client_ctx, client = new_page(browser, errors)
    sign_in(client, base, "lea", "lea-demo-2026")
    client.goto(f"{base}/c/{SLUG}/book/ride/")
    start = local_slot(40)
    client.select_option("#id_pickup_known", "bellecour")
    client.select_option("#id_dropoff_known", "part-dieu")
    client.fill("#id_date", start.date().isoformat())
    client.fill("#id_time", start.strftime("%H:%M"))
    quote = client.locator("#quote")
    expect(quote.locator("[data-total]")).to_contain_text("€")
    quote.get_by_role("button", name=re.compile(r"Confirm and book")).click()
    expect(client).to_have_url(re.compile(rf"/c/{SLUG}/jobs/\d+/$"))
    job = Job.objects.get(pk=int(client.url.rstrip("/").rsplit("/", 1)[1]))

    # It appears in Ahmed's open jobs, with his pay, without a reload.
    card = ahmed.locator(f"#open-job-{job.pk}")
    expect(card).to_contain_text(job.title)
    expect(card.locator(".pay")).to_contain_text("for you")
    expect(card.get_by_role("button", name="Take this job")).to_be_visible()
    expect(ahmed.locator("[id^=open-job-]")).to_have_count(before + 1)
    assert ahmed.evaluate("window.__marker") == 1
    expect(lists).to_have_attribute("data-live-mode", "socket")
    card.scroll_into_view_if_needed()
    shot(ahmed, "driver-sees-the-new-ride-live")

    # Bruno takes it on his phone.
    bruno_ctx, bruno_page = new_page(browser, errors, phone=True)
    sign_in(bruno_page, base, "bruno", "bruno-test-2026")
    bruno_page.goto(f"{base}/c/{SLUG}/work/")
    bruno_page.locator(f"#open-job-{job.pk}").get_by_role("button", name="Take this job").click()
    expect(bruno_page.locator(".notice-success")).to_contain_text("It is yours")
    shot(bruno_page, "other-driver-took-the-ride")

    # It leaves Ahmed's list, still without a reload and still on the socket.
    expect(card).to_have_count(0)
    expect(ahmed.locator("[id^=open-job-]")).to_have_count(before)
    assert ahmed.evaluate("window.__marker") == 1
    expect(lists).to_have_attribute("data-live-mode", "socket")
    shot(ahmed, "driver-list-after-the-ride-was-taken")

    # What came through his worker socket: the events' names, never a job or its status.
    work = [json.loads(data) for url, data in frames if url.endswith(f"/ws/work/{SLUG}/")]
    assert {"event": "job.opened", "payload": {}} in work, work
    assert {"event": "job.fill", "payload": {}} in work, work
    assert all(m["payload"] == {} for m in work if m["event"].startswith("job.")), work
    job.refresh_from_db()
    assert job.status == "assigned"
    assert Assignment.objects.get(job=job).worker_id == bruno.pk
    ahmed_ctx.close()
    client_ctx.close()
    bruno_ctx.close()
    connections.close_all()
    assert errors == [], errors
