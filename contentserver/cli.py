"""The `contentserver` command: thin verbs over the library modules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import (
    cli_kolibri,  # registers kolibri-inspect; import_channels for `import`
    cli_poster,  # noqa: F401  (registers poster)
    cli_sync,  # noqa: F401  (registers keygen, hub add, sync, export, report, gc)
)
from .cli_base import console, data_given, err_console, load_settings_or_refuse, main, refuse, with_app
from .hub import cli as hub_cli  # noqa: F401  (registers publish, school add, import-report)
from .library.build import write_library
from .library.bundle import open_library
from .library.format import ManifestError
from .library.importer import ImportLimits, check_bundle_renders, import_library
from .library.objects import verified_chunks
from .quizzes.library_check import check_quizzes
from .terminal import problem


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--subject", default=None, help="Subject page that lists the imported books (e.g. science).")
@click.option("--channel", "channel_id", default=None, help="Of a Kolibri export, only this channel id.")
@with_app
def import_command(app, path: Path, subject: str | None, channel_id: str | None) -> None:
    """Install what PATH holds: a library folder (built or source form), a signed USB export, a ZIM file
    (NAME.zim, added as a book), the first part of a split ZIM (NAME.zimaa, NAME.zimab, … as FAT32 sticks need),
    a Kolibri channel export (content/databases, content/storage: each channel, or --channel ID),
    or a folder or stick with any of these. Nothing is unpacked; a damaged ZIM is refused whole."""
    from .cli_books import import_zims, is_library
    from .library.usb import import_stick, is_stick

    if cli_kolibri.is_kolibri_export(path):
        cli_kolibri.import_channels(app, path, channel_id)
        return
    if not is_library(path):
        import_zims(app, path, subject)
        return
    store, limits = app.extensions["object_store"], ImportLimits.from_config(app.config)
    if not is_stick(path):  # a malformed quiz block is refused by file, lesson and line before anything installs
        check_quizzes(open_library(path, app.config["MAX_MANIFEST_BYTES"], app.config["MAX_LESSONS"]))
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
    else:
        console.print(
            f"installed library {result.library_id} version {result.version}: "
            f"{len(result.added)} added, {len(result.updated)} updated, {len(result.removed)} removed"
        )
    if any(path.glob("*.zim*")):  # a stick may carry ZIMs beside a library export
        import_zims(app, path, subject)


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
        check_bundle_renders(bundle)  # a lesson no school could import is refused here, at its author
        check_quizzes(bundle)
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
        optional = bundle.manifest.optional_originals()
        for sha, size in bundle.manifest.objects().items():
            if sha in optional and not bundle.has_object(sha):
                continue  # a video's original left on the hub: its low copy, checked too, stands for it
            with bundle.open_object(sha) as stream:
                for _chunk in verified_chunks(stream, sha, size, source=bundle.describe(sha)):
                    pass
        check_bundle_renders(bundle)
        check_quizzes(bundle)
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
    where = Path(app.config["DATA_DIR"]).resolve()
    console.print(f"added {user.role} {user.username} to the data folder {where}", highlight=False, soft_wrap=True)
    if not data_given(click.get_current_context()):
        console.print("(no --data given: $CONTENTSERVER_DATA_DIR or ./instance; run.py must use the same folder)")


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
