"""deploy/: the systemd units are valid and start commands that exist, with flags those commands accept."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

UNITS = sorted((REPO / "deploy").glob("*.service"))


def exec_start(unit_text: str) -> list[str]:
    """The ExecStart command of a unit, with the install folder pointed at this checkout."""
    line = next(line for line in unit_text.splitlines() if line.startswith("ExecStart="))
    words = line.split("=", 1)[1].replace("/opt/contentserver/.venv/bin/python", sys.executable).split()
    return [str(REPO / w) if w.endswith(".py") else w for w in words]


def test_there_is_a_unit_for_the_server_and_one_for_the_sync_service():
    commands = [" ".join(exec_start(unit.read_text())) for unit in UNITS]
    assert any("run.py" in c for c in commands) and any("-m sync run" in c for c in commands)


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_unit_starts_a_command_that_accepts_its_flags(unit):
    command = exec_start(unit.read_text())
    helped = subprocess.run([*command, "--help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0, helped.stderr
    for flag in (w for w in command if w.startswith("--")):
        assert re.search(rf"{flag}\b", helped.stdout), f"{unit.name}: {flag} is not an option of {command[:3]}"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_units_pass_systemd_analyze_verify(tmp_path):
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/contentserver", str(REPO)))
    done = subprocess.run(
        ["systemd-analyze", "verify", *map(str, sorted(tmp_path.glob("*.service")))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
