"""The `coopwork` command: Django's management commands with coopwork's settings.

`coopwork audit verify`, `coopwork seed_demo`, `coopwork migrate` and so on.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopwork.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["coopwork", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
