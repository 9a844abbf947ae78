#!/usr/bin/env python3
"""List the entries of a gettext catalogue that still need a translator.

    python scripts/check_translations.py [FILE.po ...]

Without arguments it checks the English catalogue. An entry needs work when a msgstr (or any
msgstr[n] of a plural entry) is empty, or when it is still marked `#, fuzzy` (msgmerge's guess
after a msgid changed). Prints one line per such entry with its source location and exits 1, so
run it after `make messages`; tests/core/test_i18n.py runs the same check, so an untranslated
string fails `make test`. Standard library only.
"""

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ENGLISH = Path(__file__).resolve().parent.parent / "src/hocso/locale/en/LC_MESSAGES/django.po"


@dataclass
class Entry:
    msgid: str = ""
    msgstrs: list[str] = field(default_factory=list)
    fuzzy: bool = False
    where: str = ""


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a PO string uses the escapes of a Python string literal


def parse_po(text: str) -> list[Entry]:
    """The active entries of a .po file (obsolete `#~` entries are skipped), header included."""
    entries, entry, target = [], Entry(), None

    def flush():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            flush()
            continue
        if line.startswith("#") and target == "msgstr":
            flush()  # the comments of the next entry, with no blank line in between
        if line.startswith("#,"):
            entry.fuzzy = "fuzzy" in (flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            entry.where = entry.where or line[2:].split()[0]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if target == "msgid":
                entry.msgid += _unquote(line)
            elif target == "msgstr":
                entry.msgstrs[-1] += _unquote(line)
        else:
            keyword, _, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and target == "msgstr":
                flush()
            if keyword == "msgid":
                entry.msgid = _unquote(value)
            elif keyword.startswith("msgstr"):
                entry.msgstrs.append(_unquote(value))
            # msgctxt and msgid_plural: continuation lines are read into nothing
            target = "msgstr" if keyword.startswith("msgstr") else keyword
    flush()
    return entries


def untranslated(path: Path) -> list[str]:
    """One line per entry of the catalogue at `path` that is empty or fuzzy."""
    problems = []
    for entry in parse_po(path.read_text(encoding="utf-8")):
        if entry.msgid == "":  # the header
            continue
        if entry.fuzzy or not entry.msgstrs or not all(entry.msgstrs):
            state = "fuzzy" if entry.fuzzy else "untranslated"
            problems.append(f"{entry.where or path.name}: {state}: {entry.msgid!r}")
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or [ENGLISH]
    problems = [line for path in paths for line in untranslated(path)]
    for line in problems:
        print(line)
    print(f"{len(problems)} entries need translating", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
