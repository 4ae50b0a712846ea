#!/usr/bin/env python
"""Fail when a French catalogue has untranslated or fuzzy entries, or a stale compiled .mo.

It also fails when the source holds a translatable string missing from the catalogue, by running
``makemessages`` into a temporary copy and comparing message ids.
"""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "coopwork"
LANGS = ["fr"]


def parse_po(path: Path) -> list[dict]:
    entries: list[dict] = []
    cur: dict = {"flags": set(), "msgid": "", "msgid_plural": None, "msgstr": {}, "ctx": None}
    field: tuple[str, int | None] | None = None

    def flush() -> None:
        nonlocal cur
        if cur["msgid"] or cur["msgstr"]:
            entries.append(cur)
        cur = {"flags": set(), "msgid": "", "msgid_plural": None, "msgstr": {}, "ctx": None}

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if cur["msgid"] or cur["msgstr"]:
                flush()
            cur["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#") or not line:
            if field is not None and (cur["msgid"] or cur["msgstr"]) and not line:
                flush()
                field = None
        elif line.startswith("msgctxt "):
            if cur["msgid"]:
                flush()
            cur["ctx"] = ast.literal_eval(line[8:])
            field = ("ctx", None)
        elif line.startswith("msgid_plural "):
            cur["msgid_plural"] = ast.literal_eval(line[13:])
            field = ("msgid_plural", None)
        elif line.startswith("msgid "):
            if cur["msgid"] or cur["msgstr"]:
                flush()
            cur["msgid"] = ast.literal_eval(line[6:])
            field = ("msgid", None)
        elif line.startswith("msgstr["):
            idx = int(line[7 : line.index("]")])
            cur["msgstr"][idx] = ast.literal_eval(line[line.index("]") + 2 :])
            field = ("msgstr", idx)
        elif line.startswith("msgstr "):
            cur["msgstr"][0] = ast.literal_eval(line[7:])
            field = ("msgstr", 0)
        elif line.startswith('"') and field is not None:
            text = ast.literal_eval(line)
            name, idx = field
            if name == "msgstr":
                cur["msgstr"][idx] += text
            else:
                cur[name] = (cur[name] or "") + text
    flush()
    return [e for e in entries if e["msgid"]]


def main() -> int:
    problems: list[str] = []
    for lang in LANGS:
        po = PKG / "locale" / lang / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not po.exists():
            problems.append(f"{po} is missing")
            continue
        entries = parse_po(po)
        for e in entries:
            if "fuzzy" in e["flags"]:
                problems.append(f"{lang}: fuzzy: {e['msgid']!r}")
            if not e["msgstr"] or any(not s for s in e["msgstr"].values()):
                problems.append(f"{lang}: untranslated: {e['msgid']!r}")
        if not mo.exists():
            problems.append(f"{mo} is missing: run `make messages`")
        else:
            with mo.open("rb") as fh:
                catalog = gettext.GNUTranslations(fh)
            stale = [
                e["msgid"]
                for e in entries
                if e["msgid_plural"] is None
                and e["ctx"] is None
                and e["msgstr"].get(0)
                and catalog.gettext(e["msgid"]) != e["msgstr"][0]
            ]
            if stale:
                problems.append(f"{lang}: .mo is stale (run `make messages`): {stale[0]!r}")
        # Strings in the source that the catalogue lacks.
        if shutil.which("xgettext"):
            known = {(e["ctx"], e["msgid"]) for e in entries}
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / "coopwork"
                shutil.copytree(PKG, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
                subprocess.run(  # noqa: S603 (fixed argv: this interpreter and manage.py)
                    [
                        sys.executable,
                        str(ROOT / "manage.py"),
                        "makemessages",
                        "-l",
                        lang,
                        "--no-location",
                        "--no-obsolete",
                        "-v",
                        "0",
                    ],
                    cwd=copy,
                    check=True,
                )
                fresh = parse_po(copy / "locale" / lang / "LC_MESSAGES" / "django.po")
            missing = [e["msgid"] for e in fresh if (e["ctx"], e["msgid"]) not in known]
            problems += [
                f"{lang}: not in the catalogue (run `make messages`): {m!r}" for m in missing
            ]
    for p in problems[:50]:
        print(p)
    if problems:
        print(f"{len(problems)} translation problem(s).")
        return 1
    print("translations: French catalogue complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
