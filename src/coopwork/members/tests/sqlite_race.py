"""Run concurrent admissions against a real SQLite *file* database, as ``make demo`` uses it.

Started in a subprocess by test_concurrency.py, with COOPWORK_VAR_DIR pointing at a fresh folder
and no DATABASE_URL, so it gets the production SQLite options (BEGIN IMMEDIATE, busy timeout,
WAL). Prints one JSON line with what happened.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter

import django


def main(threads: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopwork.settings.test")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)

    from coopwork import testing
    from coopwork.core.audit import audit_verify_all
    from coopwork.core.errors import CoopError
    from coopwork.ledger.selectors import normal_balance, trial_balance
    from coopwork.members import services
    from coopwork.members.models import Member

    coop = testing.make_coop("race")
    board = testing.make_board(coop)
    apps = [
        services.application_submit(
            cooperative=coop,
            user=testing.make_user(),
            college_code="workers",
            shares=1,
            display_name=f"Applicant {i}",
        )
        for i in range(threads)
    ]
    same = services.application_submit(
        cooperative=coop, user=testing.make_user(), college_code="users", shares=2, display_name="X"
    )
    connection.close()

    def race(target) -> tuple[int, Counter[str], list[str]]:
        barrier = threading.Barrier(threads)
        lock = threading.Lock()
        ok: list[int] = []
        codes: Counter[str] = Counter()
        crashes: list[str] = []

        def worker(i: int) -> None:
            try:
                barrier.wait(timeout=30)
                member = services.application_admit(
                    cooperative=coop,
                    application_id=target(i),
                    actor=board,
                    payment_method="cash",
                    payment_reference="",
                )
                with lock:
                    ok.append(member.register_number)
            except CoopError as exc:
                with lock:
                    codes[exc.code] += 1
            except Exception as exc:
                with lock:
                    crashes.append(repr(exc))
            finally:
                connection.close()

        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=120)
        return len(ok), codes, crashes

    different = race(lambda i: apps[i].pk)
    double = race(lambda _i: same.pk)
    print(
        json.dumps(
            {
                "different": [different[0], dict(different[1]), different[2]],
                "double": [double[0], dict(double[1]), double[2]],
                "numbers": sorted(
                    Member.objects.filter(cooperative=coop).values_list(
                        "register_number", flat=True
                    )
                ),
                "cash": normal_balance(cooperative=coop, code="cash").minor,
                "balanced": trial_balance(cooperative=coop).balanced,
                "audit_problems": [str(p) for p in audit_verify_all()],
                "vendor": connection.vendor,
                "db": str(connection.settings_dict["NAME"]),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
