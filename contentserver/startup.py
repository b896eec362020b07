"""Start-up of the long-running commands (run.py, python -m sync): what stops them is one clear line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from .core import open_app
from .schema_upgrade import SchemaUpgradeError
from .settings import SettingsError


def app_or_exit(
    prog: str, data_dir: str | None, exit_code: int, factory: Callable[[Mapping[str, Any] | None], Flask] = open_app
) -> Flask:
    """The app of `data_dir` (None: the settings' default): the core app, or what `factory` builds on it (run.py:
    the web app); an invalid setting or a database this version cannot upgrade prints `prog: settings: …` or
    `prog: database: …` on stderr and exits with `exit_code`."""
    try:
        return factory({"DATA_DIR": data_dir} if data_dir else None)
    except SettingsError as exc:
        print(f"{prog}: settings: {exc}", file=sys.stderr)
    except SchemaUpgradeError as exc:
        print(f"{prog}: database: {exc}", file=sys.stderr)
    sys.exit(exit_code)
