"""`contentserver report`, `school add`, `import-report`: the connectivity report at a school and on a hub."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_base import console, main, refuse, with_app
from .connectivity import build_report, school_key, write_report


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
