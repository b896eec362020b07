"""Terminal output of the CLI and the sync job: plain text, never rich markup, since names come from outside."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text


def make_console(stderr: bool = False) -> Console:
    """A console that prints text as it is: a path or a hub's message like `x[/]` is not markup."""
    return Console(stderr=stderr, highlight=False, markup=False, soft_wrap=True)


def problem(console: Console, label: str, message: object, style: str = "red") -> None:
    """`label: message`, the label coloured, the message verbatim."""
    console.print(Text.assemble((f"{label}:", style), " ", str(message)))
