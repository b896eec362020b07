"""The `contentserver` command: thin verbs over the library modules."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import NoReturn

import click

from . import create_app
from .library.build import write_library
from .library.bundle import open_library
from .library.format import ManifestError
from .library.importer import ImportLimits, import_library
from .library.objects import verified_chunks
from .schema_upgrade import SchemaUpgradeError
from .settings import SettingsError, load_settings
from .terminal import make_console, problem

console = make_console()
err_console = make_console(stderr=True)
EXIT_REFUSED = 2


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
    """Give a verb a --data option and run it inside the app of that data folder."""

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
            app = create_app({"DATA_DIR": data_dir} if data_dir else None)
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


@main.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_app
def import_command(app, path: Path) -> None:
    """Validate the library at PATH (built or source form, or a signed USB export) and install it."""
    from .library.usb import import_stick, is_stick

    store, limits = app.extensions["object_store"], ImportLimits.from_config(app.config)
    try:
        result = import_stick(path, store, limits) if is_stick(path) else import_library(path, store, limits)
    except OSError as exc:
        problem(
            err_console,
            "import stopped",
            f"{path} could not be read ({exc.strerror or exc}). "
            "The installed library was left as it was; copied objects are kept, so run the "
            "import again when the stick is back.",
        )
        sys.exit(1)
    if result.unchanged:
        console.print(f"library {result.library_id} version {result.version} is already installed; nothing to do")
        return
    console.print(
        f"installed library {result.library_id} version {result.version}: "
        f"{len(result.added)} added, {len(result.updated)} updated, {len(result.removed)} removed"
    )


@main.command("build")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the built library into.",
)
def build_command(source: Path, out: Path) -> None:
    """Build the library format from a source folder such as content/ (deterministic)."""
    settings = load_settings_or_refuse()
    try:
        bundle = open_library(source, settings["MAX_MANIFEST_BYTES"], settings["MAX_LESSONS"])
        written = write_library(bundle, out)
    except ManifestError as exc:
        refuse("refused", exc)
    console.print(
        f"built {bundle.manifest.library_id} version {bundle.manifest.version}: "
        f"{len(bundle.manifest.lessons)} lessons, {written} objects written to {out}"
    )


@main.command("check")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def check_command(path: Path) -> None:
    """Validate a library folder without installing it."""
    settings = load_settings_or_refuse()
    try:
        bundle = open_library(path, settings["MAX_MANIFEST_BYTES"], settings["MAX_LESSONS"])
        for sha, size in bundle.manifest.objects().items():
            with bundle.open_object(sha) as stream:
                for _chunk in verified_chunks(stream, sha, size, source=bundle.describe(sha)):
                    pass
    except ManifestError as exc:
        refuse("invalid", exc)
    console.print(
        f"ok: {bundle.manifest.library_id} version {bundle.manifest.version}, {len(bundle.manifest.lessons)} lessons"
    )


@main.group("user")
def user_group() -> None:
    """Teacher and admin accounts."""


@user_group.command("add")
@click.argument("username")
@click.option("--admin", "is_admin", is_flag=True, help="Make an administrator (manages teachers).")
@click.option("--name", "display_name", default="", help="Full name shown on the pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin (scripts).")
@with_app
def user_add_command(app, username: str, is_admin: bool, display_name: str, password_stdin: bool) -> None:
    """Add an account, e.g. the first admin: contentserver user add --admin NAME."""
    from .accounts.users import AccountError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with app.test_request_context():  # messages are translated; the CLI speaks the school's default
            user = create_user(username, password, "admin" if is_admin else "teacher", display_name)
    except AccountError as exc:
        refuse("refused", exc)
    console.print(f"added {user.role} {user.username}")


@main.command("reindex")
@with_app
def reindex_command(app) -> None:
    """Rebuild the search index into a new folder and switch to it atomically."""
    from whoosh.index import LockError

    indexer = app.extensions["indexer"]
    try:
        indexer.rebuild()
    except LockError as exc:
        refuse("busy", exc, "The web server may be rebuilding it after an upgrade; searches work when it is done.")
    console.print(f"search index rebuilt: {indexer.doc_count()} lessons in {indexer.current_generation()}")


from . import (  # noqa: E402
    cli_hub,  # noqa: F401  (registers keygen, publish, hub, sync, export, gc)
    cli_kolibri,  # noqa: F401  (registers kolibri-inspect)
    cli_report,  # noqa: F401  (registers report, school, import-report)
)
