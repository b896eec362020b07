"""What a person watching a sync sees: objects, bytes, rate and ETA (rich), or nothing with --quiet."""

from __future__ import annotations

from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from contentserver.terminal import make_console


class Display:
    """A rich progress display; quiet mode keeps only the final line and errors."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.console = make_console(stderr=True)
        self.progress: Progress | None = None
        self.bytes_task: TaskID | None = None
        self.objects_task: TaskID | None = None

    def start(self, objects: int, total_bytes: int) -> None:
        if self.quiet or self.progress is not None:
            return
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.objects_task = self.progress.add_task("objects", total=objects)
        self.bytes_task = self.progress.add_task("bytes", total=total_bytes)
        self.progress.start()

    def add_bytes(self, n: int) -> None:
        if self.progress is not None and self.bytes_task is not None:
            self.progress.advance(self.bytes_task, n)

    def add_object(self) -> None:
        if self.progress is not None and self.objects_task is not None:
            self.progress.advance(self.objects_task, 1)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def say(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text)
