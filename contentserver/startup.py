"""Start-up of the long-running commands (run.py, python -m sync): what stops them is one clear line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .core import open_app
from .schema_upgrade import SchemaUpgradeError
from .settings import SettingsError

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LOCALES = ("kk", "ru", "en", "kk@latin")  # kk@latin is generated from kk (i18n_catalogs.py)


def catalogs_stale(folder: Path = TRANSLATIONS) -> bool:
    """Whether a compiled catalog is missing or older than its source (a fresh checkout has only .po files):
    file dates only, and babel is not imported, so every start can afford it."""

    def catalog(locale: str) -> Path:
        return folder / locale / "LC_MESSAGES" / "messages.po"

    if not catalog("kk@latin").exists() or catalog("kk@latin").stat().st_mtime_ns < catalog("kk").stat().st_mtime_ns:
        return True
    for locale in LOCALES:
        po, mo = catalog(locale), catalog(locale).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime_ns < po.stat().st_mtime_ns:
            return True
    return False


def catalogs_or_exit(prog: str, exit_code: int) -> None:
    """Compile the UI catalogs if they are missing or stale, so a server never shows English under a page marked
    Kazakh or Russian; when that is impossible, one line says why and what to run, and the server does not start."""
    if not catalogs_stale():
        return
    try:
        from .i18n_catalogs import build

        written = build()
    except Exception as exc:  # an unreadable .po, a read-only folder, …: each stops the start the same way
        print(
            f"{prog}: translations: the compiled catalogs in {TRANSLATIONS} are missing or stale and could not be "
            f"built ({type(exc).__name__}: {exc}); run `make translations` as the owner of that folder",
            file=sys.stderr,
        )
        sys.exit(exit_code)
    if written:
        print(f"{prog}: built the translations ({len(written)} files)", flush=True)


def app_or_exit(
    prog: str, data_dir: str | None, exit_code: int, factory: Callable[[Mapping[str, Any] | None], Flask] = open_app
) -> Flask:
    """The app of `data_dir` (None: the settings' default): the core app, or what `factory` builds on it (run.py:
    the web app); an invalid setting or a database this version cannot upgrade prints `prog: settings: …` or
    `prog: database: …` on stderr and exits with `exit_code`. Missing
    translations are built first (catalogs_or_exit)."""
    catalogs_or_exit(prog, exit_code)
    try:
        return factory({"DATA_DIR": data_dir} if data_dir else None)
    except SettingsError as exc:
        print(f"{prog}: settings: {exc}", file=sys.stderr)
    except SchemaUpgradeError as exc:
        print(f"{prog}: database: {exc}", file=sys.stderr)
    sys.exit(exit_code)
