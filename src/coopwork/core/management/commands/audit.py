"""``coopwork audit verify``: recompute every audit chain and report the first broken entry."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coopwork.core.audit import audit_verify_chain
from coopwork.core.models import AuditChain, AuditEntry


class Command(BaseCommand):
    help = "Audit-log tools. `verify` checks every hash chain and reports the first tampered entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--chain", help="only this chain, e.g. coop:1 or system")

    def handle(self, *args: Any, **options: Any) -> None:
        keys = sorted(
            set(AuditChain.objects.values_list("key", flat=True))
            | set(AuditEntry.objects.values_list("chain", flat=True).distinct())
        )
        if options["chain"]:
            keys = [k for k in keys if k == options["chain"]]
            if not keys:
                raise CommandError(f"no audit chain named {options['chain']}")
        problems = []
        for i, key in enumerate(keys, 1):
            count = AuditEntry.objects.filter(chain=key).count()
            problem = audit_verify_chain(key)
            status = "OK" if problem is None else f"BROKEN: {problem}"
            self.stdout.write(f"[{i}/{len(keys)}] chain {key}: {count} entries … {status}")
            if problem is not None:
                problems.append(problem)
        if problems:
            raise CommandError(f"first tampered entry: {problems[0]}")
        self.stdout.write(self.style.SUCCESS(f"{len(keys)} chains verified, no tampering found."))
