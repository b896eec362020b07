"""`contentserver kolibri-inspect`: what importing a Kolibri export would bring in, before anything is written."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .cli_base import console, err_console, main, refuse


@main.command("kolibri-inspect")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--channel", "channel_id", default=None, help="Only this channel id (32 hex digits).")
@click.option("--verify", is_flag=True, help="Also hash every file against its md5 name (reads all the media).")
def kolibri_inspect_command(path: Path, channel_id: str | None, verify: bool) -> None:
    """Read the Kolibri channel export at PATH (content/databases, content/storage) and summarize it."""
    from rich.progress import Progress

    from .kolibri.errors import ChannelError
    from .kolibri.plan import plan_import
    from .kolibri.summary import summarize

    try:
        with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
            task = bar.add_task("reading the channel", total=None)
            plans = plan_import(
                path, channel_id, verify=verify, progress=lambda d, t: bar.update(task, completed=d, total=t)
            )
    except ChannelError as exc:
        refuse("refused", exc, "Nothing was imported or changed.")
    for plan in plans:
        for line in summarize(plan).lines():
            console.print(line)


def is_kolibri_export(path: Path) -> bool:
    """A folder holding Kolibri's `content/databases` (or that `content` folder itself)."""
    return (path / "content" / "databases").is_dir() or ((path / "databases").is_dir() and path.name == "content")


def import_channels(app, path: Path, channel_id: str | None) -> None:
    """`contentserver import` of a Kolibri export: each channel becomes the library `kolibri-<channel id>`."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from .kolibri.errors import ChannelError
    from .kolibri.install import install_export
    from .library.importer import ImportLimits

    store, limits = app.extensions["object_store"], ImportLimits.from_config(app.config)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
            task = bar.add_task("reading the channel", total=None)

            def show(name: str, copied: int, total: int) -> None:
                bar.update(task, description=f"copying {name[:40]}", completed=copied, total=total)

            done = install_export(path, store, limits, channel_id, progress=show)
    except ChannelError as exc:
        gone = "" if path.is_dir() else f"{path} is gone: the drive was removed or unplugged during the import. "
        refuse("refused", exc, f"{gone}The installed libraries were left as they were; run the import again.")
    for summary, result in done:
        for line in summary.lines():
            console.print(line)
        if result.unchanged:
            console.print(f"library {result.library_id} version {result.version} is already installed; nothing to do")
        else:
            console.print(f"installed library {result.library_id} version {result.version}")
    index_installed_channels(app)


def index_installed_channels(app) -> None:
    """Every installed channel's search index (a channel already indexed costs nothing)."""
    from .channels.exercises import exercise_text
    from .channels.textindex import index_channels

    quiet = [logging.getLogger(name) for name in ("pypdf", "contentserver.search.extract")]
    levels = [logger.level for logger in quiet]
    try:  # a PDF without text is indexed by its title: no warning per file over the spinner
        for logger in quiet:
            logger.setLevel(logging.ERROR)
        with err_console.status("indexing channels for search", spinner="dots"):
            built = index_channels(app.config["DATA_DIR"], app.extensions["object_store"], exercise_text)
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
    if built:
        console.print(f"search index built for {built} channel(s)")
