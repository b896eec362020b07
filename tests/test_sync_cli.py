"""The verbs end to end as a school admin types them: keygen, publish, hub add, sync pull, export, gc."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from conftest import CONTENT, REPO, VENV_BIN
from nginx_hub import nginx


def _run(*args: str, cwd=REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    command = (
        [sys.executable, "-m", "sync", *args[1:]] if args[0] == "sync" else [str(VENV_BIN / "contentserver"), *args]
    )
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_keygen_publish_hub_add_pull_export_and_gc(tmp_path, nginx):
    hub_data, school = tmp_path / "hub-data", tmp_path / "school"
    made = _run("keygen", "--data", str(hub_data))
    assert made.returncode == 0, made.stderr
    key_file = hub_data / "keys" / "hub.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((hub_data / "keys").stat().st_mode) == 0o700
    public = made.stdout.split("public key:")[1].split()[0]
    assert _run("keygen", "--data", str(hub_data)).returncode == 2  # never overwrites a key
    published = _run(
        "publish", str(CONTENT), "--out", str(tmp_path / "hub"), "--key", str(key_file), "--data", str(hub_data)
    )
    assert published.returncode == 0, published.stderr
    server = nginx(tmp_path / "hub")
    assert _run("sync", "pull", "--data", str(school)).returncode == 6  # no hub configured yet
    assert _run("hub", "add", server.url, "--key", "not-a-key", "--data", str(school)).returncode == 2
    assert _run("hub", "add", server.url, "--key", public, "--data", str(school)).returncode == 0
    pulled = _run("sync", "pull", "--data", str(school))
    assert pulled.returncode == 0, pulled.stderr
    assert "installed library kz-starter" in pulled.stderr
    again = _run("sync", "pull", "--quiet", "--data", str(school))
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""
    assert "up to date" in _run("sync", "pull", "--data", str(school)).stderr
    exported = _run("export", str(tmp_path / "stick"), "--data", str(school))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "stick" / "head.signed").is_file()
    assert _run("gc", "--data", str(school)).returncode == 0
    assert len((school / "logs" / "sync.log").read_text().splitlines()) == 4


def test_refusals_print_names_as_plain_text_never_as_markup(tmp_path):
    data = tmp_path / "odd[/]folder"
    assert _run("keygen", "--data", str(data)).returncode == 0
    again = _run("keygen", "--data", str(data))  # refused: it names the existing key's path
    assert again.returncode == 2 and "Traceback" not in again.stderr, again.stderr
    assert "odd[/]folder" in again.stderr.replace("\n", "")
