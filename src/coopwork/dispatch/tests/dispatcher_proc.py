"""One dispatcher process for the two-process integration test (test_two_dispatchers.py).

Run as ``python -m coopwork.dispatch.tests.dispatcher_proc NAME COOP_ID ZONE_ID T0 W0 SPEED END_S
TICK_S [--unsafe]`` with DATABASE_URL pointing at the test database. It runs the zone's round at
simulated time ``T0 + SPEED × (wall − W0)`` every TICK_S wall seconds, *forcing* each round (no
pacing), so the two processes contend for the zone's lock the whole time, until the simulated
clock passes END_S. ``--unsafe`` removes the advisory lock and the re-check of the workers' live
offers under their row locks (a plain read-then-write dispatcher): the control run that shows the
test's double-offer check catches an unsafe dispatcher.
Prints one JSON line: rounds run and offers made.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopwork.settings.test")
    import django

    django.setup()
    from coopwork.core.models import Cooperative
    from coopwork.dispatch import services

    name, coop_id, zone_id, t0, w0, speed, end_s, tick_s = argv[:8]
    if "--unsafe" in argv:
        from django.db.models import Q

        services.advisory_xact_lock = lambda name: None  # type: ignore[assignment]
        services.live_offers = lambda now: Q(pk__in=[])  # type: ignore[assignment]
    coop = Cooperative.objects.get(pk=int(coop_id))
    start = dt.datetime.fromisoformat(t0)
    wall0, rate, end, tick = float(w0), float(speed), float(end_s), float(tick_s)
    rounds = offers = 0
    while True:
        sim_s = rate * (time.time() - wall0)
        if sim_s > end:
            break
        if sim_s >= 0:
            rnd = services.dispatch_round_run(
                cooperative=coop,
                zone_id=int(zone_id),
                now=start + dt.timedelta(seconds=sim_s),
                dispatcher=name,
                force=True,
            )
            if rnd is not None:
                rounds += 1
                offers += rnd.offers_made
        time.sleep(tick)
    print(json.dumps({"name": name, "rounds": rounds, "offers": offers}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
