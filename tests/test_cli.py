"""The `contentserver` command: --help on every verb; import, build and check exit 0 when fine, 2 when refused."""

from __future__ import annotations

import os
import subprocess

import click
import pytest
from click.testing import CliRunner
from conftest import CONTENT, FAKE_MP4, VENV_BIN, lesson_spec, object_file

from contentserver.cli import main


@pytest.fixture
def cli(monkeypatch):
    """invoke(*args) -> click Result, with CONTENTSERVER_* cleared so only the test's settings count."""
    for key in list(os.environ):
        if key.startswith("CONTENTSERVER_"):
            monkeypatch.delenv(key)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        return runner.invoke(main, [str(a) for a in args], env=env, input=input, catch_exceptions=False)

    return invoke


def all_verbs(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    verbs = []
    for name, command in sorted(group.commands.items()):
        verbs.append(prefix + (name,))
        if isinstance(command, click.Group):
            verbs += all_verbs(command, prefix + (name,))
    return verbs


def test_console_script_help_lists_the_verbs():
    done = subprocess.run([str(VENV_BIN / "contentserver"), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for verb in ("import", "build", "check"):
        assert verb in done.stdout


@pytest.mark.parametrize("verb", all_verbs(main), ids=" ".join)
def test_every_verb_has_help(cli, verb):
    result = cli(*verb, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output
    assert (main.get_command(None, verb[0]).help or "").strip() or len(verb) > 1


def test_import_installs_and_a_second_import_is_a_no_op(cli, make_library, tmp_path):
    library = make_library()
    first = cli("import", library, "--data", tmp_path / "data")
    assert first.exit_code == 0 and "installed library test-lib version 1: 2 added" in first.stdout
    second = cli("import", library, "--data", tmp_path / "data")
    assert second.exit_code == 0 and "already installed" in second.stdout


def test_import_of_content_exits_0(cli, tmp_path):
    result = cli("import", CONTENT, "--data", tmp_path / "data")
    assert result.exit_code == 0 and "installed library kz-starter" in result.stdout


def test_refused_import_exits_2_naming_file_and_field(cli, make_library, tmp_path):
    library = make_library([lesson_spec("alpha", grade=13)])
    result = cli("import", library, "--data", tmp_path / "data")
    assert result.exit_code == 2
    assert "manifest.json: lessons[0].grade: must be from 1 to 12" in result.stderr
    assert "left as it was" in result.stderr


def test_refusal_with_markup_like_names_is_printed_as_text(cli, make_library, tmp_path):
    library = make_library(edit=lambda m: m["lessons"][0].update(id="x[/]"))
    result = cli("import", library, "--data", tmp_path / "data")
    assert result.exit_code == 2 and "'x[/]'" in result.stderr


def test_import_of_an_older_version_exits_2(cli, make_library, tmp_path):
    assert cli("import", make_library(version=2), "--data", tmp_path / "data").exit_code == 0
    result = cli("import", make_library(version=1), "--data", tmp_path / "data")
    assert result.exit_code == 2 and "older than the installed version 2" in result.stderr


def test_import_with_a_bad_setting_exits_2(cli, make_library, tmp_path):
    result = cli("import", make_library(), "--data", tmp_path / "data", env={"CONTENTSERVER_MAX_LESSONS": "many"})
    assert result.exit_code == 2 and "MAX_LESSONS" in result.stderr


def test_import_of_a_missing_folder_is_a_usage_error(cli, tmp_path):
    result = cli("import", tmp_path / "nowhere", "--data", tmp_path / "data")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_build_then_check_then_import_of_the_built_folder(cli, tmp_path):
    out = tmp_path / "built"
    built = cli("build", CONTENT, "--out", out)
    assert built.exit_code == 0 and "kz-starter" in built.stdout
    assert (out / "manifest.json").is_file()
    checked = cli("check", out)
    assert checked.exit_code == 0 and checked.stdout.startswith("ok: kz-starter version")
    assert cli("check", CONTENT).exit_code == 0
    assert cli("import", out, "--data", tmp_path / "data").exit_code == 0


def test_build_twice_gives_identical_bytes(cli, tmp_path):
    assert cli("build", CONTENT, "--out", tmp_path / "a").exit_code == 0
    assert cli("build", CONTENT, "--out", tmp_path / "b").exit_code == 0
    files = lambda root: {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_build_of_a_broken_source_exits_2(cli, make_library, tmp_path):
    source = make_library(form="source")
    (source / "alpha" / "drawing.svg").write_text("<svg onload=alert(1)>")
    result = cli("build", source, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "drawing.svg" in result.stderr and "unsupported type" in result.stderr


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda f: f.unlink(), "is missing"),
        (lambda f: f.write_bytes(b"\xff" + f.read_bytes()[1:]), "does not match its sha256"),
        (lambda f: f.write_bytes(f.read_bytes()[:100]), "has 100 bytes"),
    ],
)
def test_check_of_a_broken_library_exits_2(cli, make_library, damage, words):
    library = make_library([lesson_spec("alpha", attachments={"clip.mp4": FAKE_MP4})])
    damaged = object_file(library, FAKE_MP4)
    damage(damaged)
    result = cli("check", library)
    assert result.exit_code == 2 and words in result.stderr and damaged.name in result.stderr


def test_check_of_bad_json_exits_2(cli, make_library):
    library = make_library()
    (library / "manifest.json").write_text("{", "utf-8")
    result = cli("check", library)
    assert result.exit_code == 2 and "manifest.json: is not valid JSON" in result.stderr


def test_check_with_a_bad_setting_exits_2(cli, make_library):
    result = cli("check", make_library(), env={"CONTENTSERVER_NOPE": "1"})
    assert result.exit_code == 2 and "CONTENTSERVER_NOPE" in result.stderr


def test_user_add_with_a_bad_name_exits_2(cli, tmp_path):
    result = cli(
        "user",
        "add",
        "[/]x[red]",
        "--password-stdin",
        "--data",
        tmp_path / "data",
        input="correct horse battery staple\n",
    )
    assert result.exit_code == 2 and "refused:" in result.stderr
