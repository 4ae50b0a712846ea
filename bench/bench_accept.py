"""Accepting jobs under load: `job_claim` against a raw-SQL conditional UPDATE on the same
PostgreSQL, measured in the same run.

It reports:
- accept throughput (won claims per second) and latency p50/p99 at 32 and at 200 concurrent
  clients, for the real service and for the raw ceiling
  (`UPDATE bench_job SET taken_by=%s WHERE id=%s AND taken_by IS NULL`), each the median of
  several repetitions, and the ratios service/raw: of throughput (higher is better) and of p99
  and p50 (lower is better);
- doubles: at least 100,000 claim attempts through the real service, racing 20 to a job, then the
  ACTIVE assignments counted per job (never more than its positions, exactly 1 per taken job);
- where the time goes: queries per claim, and what the PostgreSQL backends were doing while the
  service ran (sampled from pg_stat_activity).

The load model: each client is a thread that claims, waits for the answer and claims again (closed
loop, no think time), as a worker tapping "accept". Clients borrow a database connection from a
fixed pool per process (at most 32 connections in all, since the server allows 100 and is shared),
so at 200 clients the wait for a connection is part of the latency, as in an app server with a
connection pool. The number of processes sharing the clients is chosen by measuring (printed).

Needs PostgreSQL: run with
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coopwork .venv/bin/python bench/bench_accept.py
Without DATABASE_URL it uses that URL if a PostgreSQL server answers at 127.0.0.1:5432 (as user
postgres), so `make bench` measures claims wherever one runs; if none answers, or DATABASE_URL
names another database, it says so and exits 0, so `make bench` passes without PostgreSQL. A
PostgreSQL DATABASE_URL whose server does not answer is an error (exit 1). It works in a
throw-away `test_..._bench_accept_<pid>` database that it destroys at the end, and only talks to
that server. `--quick` runs a small version (a smoke test, not figures).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import math
import multiprocessing as mp
import os
import queue
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopwork.settings.base")
_VAR_DIR = None
if "COOPWORK_VAR_DIR" not in os.environ:
    _VAR_DIR = tempfile.mkdtemp(prefix="coopwork-bench-")
    os.environ["COOPWORK_VAR_DIR"] = _VAR_DIR
# DEBUG records every query in memory; a server under load runs without it.
os.environ.setdefault("DEBUG", "0")
# A won claim tells the job's client, by e-mail too: not onto the console here.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
# As in production: background work (the e-mail outbox's drain) is a task row for a worker
# process (`manage.py db_worker`), not run inside the claim's request. No worker runs during the
# measured windows; the bench drains the outbox afterwards and times that on its own.
os.environ.setdefault("TASKS_BACKEND", "database")

import psycopg  # noqa: E402

EXAMPLE_URL = "postgres://postgres@127.0.0.1:5432/coopwork"


def _local_postgres() -> tuple[bool, str]:
    """Without DATABASE_URL, use the local server (EXAMPLE_URL) if it takes a connection. Runs
    before django.setup(), since the settings read DATABASE_URL once. Returns (used, what for)."""
    if os.environ.get("DATABASE_URL"):
        return False, ""
    where = "127.0.0.1:5432 as user postgres"
    try:
        psycopg.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3
        ).close()
    except psycopg.Error as exc:
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        why = f"DATABASE_URL is not set and no PostgreSQL takes a connection at {where} ({reason})"
        return False, why
    os.environ["DATABASE_URL"] = EXAMPLE_URL
    return True, f"DATABASE_URL is not set: using the PostgreSQL at {where} ({EXAMPLE_URL})"


LOCAL_USED, LOCAL_NOTE = _local_postgres()

import django  # noqa: E402

django.setup()

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from coopwork.core.errors import CoopError  # noqa: E402

CLIENT_LEVELS = (32, 200)


@dataclass(frozen=True)
class Plan:
    pool_max: int = 32  # database connections for the clients, all processes together
    window_s: float = 5.0  # each throughput run stops after this long (or when its jobs run out)
    repeats: int = 3  # throughput runs per level and implementation (median reported)
    hot_racers: int = 2  # claims racing on each job in the throughput runs
    # Won claims per second each side's jobs are sized for (one job is won per `hot_racers`
    # attempts). Measured on the 2-core bench machine, 2026-11-29: the service 1,870/s at 32
    # clients (1,575/s at 200), the raw UPDATE 6,324/s. See jobs_per_run.
    service_rate: float = 2_000
    raw_rate: float = 8_000
    headroom: float = 2.5
    probe_window_s: float = 3.0
    probe_procs: tuple[int, ...] = (1, 2)  # 4 was tried: slower for both sides on 2 cores
    doubles_attempts: int = 100_000
    # 20 racing per job (5,000 jobs), so most attempts are losses told the job is taken: about
    # 3,000 attempts/s here, 100,000 in about 30 s.
    doubles_racers: int = 20
    doubles_clients: int = 200
    doubles_limit_s: float = 480.0  # the doubles run stops here even if attempts remain
    workers: int = 200
    booked: int = 40  # rides booked through job_book; the rest are copies of one of them

    def jobs_per_run(self, impl: str, window_s: float) -> int:
        """Fresh jobs (service) or rows (raw) for one run: `headroom` times what its window takes
        at the planned rate, so the window and not the supply of jobs ends the run (a run that
        runs out all the same says so). For the service's 5 s runs that is 25,000 jobs, enough for
        13 s at the measured 1,870/s; with the 3 s probes and the doubles, ~215,000 jobs in all,
        copied in SQL at ~30,000 jobs/s (the set-up prints the time)."""
        rate = self.service_rate if impl == "service" else self.raw_rate
        return math.ceil(self.headroom * window_s * rate)


QUICK = Plan(
    window_s=2.0,
    repeats=1,
    probe_window_s=1.0,
    probe_procs=(1, 2),
    doubles_attempts=4_000,
    doubles_limit_s=60.0,
    booked=10,
)

# Set before forking, read by the client processes (fork copies them).
COOP: Any = None
WORKERS: list[Any] = []
RAW_DSN: dict[str, Any] = {}


# --- Fixtures -------------------------------------------------------------------------------------


def make_fixtures(plan: Plan, service_jobs: int) -> tuple[list[int], list[str]]:
    """The co-op, its workers and `service_jobs` open rides. Returns the job ids and notes."""
    global COOP, WORKERS
    from coopwork import testing
    from coopwork.core.services import role_grant
    from coopwork.marketplace.booking import Place, RideRequest
    from coopwork.marketplace.models import Job, RideDetail
    from coopwork.marketplace.services import job_book, worker_profile_save

    notes = []
    COOP = testing.make_coop(f"bench-accept-{int(time.time())}")
    # Fast hashing for the fixture accounts only (claims never hash a password).
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        client = testing.make_user("bench-client")
        for i in range(plan.workers):
            user = testing.make_user(f"bench-driver-{i}")
            role_grant(cooperative=COOP, user=user, role="worker", actor=None)
            worker_profile_save(cooperative=COOP, user=user, skills=[], vehicle="car")
            WORKERS.append(user)
    pickup = Place("10 rue de Rivoli, Paris", 48.8556, 2.3600)
    dropoff = Place("Musée d'Orsay, Paris", 48.8600, 2.3266)
    start = timezone.now() + dt.timedelta(minutes=30)
    t0 = time.perf_counter()
    booked = [
        job_book(
            cooperative=COOP,
            client=client,
            request=RideRequest(pickup=pickup, dropoff=dropoff, starts_at=start),
        )
        for _ in range(plan.booked)
    ]
    book_s = time.perf_counter() - t0
    rate = plan.booked / book_s
    notes.append(
        f"booked {plan.booked} rides through job_book at {rate:,.0f}/s; booking all "
        f"{service_jobs:,} that way would take ~{service_jobs / rate:,.0f} s, so the other "
        f"{service_jobs - plan.booked:,} are copies of a booked ride, made in SQL "
        "(bench fixtures only: same price, terms and detail row)"
    )
    # INSERT ... SELECT from the booked ride's rows: the same values bulk_create wrote, about 8
    # times as fast (bulk_create did ~4,000 jobs/s), booked_at and updated_at set to now().
    qn = connection.ops.quote_name
    cols = [
        qn(f.column)
        for f in Job._meta.concrete_fields
        if f.attname not in ("id", "booked_at", "updated_at")
    ]
    ride_cols = [
        qn(f.column) for f in RideDetail._meta.concrete_fields if f.attname not in ("id", "job_id")
    ]
    copy_sql = f"""
        WITH new AS (
          INSERT INTO {qn(Job._meta.db_table)} ({", ".join(cols)}, booked_at, updated_at)
          SELECT {", ".join(f"t.{c}" for c in cols)}, now(), now()
          FROM {qn(Job._meta.db_table)} t CROSS JOIN generate_series(1, %s)
          WHERE t.id = %s
          RETURNING id
        )
        INSERT INTO {qn(RideDetail._meta.db_table)} (job_id, {", ".join(ride_cols)})
        SELECT new.id, {", ".join(f"r.{c}" for c in ride_cols)}
        FROM new CROSS JOIN {qn(RideDetail._meta.db_table)} r
        WHERE r.job_id = %s
        RETURNING job_id
    """
    template = booked[0].pk
    t0 = time.perf_counter()
    todo = service_jobs - plan.booked
    copies: list[int] = []
    with connection.cursor() as cur:
        while todo > 0:
            batch = min(todo, 10_000)
            cur.execute(copy_sql, [batch, template, template])
            copies.extend(row[0] for row in cur.fetchall())
            todo -= batch
    copy_s = time.perf_counter() - t0
    if len(copies) != service_jobs - plan.booked:
        raise RuntimeError(f"copied {len(copies):,} jobs, not {service_jobs - plan.booked:,}")
    notes.append(
        f"copied {len(copies):,} jobs with their ride rows in {copy_s:.1f} s "
        f"({len(copies) / copy_s:,.0f} jobs/s)"
    )
    return [j.pk for j in booked] + sorted(copies), notes


def make_raw_table(rows: int) -> None:
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_job (id bigint PRIMARY KEY, taken_by bigint)")
        cur.execute("INSERT INTO bench_job (id) SELECT generate_series(1, %s)", [rows])
        cur.execute("ANALYZE bench_job")


def checkpoint() -> str:
    """Write the fixtures' pages out now, which makes it unlikely that a checkpoint of the set-up's
    writes (its disk writes, and the full-page images it makes the next writes log) lands in a
    measured window: the next one is due after checkpoint_timeout or max_wal_size of WAL, which
    the server's other databases write to as well. Needs a superuser or the pg_checkpoint role;
    without it the bench goes on."""
    t0 = time.perf_counter()
    try:
        with connection.cursor() as cur:
            cur.execute("CHECKPOINT")
    except DatabaseError as exc:
        return f"no CHECKPOINT before measuring ({exc.__class__.__name__}: {exc})".strip()
    return f"CHECKPOINT after the set-up, before measuring ({time.perf_counter() - t0:.1f} s)"


# --- One run: clients in processes, each process with its own connection pool -----------------


@dataclass
class Run:
    impl: str  # "service" or "raw"
    clients: int
    procs: int
    pool: int
    job_ids: Sequence[int]
    racers: int
    window_s: float
    fill_window: bool = True  # a throughput run: running out of jobs before the window is a flaw


@dataclass
class Result:
    run: Run
    elapsed: float = 0.0
    attempts: int = 0
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    latencies: array = field(default_factory=lambda: array("d"))
    won_latencies: array = field(default_factory=lambda: array("d"))
    first_error: str = ""
    waits: collections.Counter[str] = field(default_factory=collections.Counter)
    wait_samples: int = 0
    usage: Usage | None = None  # CPU and WAL over the run, where they could be read
    ran_out: bool = False  # every job handed out: the supply, not the window, ended the run

    def per_win(self) -> str:
        u = self.usage
        if u is None or not self.accepted:
            return ""
        stolen = f", {u.steal_s / u.wall_s:.2f} stolen" if u.steal_s / u.wall_s >= 0.01 else ""
        return (
            f"    per won claim: CPU {u.client_s * 1000 / self.accepted:.3f} ms in the client "
            f"processes, {(u.busy_s - u.client_s) * 1000 / self.accepted:.3f} ms elsewhere "
            "(the database server, mostly, and the bench's parent process with its sampler; "
            f"{u.busy_s / u.wall_s:.2f} of {os.cpu_count()} cores busy{stolen}); "
            f"WAL {u.wal_bytes / self.accepted:,.0f} B"
        )

    def short_supply(self) -> str:
        """A warning when a throughput run ran out of jobs before its window ended."""
        if not (self.ran_out and self.run.fill_window):
            return ""
        return (
            f"    ran out of jobs after {self.elapsed:.2f} s of its {self.run.window_s:.0f} s "
            f"window ({len(self.run.job_ids):,} jobs): raise Plan.{self.run.impl}_rate"
        )

    @property
    def accepted(self) -> int:
        return self.outcomes["accepted"]

    @property
    def rate(self) -> float:
        return self.accepted / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float, won: bool = False) -> float:
        data = sorted(self.won_latencies if won else self.latencies)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000


@dataclass(frozen=True)
class Usage:
    """The machine's busy CPU time, the client processes' share of it and the WAL written, between
    two readings (Linux ``/proc/stat``, ``os.times`` of waited-for children, ``pg_stat_wal``). The
    machine and the database server are taken to be quiet apart from the bench. Steal time (the
    hypervisor running other guests on our virtual CPUs) is not our CPU: it is kept apart."""

    wall_s: float
    busy_s: float
    client_s: float
    wal_bytes: int
    steal_s: float = 0.0

    @staticmethod
    def read() -> Usage | None:
        try:
            with open("/proc/stat") as f:
                ticks = [int(x) for x in f.readline().split()[1:]]
            with psycopg.connect(**RAW_DSN, autocommit=True) as conn:
                row = conn.execute("SELECT wal_bytes FROM pg_stat_wal").fetchone()
        except (OSError, psycopg.Error):
            return None
        hz = os.sysconf("SC_CLK_TCK")
        # user, nice, system, irq, softirq (guest time is inside user); idle, iowait and steal
        # (field 8) left out of busy
        busy = (sum(ticks[:3]) + sum(ticks[5:7])) / hz
        steal = ticks[7] / hz if len(ticks) > 7 else 0.0
        t = os.times()
        client = t.children_user + t.children_system
        return Usage(time.monotonic(), busy, client, int(row[0]) if row else 0, steal)

    def __sub__(self, other: Usage) -> Usage:
        return Usage(
            self.wall_s - other.wall_s,
            self.busy_s - other.busy_s,
            self.client_s - other.client_s,
            self.wal_bytes - other.wal_bytes,
            self.steal_s - other.steal_s,
        )


def _service_pool(size: int) -> list[Any]:
    pool = []
    for _ in range(size):
        wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
        wrapper.ensure_connection()
        wrapper.inc_thread_sharing()  # borrowed by one client thread at a time
        pool.append(wrapper)
    return pool


def _service_attempt(conn: Any, job_id: int, worker: Any) -> str:
    from coopwork.marketplace.services import job_claim

    connections[DEFAULT_DB_ALIAS] = conn  # this thread's connection until it gives it back
    try:
        assignment = job_claim(cooperative=COOP, job_id=job_id, worker=worker)
    except CoopError as exc:
        return "taken" if exc.code == "job_taken" else f"refused:{exc.code}"
    return "accepted" if assignment.status == "active" else assignment.status


def _raw_pool(size: int) -> list[Any]:
    return [psycopg.connect(**RAW_DSN, autocommit=True) for _ in range(size)]


def _raw_attempt(conn: Any, job_id: int, worker: Any) -> str:
    cur = conn.execute(
        "UPDATE bench_job SET taken_by = %s WHERE id = %s AND taken_by IS NULL",
        (worker.pk, job_id),
    )
    return "accepted" if cur.rowcount == 1 else "taken"


def _child(run: Run, part: int, counter: Any, deadline: Any, barrier: Any, go: Any, pipe: Any):
    """One process: its share of the clients, and a pool of connections they borrow."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    local_pool = run.pool // run.procs + (1 if part < run.pool % run.procs else 0)
    local_clients = run.clients // run.procs + (1 if part < run.clients % run.procs else 0)
    try:
        if run.impl == "service":
            conns, attempt = _service_pool(local_pool), _service_attempt
        else:
            conns, attempt = _raw_pool(local_pool), _raw_attempt
    except Exception:
        pipe.send({"fatal": traceback.format_exc()})
        barrier.abort()  # the parent stops waiting at once
        return
    pool: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for c in conns:
        pool.put(c)
    out: dict[str, Any] = {
        "outcomes": collections.Counter(),
        "lat": array("d"),
        "won": array("d"),
        "last": 0.0,
        "error": "",
    }
    lock = threading.Lock()
    start = threading.Event()
    limit = len(run.job_ids) * run.racers

    def client(index: int) -> None:
        worker = WORKERS[(part + index * run.procs) % len(WORKERS)]
        outcomes: collections.Counter[str] = collections.Counter()
        lat, won = array("d"), array("d")
        error = ""
        start.wait()
        end = deadline.value
        t1 = 0.0
        while True:
            with counter.get_lock():
                i = counter.value
                counter.value = i + 1
            if i >= limit or time.monotonic() >= end:
                break
            job_id = run.job_ids[i // run.racers]
            t0 = time.monotonic()
            conn = pool.get()
            try:
                outcome = attempt(conn, job_id, worker)
            except Exception as exc:  # counted and shown: a bench must not hide failures
                outcome = f"error:{type(exc).__name__}"
                error = error or traceback.format_exc()
            finally:
                pool.put(conn)
            t1 = time.monotonic()
            outcomes[outcome] += 1
            lat.append(t1 - t0)
            if outcome == "accepted":
                won.append(t1 - t0)
        with lock:
            out["outcomes"].update(outcomes)
            out["lat"].extend(lat)
            out["won"].extend(won)
            out["last"] = max(out["last"], t1)
            out["error"] = out["error"] or error

    threads = [
        threading.Thread(target=client, args=(k,), daemon=True) for k in range(local_clients)
    ]
    for t in threads:
        t.start()
    barrier.wait()
    go.wait()
    start.set()
    for t in threads:
        t.join()
    for c in conns:
        c.close()
    out["lat"] = out["lat"].tobytes()
    out["won"] = out["won"].tobytes()
    pipe.send(out)
    pipe.close()


class ActivitySampler:
    """Samples what the bench database's backends are doing (state, wait, statement)."""

    TABLE = re.compile(r'(?:FROM|UPDATE|INTO)\s+"?(\w+)"?', re.IGNORECASE)
    COLUMN = re.compile(r'"(\w+)"\."')  # the first qualified column names the table

    def __init__(self, dbname: str, interval: float = 0.05) -> None:
        self.dbname, self.interval = dbname, interval
        self.counts: collections.Counter[str] = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _label(self, state: str, wtype: str | None, wevent: str | None, query: str) -> str:
        if state == "idle in transaction":
            return "idle in transaction (client-side Python between statements)"
        if state == "idle":
            return "idle (waiting for a client to borrow it)"
        words = query.split(None, 1)
        verb = words[0].upper() if words else "?"
        match = self.TABLE.search(query) or self.COLUMN.search(query)
        what = f"{verb} {match.group(1) if match else ''}"
        if "FOR UPDATE" in query.upper():
            what += " FOR UPDATE"
        elif len(query) >= 1000 and verb == "SELECT":
            what += " (text cut off)"
        if verb in ("COMMIT", "BEGIN", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            what = verb
        wait = f"{wtype}:{wevent}" if wtype else "on CPU"
        return f"{what.strip()} [{wait}]"

    def _loop(self) -> None:
        with psycopg.connect(**RAW_DSN, autocommit=True) as conn:
            me = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
            while not self._stop.wait(self.interval):
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> %s AND backend_type = 'client backend'",
                    (self.dbname, me),
                ).fetchall()
                self.samples += 1
                for state, wtype, wevent, query in rows:
                    self.counts[self._label(state or "", wtype, wevent, query or "")] += 1

    def __enter__(self) -> ActivitySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_once(run: Run, sample: bool = False) -> Result:
    ctx = mp.get_context("fork")
    counter = ctx.Value("q", 0)
    deadline = ctx.Value("d", 0.0, lock=False)
    barrier = ctx.Barrier(run.procs + 1)
    go = ctx.Event()
    connections.close_all()  # children must not share the parent's socket
    before = Usage.read()  # the children's whole lifetime is counted, so start before them
    pipes, procs = [], []
    for part in range(run.procs):
        receiver, sender = ctx.Pipe(duplex=False)
        p = ctx.Process(
            target=_child, args=(run, part, counter, deadline, barrier, go, sender), daemon=True
        )
        p.start()
        sender.close()
        pipes.append(receiver)
        procs.append(p)
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        fatal = [r.recv().get("fatal", "") for r in pipes if r.poll(5)]
        for p in procs:
            p.kill()
        raise RuntimeError(f"client processes could not start:\n{''.join(fatal)}") from None
    sampler = ActivitySampler(connection.settings_dict["NAME"]) if sample else None
    if sampler:
        sampler.__enter__()
    t_start = time.monotonic()
    deadline.value = t_start + run.window_s
    go.set()
    result = Result(run)
    last = t_start
    try:
        for receiver, p in zip(pipes, procs, strict=True):
            if not receiver.poll(run.window_s + 300):
                raise RuntimeError(f"a client process did not answer ({run})")
            out = receiver.recv()
            p.join(30)
            result.outcomes.update(out["outcomes"])
            lat = array("d")
            lat.frombytes(out["lat"])
            result.latencies.extend(lat)
            won = array("d")
            won.frombytes(out["won"])
            result.won_latencies.extend(won)
            last = max(last, out["last"])
            result.first_error = result.first_error or out["error"]
    finally:
        if sampler:
            sampler.__exit__(None, None, None)
            result.waits, result.wait_samples = sampler.counts, sampler.samples
        for p in procs:
            if p.is_alive():
                p.kill()
    after = Usage.read()  # the children are joined: their CPU time is counted
    if before is not None and after is not None:
        result.usage = after - before
    result.elapsed = last - t_start
    result.attempts = len(result.latencies)
    result.ran_out = result.attempts >= len(run.job_ids) * run.racers
    return result


# --- Report helpers -------------------------------------------------------------------------------


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}/s"


def describe(r: Result) -> str:
    others = {k: v for k, v in r.outcomes.items() if k not in ("accepted", "taken")}
    extra = f" other={dict(others)}" if others else ""
    return (
        f"{r.run.impl:7} {r.run.clients:3} clients {r.run.procs} proc pool {r.run.pool:2}: "
        f"{fmt_rate(r.rate):>9} accepts, {r.attempts / r.elapsed:,.0f} attempts/s, "
        f"p50 {r.pct(50):6.1f} ms p99 {r.pct(99):7.1f} ms (won p99 {r.pct(99, True):7.1f} ms), "
        f"{r.accepted:,} won / {r.attempts:,} in {r.elapsed:.2f} s{extra}"
    )


class JobSource:
    """Hands out disjoint slices of fresh open jobs (service) or fresh rows (raw)."""

    def __init__(self, service_ids: list[int], raw_rows: int) -> None:
        self.service_ids, self.s = service_ids, 0
        self.raw_rows, self.r = raw_rows, 1

    def take(self, impl: str, n: int) -> Sequence[int]:
        ids: Sequence[int]
        if impl == "service":
            ids = self.service_ids[self.s : self.s + n]
            self.s += len(ids)
        else:
            ids = range(self.r, min(self.r + n, self.raw_rows + 1))
            self.r += len(ids)
        if len(ids) < n:
            raise RuntimeError(f"the bench ran out of {impl} jobs: plan more")
        return ids


def median_of(results: list[Result], key: Callable[[Result], float]) -> float:
    return statistics.median(key(r) for r in results)


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run, not figures")
    args = parser.parse_args()
    plan = QUICK if args.quick else Plan()

    if connection.vendor != "postgresql":
        why = LOCAL_NOTE or f"DATABASE_URL names a {connection.vendor} database"
        print(
            "bench_accept: skipped: it needs PostgreSQL (claims race on row locks).\n"
            f"  {why}.\n  Run it against a PostgreSQL server with\n"
            f"  DATABASE_URL={EXAMPLE_URL} .venv/bin/python bench/bench_accept.py"
        )
        return 0
    s = connection.settings_dict
    try:  # the server (its maintenance database, where the test database is created) answers?
        psycopg.connect(
            host=s["HOST"] or None,
            port=s["PORT"] or None,
            user=s["USER"] or None,
            password=s["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.Error as exc:
        print(
            f"bench_accept: DATABASE_URL names a PostgreSQL server that does not answer: {exc}\n"
            "Start it, or unset DATABASE_URL to skip this bench where no PostgreSQL runs."
        )
        return 1

    bench_start = time.monotonic()
    # A plain `kill` (or `timeout`) still drops the test database: SIGTERM becomes SystemExit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # A name of its own: autoclobber must never drop the test database of a concurrent test run.
    name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"test_{name}_bench_accept_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    test_db = connection.settings_dict["NAME"]
    try:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
                " - (SELECT count(*) FROM pg_stat_activity)"
            )
            free = cur.fetchone()[0]
        pool_max = max(4, min(plan.pool_max, free - 10))
        return bench(plan, pool_max, free, bench_start)
    finally:
        connections.close_all()
        # Client processes killed mid-run may leave backends behind; DROP DATABASE needs none.
        dsn = {**RAW_DSN, "dbname": "postgres"} if RAW_DSN else None
        if dsn:
            with psycopg.connect(**dsn, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (test_db,),
                )
        connection.creation.destroy_test_db(test_db, verbosity=0)


def bench(plan: Plan, pool_max: int, free: int, bench_start: float) -> int:
    from coopwork.core.models import AuditEntry
    from coopwork.marketplace.models import Assignment, Job
    from coopwork.marketplace.services import job_claim

    s = connection.settings_dict
    RAW_DSN.update(
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
    )
    n_probe_runs = len(plan.probe_procs) * 2
    n_level_runs = len(CLIENT_LEVELS) * plan.repeats

    def needed(impl: str) -> int:
        probes = n_probe_runs * plan.jobs_per_run(impl, plan.probe_window_s)
        return probes + n_level_runs * plan.jobs_per_run(impl, plan.window_s)

    doubles_jobs = plan.doubles_attempts // plan.doubles_racers
    service_jobs = needed("service") + doubles_jobs + 100
    ids, notes = make_fixtures(plan, service_jobs)
    notes.append(
        f"{plan.jobs_per_run('service', plan.window_s):,} fresh jobs per {plan.window_s:.0f} s "
        f"service run ({plan.headroom} x the window at a planned {plan.service_rate:,.0f} won "
        f"claims/s), {plan.jobs_per_run('raw', plan.window_s):,} rows per raw run "
        f"(at {plan.raw_rate:,.0f}/s)"
    )
    raw_rows = needed("raw") + 100
    make_raw_table(raw_rows)
    source = JobSource(ids, raw_rows)
    notes.append(checkpoint())

    print(
        f"accept bench on PostgreSQL {connection.pg_version // 10000}, "
        f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}), {len(WORKERS)} workers, "
        f"DEBUG={os.environ['DEBUG']}"
    )
    if LOCAL_USED:
        print(f"  {LOCAL_NOTE}")
    for note in notes:
        print(f"  setup: {note}")
    print(f"  clients share at most {pool_max} connections (server has {free} free)")

    # One client alone: latency and queries of a win, of a loss, and of the raw UPDATE.
    w1, w2 = WORKERS[0], WORKERS[1]
    solo: dict[str, list[float]] = {"win": [], "loss": [], "raw": []}
    for job_id in source.take("service", 40):
        for key, worker in (("win", w1), ("loss", w2)):
            t0 = time.perf_counter()
            with contextlib.suppress(CoopError):
                job_claim(cooperative=COOP, job_id=job_id, worker=worker)
            solo[key].append(time.perf_counter() - t0)
    with psycopg.connect(**RAW_DSN, autocommit=True) as raw_conn:
        for row in source.take("raw", 40):
            t0 = time.perf_counter()
            _raw_attempt(raw_conn, row, w1)
            solo["raw"].append(time.perf_counter() - t0)
    job_id = source.take("service", 1)[0]
    with CaptureQueriesContext(connection) as won_q:
        job_claim(cooperative=COOP, job_id=job_id, worker=w1)
    with CaptureQueriesContext(connection) as lost_q, contextlib.suppress(CoopError):
        job_claim(cooperative=COOP, job_id=job_id, worker=w2)
    ms = {k: statistics.median(v) * 1000 for k, v in solo.items()}
    print(
        f"  one client alone (median of 40): win {ms['win']:.1f} ms ({len(won_q)} queries), "
        f"loss {ms['loss']:.1f} ms ({len(lost_q)} queries) | raw UPDATE {ms['raw']:.1f} ms "
        "(1 statement; each commit waits for its WAL flush)"
    )

    # Threads or processes: measure each at 32 clients and keep the fastest for each side.
    print(f"\nprobe: processes sharing 32 clients ({plan.probe_window_s:.0f} s runs, median of 2)")
    best: dict[str, int] = {}
    short: list[Result] = []  # runs that ran out of jobs before their window ended
    for impl in ("raw", "service"):
        per_mode: dict[int, list[float]] = {}
        for _ in range(2):
            for procs in plan.probe_procs:
                n = plan.jobs_per_run(impl, plan.probe_window_s)
                r = run_once(
                    Run(
                        impl,
                        32,
                        procs,
                        min(32, pool_max),
                        source.take(impl, n),
                        plan.hot_racers,
                        plan.probe_window_s,
                    )
                )
                check_clean(r)
                if r.short_supply():
                    short.append(r)
                    print(r.short_supply())
                per_mode.setdefault(procs, []).append(r.rate)
        line = ", ".join(f"{p} proc {fmt_rate(statistics.median(v))}" for p, v in per_mode.items())
        best[impl] = max(per_mode, key=lambda p: statistics.median(per_mode[p]))
        print(f"  {impl:7}: {line} -> {best[impl]} proc")

    # Throughput and latency at each level, raw and service alternating.
    print(
        f"\nthroughput: {plan.repeats} runs each, {plan.window_s:.0f} s windows, "
        f"{plan.hot_racers} claims racing per job"
    )
    table = []
    for clients in CLIENT_LEVELS:
        results: dict[str, list[Result]] = {"raw": [], "service": []}
        for rep in range(plan.repeats):
            for impl in ("raw", "service"):
                n = plan.jobs_per_run(impl, plan.window_s)
                r = run_once(
                    Run(
                        impl,
                        clients,
                        best[impl],
                        min(clients, pool_max),
                        source.take(impl, n),
                        plan.hot_racers,
                        plan.window_s,
                    ),
                    sample=impl == "service" and rep == 0,
                )
                check_clean(r)
                results[impl].append(r)
                print("  " + describe(r))
                if r.per_win():
                    print(r.per_win())
                if r.short_supply():
                    short.append(r)
                    print(r.short_supply())
        svc, raw = results["service"], results["raw"]
        table.append((clients, svc, raw))
        waits = svc[0]
        if waits.wait_samples:
            total = sum(waits.waits.values())
            print(
                f"  service @{clients}: what its {min(clients, pool_max)} backends were "
                f"doing ({waits.wait_samples} samples):"
            )
            for label, count in waits.waits.most_common(6):
                print(f"    {count / total:6.1%}  {label}")

    # The e-mails the won claims left in the outbox (each client is told its job was taken), sent
    # now as the worker would, timed apart from the accept path.
    print_outbox_drain()

    # Doubles: many attempts racing on fewer jobs, then count ACTIVE assignments per job.
    d_ids = source.take("service", doubles_jobs)
    print(
        f"\ndoubles: {plan.doubles_attempts:,} attempts through job_claim on "
        f"{doubles_jobs:,} rides ({plan.doubles_racers} racing per job), "
        f"{plan.doubles_clients} clients"
    )
    d = run_once(
        Run(
            "service",
            plan.doubles_clients,
            best["service"],
            min(plan.doubles_clients, pool_max),
            d_ids,
            plan.doubles_racers,
            plan.doubles_limit_s,
            fill_window=False,  # it stops when its attempts are made (or at the limit)
        )
    )
    print("  " + describe(d))
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT count(*) FILTER (WHERE n > positions),
                   count(*) FILTER (WHERE n = 1),
                   count(*) FILTER (WHERE n = 0),
                   coalesce(sum(n), 0),
                   count(*) FILTER (WHERE (n >= positions) <> (status = 'assigned'))
            FROM (
              SELECT j.id, j.positions, j.status,
                     count(a.id) FILTER (WHERE a.status = 'active') AS n
              FROM {Job._meta.db_table} j
              LEFT JOIN {Assignment._meta.db_table} a ON a.job_id = j.id
              WHERE j.id = ANY(%s)
              GROUP BY j.id
            ) per_job
            """,
            [d_ids],
        )
        doubles, one, none, active, inconsistent = cur.fetchone()
    print(
        f"  jobs: {one:,} with exactly 1 active assignment, {none:,} with none, "
        f"{doubles:,} over their positions; {active:,} active assignments for "
        f"{d.accepted:,} wins reported; {inconsistent:,} jobs whose status disagrees"
    )
    print(f"  doubles: {doubles}")
    from coopwork.core.audit import audit_verify_chain, chain_key

    t0 = time.perf_counter()
    problem = audit_verify_chain(chain_key(COOP))
    entries = AuditEntry.objects.filter(chain=chain_key(COOP)).count()
    print(
        f"  audit chain: {problem or 'intact'} ({entries:,} entries, checked in "
        f"{time.perf_counter() - t0:.1f} s)"
    )

    # Summary.
    print(
        "\nsummary (medians of the runs; ratio = service accepts/s over raw accepts/s, higher is "
        "better, aim >= 0.25;\n  latency ratios = service ms over raw ms, lower is better)"
    )
    for clients, svc, raw in table:
        s_rate, r_rate = median_of(svc, lambda r: r.rate), median_of(raw, lambda r: r.rate)
        s50, r50 = median_of(svc, lambda r: r.pct(50)), median_of(raw, lambda r: r.pct(50))
        s99, r99 = median_of(svc, lambda r: r.pct(99)), median_of(raw, lambda r: r.pct(99))
        print(
            f"  accept @{clients} clients: service {s_rate:,.0f}/s p50 {s50:.1f} ms "
            f"p99 {s99:.1f} ms | raw {r_rate:,.0f}/s p50 {r50:.1f} ms p99 {r99:.1f} ms | "
            f"ratio {s_rate / r_rate:.3f}"
        )
        print(
            f"  latency @{clients} clients: p99 ratio {s99 / r99:.2f}, p50 ratio {s50 / r50:.2f} "
            "(service over raw: lower is better, 1.00 = as fast as raw)"
        )
    if short:
        print(
            f"  WARNING: {len(short)} run(s) ran out of jobs before their window ended "
            "(their rates still count; raise Plan.service_rate / raw_rate)"
        )
    print(
        f"  doubles: {doubles} over {d.attempts:,} attempts on {doubles_jobs:,} jobs "
        f"({d.accepted:,} won, {d.outcomes['taken']:,} told taken)"
    )
    print(
        f"  clients in {best['service']} process(es) for the service, "
        f"{best['raw']} for raw; bench took {time.monotonic() - bench_start:.0f} s "
        f"(load average now {os.getloadavg()[0]:.1f})"
    )
    ok = (
        doubles == 0
        and inconsistent == 0
        and problem is None
        and d.attempts >= plan.doubles_attempts
    )
    if not ok:
        print(
            f"  FAILED: {doubles} doubles, {inconsistent} inconsistent jobs, audit chain "
            f"{problem or 'intact'}, {d.attempts:,} of {plan.doubles_attempts:,} attempts"
        )
    return 0 if ok else 1


def print_outbox_drain() -> None:
    from django_tasks_db.models import DBTaskResult

    from coopwork.marketplace.emails import send_pending
    from coopwork.marketplace.models import Notification

    pending = Notification.objects.filter(emailed_at__isnull=True).count()
    queued = DBTaskResult.objects.count()
    t0 = time.perf_counter()
    sent = send_pending()
    took = time.perf_counter() - t0
    print(
        f"\ne-mail outbox: the runs left {pending:,} notifications to e-mail and enqueued "
        f"{queued:,} drain tasks (one per process per second at most); draining it sent "
        f"{sent:,} e-mails in {took:.1f} s ({sent / took if took else 0:,.0f}/s, one process, "
        "the dummy mailer)"
    )


def check_clean(r: Result) -> None:
    bad = {k: v for k, v in r.outcomes.items() if k.startswith("error")}
    if bad:
        print(f"  errors in {r.run}: {bad}\n{r.first_error}")


if __name__ == "__main__":
    try:
        code = main()
    finally:
        if _VAR_DIR:
            shutil.rmtree(_VAR_DIR, ignore_errors=True)
    sys.exit(code)
