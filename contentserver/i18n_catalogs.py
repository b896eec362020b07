"""Message catalogs as a build step: extract UI strings, update the .po files, derive Kazakh Latin, compile .mo.

Run from the repository: `python -m contentserver.i18n_catalogs update` after changing UI text,
`... build` to (re)generate the Kazakh Latin catalog and compile every .mo, `... check` to list problems.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .search.folding import cyrillic_to_latin

REPO = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SOURCE_LOCALES = ("kk", "ru", "en")  # written by people; English is the source language
LATIN_LOCALE = "kk@latin"  # generated from "kk"; gettext's @latin modifier, since CLDR has no kk_Latn
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
# Placeholders and markup stay as they are when a Cyrillic translation is transliterated.
PROTECTED_RE = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif%]|<[^>]*>|&\w+;|\{[^}]*\}")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _in_package(path: str) -> bool:
    """Only the package is searched: not content/ (media), instance/ (objects), tests or caches."""
    parts = Path(path).relative_to(REPO).parts
    return parts[0] == "contentserver" and not any(p.startswith((".", "_")) for p in parts)


def extract() -> Catalog:
    """Every translatable string of the app, found the way babel.cfg says."""
    with open(REPO / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    template = Catalog(project="contentserver", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        REPO,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
        directory_filter=_in_package,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def load(locale: str) -> Catalog | None:
    path = po_path(locale)
    if not path.exists():
        return None
    with open(path, "rb") as stream:
        return read_po(stream, locale=locale)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target and rename, so a reader (or a parallel test run) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _po_bytes(catalog: Catalog) -> bytes:
    buffer = BytesIO()
    write_po(buffer, catalog, width=100, ignore_obsolete=True, include_previous=False, include_lineno=False)
    return buffer.getvalue()


def _set_header(catalog: Catalog) -> None:
    catalog.fuzzy = False
    assert catalog.locale is not None  # every catalog here is made for its locale
    catalog.header_comment = (
        f"# {catalog.locale.english_name} UI strings of contentserver (docs/i18n.md says how to add and update them)."
    )
    catalog.project, catalog.version, catalog.msgid_bugs_address = "contentserver", "1", ""
    catalog.last_translator = catalog.language_team = "contentserver translators"


def update(template: Catalog | None = None) -> list[str]:
    """Bring every hand-written catalog in line with the code: new strings added empty, gone ones dropped."""
    template = template or extract()
    changed = []
    for locale in SOURCE_LOCALES:
        catalog = load(locale) or Catalog(locale=locale, project="contentserver", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        _set_header(catalog)
        if locale == "en":  # the source language: its translations are the message ids themselves
            for message in catalog:
                if message.id and not all(_strings(message)):
                    message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        data = _po_bytes(catalog)
        path = po_path(locale)
        if not path.exists() or path.read_bytes() != data:
            _write_atomic(path, data)
            changed.append(str(path.relative_to(REPO)))
    return changed


def _latin_text(text: str) -> str:
    pieces, last = [], 0
    for match in PROTECTED_RE.finditer(text):
        pieces.append(cyrillic_to_latin(text[last : match.start()]))
        pieces.append(match.group())
        last = match.end()
    pieces.append(cyrillic_to_latin(text[last:]))
    return "".join(pieces)


def latin_catalog(kk: Catalog) -> Catalog:
    """The Kazakh Latin catalog: the Kazakh Cyrillic one, every translation through the search transliterator."""
    latin = Catalog(
        locale=LATIN_LOCALE, charset="utf-8", creation_date=kk.creation_date, revision_date=kk.revision_date
    )
    _set_header(latin)
    latin.header_comment = (
        "# Generated from kk/LC_MESSAGES/messages.po by contentserver.i18n_catalogs: "
        "do not edit, edit the Kazakh Cyrillic catalog."
    )
    for message in kk:
        if not message.id:
            continue
        string = message.string
        string = tuple(map(_latin_text, string)) if isinstance(string, (list, tuple)) else _latin_text(string or "")
        latin[message.id] = Message(message.id, string, flags=message.flags, context=message.context)
    return latin


def build() -> list[str]:
    """Generate the Kazakh Latin catalog from the Cyrillic one, then compile every stale .mo."""
    written = []
    kk = load("kk")
    if kk is not None:
        data = _po_bytes(latin_catalog(kk))
        path = po_path(LATIN_LOCALE)
        if not path.exists() or path.read_bytes() != data:
            _write_atomic(path, data)
            written.append(str(path.relative_to(REPO)))
        elif path.stat().st_mtime_ns < po_path("kk").stat().st_mtime_ns:
            os.utime(path)  # the same text: marked current, so start-up's check (catalogs_stale) stays cheap
    for locale in (*SOURCE_LOCALES, LATIN_LOCALE):
        po, mo = po_path(locale), po_path(locale).with_suffix(".mo")
        if po.exists() and (not mo.exists() or mo.stat().st_mtime_ns < po.stat().st_mtime_ns):
            buffer, catalog = BytesIO(), load(locale)
            assert catalog is not None  # its .po exists
            write_mo(buffer, catalog, use_fuzzy=False)
            _write_atomic(mo, buffer.getvalue())
            written.append(str(mo.relative_to(REPO)))
    return written


def _strings(message: Message) -> list[str | None]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _key(message: Message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def problems(template: Catalog | None = None) -> list[str]:
    """Why the catalogs are not complete and current: missing, stale, untranslated, fuzzy or broken entries."""
    template = template or extract()
    wanted = {_key(m) for m in template if m.id}
    found = []
    for locale in SOURCE_LOCALES:
        catalog = load(locale)
        if catalog is None:
            found.append(f"{locale}: no catalog at {po_path(locale).relative_to(REPO)}")
            continue
        have = {_key(m): m for m in catalog if m.id}
        found += [f"{locale}: missing {key[1]!r}" for key in sorted(wanted - have.keys(), key=str)]
        found += [
            f"{locale}: stale (no longer in the code) {key[1]!r}" for key in sorted(have.keys() - wanted, key=str)
        ]
        for key, message in have.items():
            if not all(_strings(message)):
                found.append(f"{locale}: untranslated {key[1]!r}")
            elif message.fuzzy:
                found.append(f"{locale}: fuzzy {key[1]!r}")
        for message, errors in catalog.check():
            found += [f"{locale}: {message.id!r}: {error}" for error in errors]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Keep the UI message catalogs in line with the code.")
    parser.add_argument(
        "command",
        choices=("update", "build", "check"),
        help="update: extract and merge into kk/ru/en .po, then build; "
        "build: generate kk@latin and compile .mo; check: list problems (exit 1 if any)",
    )
    args = parser.parse_args(argv)
    if args.command == "check":
        found = problems()
        print("\n".join(found) or "catalogs complete and current")
        return 1 if found else 0
    written = (update() if args.command == "update" else []) + build()
    print("\n".join(f"wrote {path}" for path in written) or "catalogs already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
