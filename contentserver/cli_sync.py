"""A school's sync verbs of `contentserver`: keygen, hub add, sync pull/push/run, export, report, gc."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy import select

from .cli_base import EXIT_BUSY, console, err_console, main, refuse, with_app
from .connectivity import STICK_NAME, build_report, school_key, write_report
from .db import db
from .library.signing import keygen, parse_public_key
from .models import Hub
from .terminal import problem


@main.command("keygen")
@click.option("--name", default="hub", show_default=True, help="Key name: keys/NAME.key and keys/NAME.pub.")
@with_app
def keygen_command(app, name: str) -> None:
    """Make an ed25519 key pair in the data folder's keys/ (the secret file is readable by its owner only)."""
    try:
        path, public = keygen(Path(app.config["DATA_DIR"]), name)
    except FileExistsError as exc:
        refuse("refused", exc)
    console.print(f"secret key: {path}\npublic key: {public}")


@main.group("hub")
def hub_group() -> None:
    """The hubs this school pulls from."""


@hub_group.command("add")
@click.argument("url")
@click.option("--key", "public_key", required=True, help="The hub's public key (64 hex digits), pinned here.")
@with_app
def hub_add_command(app, url: str, public_key: str) -> None:
    """Pin a hub's URL and public key; a pull trusts nothing else it signs."""
    try:
        parse_public_key(public_key)
    except ValueError as exc:
        refuse("refused", exc)
    if not url.startswith(("http://", "https://")):
        refuse("refused", ValueError("the hub URL must start with http:// or https://"))
    hub = db.session.scalar(select(Hub).where(Hub.url == url))
    if hub is None:
        db.session.add(Hub(url=url, public_key=public_key.strip().lower()))
    elif hub.public_key != public_key.strip().lower():
        hub.public_key, hub.head_etag, hub.head_signed = public_key.strip().lower(), None, None
    db.session.commit()
    console.print(f"hub {url} pinned with key {public_key.strip().lower()}")


@main.group("sync")
def sync_group() -> None:
    """The sync job (also `python -m sync`)."""


def _run_sync_job(app, verb: str, *options: str) -> NoReturn:
    """Become `python -m sync VERB --data DIR [OPTIONS]`: the same process (signals, exit code), while
    contentserver itself never imports the sync job (docs/architecture.md)."""
    db.session.remove()
    db.engine.dispose()  # the job opens the database itself
    sys.stdout.flush()
    sys.stderr.flush()
    command = [sys.executable, "-m", "sync", verb, "--data", app.config["DATA_DIR"], *options]
    os.execv(sys.executable, command)  # noqa: S606  (this interpreter and our own module; no shell)


def _sync_verb(verb: str, what: str, hub_help: str) -> None:
    """`contentserver sync pull|push`: the same options and exit code as `python -m sync pull|push`."""

    @sync_group.command(verb, help=what)
    @click.option("--quiet", is_flag=True, help="No progress display (for timers); errors are still shown.")
    @click.option("--hub", "url", default=None, help=hub_help)
    @with_app
    def command(app, quiet: bool, url: str | None) -> None:
        _run_sync_job(app, verb, *(["--quiet"] if quiet else []), *(["--hub", url] if url else []))


_sync_verb(
    "pull",
    "Fetch and install the newest library version from the pinned hub(s); exit codes in docs/sync.md.",
    "Pull only from this configured hub URL.",
)
_sync_verb(
    "push",
    "Send the lessons teachers shared, and the connectivity report, to the pinned hub(s); docs/sync.md.",
    "Push only to this configured hub URL.",
)


@sync_group.command("run")
@with_app
def sync_run_command(app) -> None:
    """Run the sync job as a service: a pull (then a push) every SYNC_INTERVAL_SECONDS, retries with backoff."""
    _run_sync_job(app, "run")


@main.command("export")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@with_app
def export_command(app, path: Path) -> None:
    """Write the installed library, with the hub's signature, to PATH (a USB stick; FAT32-safe)."""
    from .library.usb import export_library

    try:
        written = export_library(path, app.extensions["object_store"], app.config["USB_PART_BYTES"])
        write_report(
            path / STICK_NAME,
            build_report(app.config["SCHOOL_ID_GIGA"], app.config["SCHOOL_ID_GOVT"]),
            school_key(Path(app.config["DATA_DIR"])),
        )
        write_usage(app, path)
    except OSError as exc:
        problem(err_console, "export stopped", f"{exc.strerror or exc}; run it again to finish")
        sys.exit(1)
    console.print(
        f"exported {written.library_id} version {written.version} to {path}: "
        f"{written.objects} objects written, {written.split} split into parts"
    )
    console.print(f"the connectivity report (docs/connectivity.md) is beside it: {STICK_NAME}, and the usage")


def write_usage(app, folder: Path) -> None:
    """The last 30 days of usage (docs/usage.md) beside the report, signed the same way, for a hub without a link."""
    from datetime import date

    from .usage.counter import SchoolDay
    from .usage.report import STICK_NAME as USAGE_NAME
    from .usage.report import usage_report

    today = date.fromisoformat(SchoolDay(app.config["TIMEZONE"]).today())
    write_report(folder / USAGE_NAME, usage_report(today), school_key(Path(app.config["DATA_DIR"])))


@main.command("report")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3660), help="How many days back.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON to this file (signed beside it if the school has a key) instead of printing it.",
)
@with_app
def report_command(app, days: int, out: Path | None) -> None:
    """The connectivity report: sync attempts per day in Giga's field names, with uplink availability."""
    report = build_report(app.config["SCHOOL_ID_GIGA"], app.config["SCHOOL_ID_GOVT"], days)
    if out is None:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    key = school_key(Path(app.config["DATA_DIR"]))
    write_report(out, report, key)
    console.print(
        f"connectivity report of {len(report['days'])} days written to {out}"
        + (" and signed" if key else " (unsigned: `contentserver keygen --name school` makes a key)")
    )


@main.command("gc")
@click.option("--grace", type=float, default=None, help="Seconds (default: the GC_GRACE_SECONDS setting).")
@with_app
def gc_command(app, grace: float | None) -> None:
    """Delete staging leftovers and unreferenced objects older than the grace period."""
    from .cleanup import collect
    from .library.gc import exclusive

    try:
        lock = exclusive(Path(app.config["DATA_DIR"]))
    except BlockingIOError:
        problem(err_console, "busy", "a sync job is running; try again when it has finished", style="yellow")
        sys.exit(EXIT_BUSY)
    with lock:
        freed = collect(app, app.config["GC_GRACE_SECONDS"] if grace is None else grace)
    console.print(f"removed {freed.files} files, {freed.bytes} bytes")
