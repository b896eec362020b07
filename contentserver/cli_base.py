"""The `contentserver` command group and what every verb shares: the data folder's app, refusals, exit codes."""

from __future__ import annotations

import functools
import os
import sys
from typing import NoReturn

import click

from .core import open_app
from .library.format import ManifestError
from .schema_upgrade import SchemaUpgradeError
from .settings import SettingsError, load_settings
from .terminal import make_console, problem

console = make_console()
err_console = make_console(stderr=True)
EXIT_REFUSED = 2
EXIT_BUSY = 5  # the sync job's exit code for the same case (sync/errors.py EXIT_BUSY)


def refuse(label: str, error: Exception, note: str = "") -> NoReturn:
    """Print why (names from a library are text, never markup) and exit with status 2."""
    problem(err_console, label, error)
    if note:
        err_console.print(note)
    sys.exit(EXIT_REFUSED)


def load_settings_or_refuse() -> dict:
    try:
        return load_settings()
    except SettingsError as exc:
        refuse("settings", exc)


def with_app(command):
    """Give a verb a --data option and run it inside the core app of that data folder (no web layer)."""

    @click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Data folder (default: $CONTENTSERVER_DATA_DIR or instance/).",
    )
    @functools.wraps(command)
    def wrapper(data_dir, **kwargs):
        try:
            app = open_app({"DATA_DIR": data_dir} if data_dir else None)
        except SettingsError as exc:
            refuse("settings", exc)
        except SchemaUpgradeError as exc:
            refuse("database", exc, "Nothing was changed.")
        with app.app_context():
            try:
                return command(app, **kwargs)
            except ManifestError as exc:
                refuse("refused", exc, "The installed library was left as it was.")

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """contentserver — an offline-first school content server."""


def data_given(context: click.Context) -> bool:
    """Whether the operator named the data folder (--data or $CONTENTSERVER_DATA_DIR), or the default was taken."""
    return context.params.get("data_dir") is not None or "CONTENTSERVER_DATA_DIR" in os.environ
