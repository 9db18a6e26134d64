"""Compile the .po catalogues to .mo with polib, or check that the committed .mo files match.

GNU gettext (which Django's compilemessages needs) may be missing on a fresh machine, so the
compiled files are committed and CI checks they are current.
"""

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", "build", ".git"}


def catalogues():
    for po_path in sorted(ROOT.rglob("locale/*/LC_MESSAGES/*.po")):
        if not SKIP.intersection(po_path.relative_to(ROOT).parts):
            yield po_path


def translations(catalogue):
    """msgid (with context and plural) -> msgstr(s) of the entries that gettext will actually use."""
    result = {}
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
        if entry.msgid_plural:
            value = tuple(sorted((int(n), text) for n, text in entry.msgstr_plural.items()))
            translated = any(text for _n, text in value)
        else:
            value = translated = entry.msgstr
        if translated:
            result[key] = value
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a .mo file is missing or stale")
    args = parser.parse_args()
    stale = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        po = polib.pofile(str(po_path))
        if args.check:
            if not mo_path.exists() or translations(po) != translations(polib.mofile(str(mo_path))):
                stale.append(mo_path.relative_to(ROOT))
        else:
            po.save_as_mofile(str(mo_path))
            print(f"compiled {mo_path.relative_to(ROOT)}")
    if stale:
        print("These compiled catalogues do not match their .po files; run `make messages`:", file=sys.stderr)
        for path in stale:
            print(f"  {path}", file=sys.stderr)
        return 1
    if args.check:
        print("compiled catalogues match their .po files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
