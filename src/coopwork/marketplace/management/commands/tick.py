"""``coopwork tick [--loop SECONDS]``: run the timed transitions now, or every N seconds."""

import time
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

from coopwork.core.tasks import seal_audit_log
from coopwork.marketplace.tasks import run_timed_transitions


def _app_tick_tasks() -> list[Any]:
    """``TICK_TASKS`` of every installed app's ``tasks`` module (e.g. governance's ballot
    schedule), found at run time because those apps sit in higher layers than this command."""
    found: list[Any] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("coopwork."):
            continue
        try:
            module = import_module(f"{config.name}.tasks")
        except ModuleNotFoundError:
            continue
        found.extend(getattr(module, "TICK_TASKS", ()))
    return found


class Command(BaseCommand):
    help = (
        "Enqueue the periodic work: the marketplace's timed transitions (offer expiry, "
        "auto-approval) and sealing pending audit entries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds")
        parser.add_argument("--max-runs", type=int, default=0, help="stop after N runs")

    def handle(self, *args: Any, **options: Any) -> None:
        runs = 0
        while True:
            runs += 1
            for job in (run_timed_transitions, *_app_tick_tasks(), seal_audit_log):
                result = job.enqueue()
                value: object = ""
                if result.errors:
                    value = result.errors[-1].exception_class_path
                else:
                    value = result.return_value if result.is_finished else ""
                self.stdout.write(f"tick {runs}: {job.name} {result.status} {value}")
            if not options["loop"] or (options["max_runs"] and runs >= options["max_runs"]):
                return
            time.sleep(options["loop"])
