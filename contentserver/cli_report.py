"""`contentserver report`: the connectivity report as JSON (docs/connectivity.md), to print or to a USB stick."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .cli import console, main, with_app


@main.command("report")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3660), help="How many days back.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON to this file (e.g. on a USB stick for the hub) instead of printing it.")
@with_app
def report_command(app, days: int, out: Path | None) -> None:
    """The connectivity report: sync attempts per day in Giga's field names, with uplink availability."""
    from sync.report import build_report, write_report
    report = build_report(app.config["SCHOOL_ID_GIGA"], app.config["SCHOOL_ID_GOVT"], days)
    if out is None:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    write_report(out, report)
    console.print(f"connectivity report of {len(report['days'])} days written to {out}")
