"""``coopwork dispatch [--loop SECONDS] [--max-runs N]``: run the zones' dispatch rounds that are
due, now or every N seconds. Several of these may run at once (each zone's round holds an advisory
lock and skips when another process ran it within the governed interval)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coopwork.dispatch.tasks import run_due_rounds


class Command(BaseCommand):
    help = "Enqueue the dispatch rounds that are due (batch offers of auto-dispatched jobs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")
        parser.add_argument("--max-runs", type=int, default=0, help="stop after N runs")

    def handle(self, *args: Any, **options: Any) -> None:
        runs = 0
        while True:
            runs += 1
            result = run_due_rounds.enqueue()
            value: object = ""
            if result.errors:
                value = result.errors[-1].exception_class_path
            elif result.is_finished:
                value = result.return_value
            self.stdout.write(f"dispatch {runs}: {result.status} {value}")
            if not options["loop"] or (options["max_runs"] and runs >= options["max_runs"]):
                return
            time.sleep(options["loop"])
