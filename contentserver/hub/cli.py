"""The hub's verbs of `contentserver`: publish (with the approved pushed lessons), school add, import-report."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_base import console, main, refuse, with_app
from ..library.bundle import open_library
from ..library.publish import publish
from ..library.signing import load_signing_key


@main.command("publish")
@click.argument("source", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Hub folder to write.")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Secret key file from `contentserver keygen`.",
)
@with_app
def publish_command(app, source: Path | None, out: Path, key_file: Path) -> None:
    """Publish the library at SOURCE (default: the installed one, with the pushed lessons a hub's admins approved)
    as a signed hub folder for any HTTP server."""
    waiting = 0
    if source is None:
        from ..library.usb import installed_bundle
        from .publishing import after_last_publish, with_approved_lessons, with_renditions

        store = app.extensions["object_store"]
        bundle, waiting = with_renditions(with_approved_lessons(installed_bundle(store)[0]), store)
        bundle = after_last_publish(bundle, out)
    else:
        bundle = open_library(source, app.config["MAX_MANIFEST_BYTES"], app.config["MAX_LESSONS"])
    result = publish(
        bundle, out, load_signing_key(key_file), app.config["MAX_MANIFEST_BYTES"], app.config["MAX_LESSONS"]
    )
    state = "already published" if result.unchanged else "published"
    console.print(
        f"{state}: {result.library_id} version {result.version} in {out} "
        f"(head {result.head_bytes} bytes, {result.deltas} deltas)"
    )
    if waiting:
        console.print(
            f"videos without a low copy yet: {waiting} (being converted, or they could not be); schools fetch "
            "their originals: publish again when the conversions are done"
        )


@main.group("school")
def school_group() -> None:
    """On a hub: the schools it knows."""


@school_group.command("add")
@click.argument("name")
@click.option("--key", "public_key", required=True, help="The school's public key (64 hex digits).")
@with_app
def school_add_command(app, name: str, public_key: str) -> None:
    """Register a school by the public key `contentserver keygen --name school` printed there."""
    from .schools import SchoolError, add_school

    try:
        school = add_school(name, public_key)
    except SchoolError as exc:
        refuse("refused", exc)
    console.print(f"school {school.name} registered with key {school.public_key}")


@main.command("import-report")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@with_app
def import_report_command(app, path: Path) -> None:
    """On a hub: store a school's signed connectivity report from a stick (the folder) or a file."""
    from .schools import SchoolError, import_report

    try:
        school, days = import_report(path)
    except SchoolError as exc:
        refuse("refused", exc)
    console.print(f"connectivity report of school {school.name}: {days} days stored")
    if path.is_dir():  # a stick: the usage beside the report (docs/usage.md), if it carries any
        from .usage import UsageError, import_usage

        try:
            used = import_usage(path, school)
        except UsageError as exc:
            refuse("refused", exc)
        if used is not None:
            console.print(f"usage of school {school.name}: {used} days stored")
