"""``coopwork tick [--loop SECONDS]``: run the timed transitions now, or every N seconds."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coopwork.marketplace.tasks import run_timed_transitions


class Command(BaseCommand):
    help = "Enqueue the marketplace's timed transitions (offer expiry, auto-approval)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds")
        parser.add_argument("--max-runs", type=int, default=0, help="stop after N runs")

    def handle(self, *args: Any, **options: Any) -> None:
        runs = 0
        while True:
            result = run_timed_transitions.enqueue()
            runs += 1
            self.stdout.write(f"tick {runs}: {result.status} {getattr(result, 'return_value', '')}")
            if not options["loop"] or (options["max_runs"] and runs >= options["max_runs"]):
                return
            time.sleep(options["loop"])
