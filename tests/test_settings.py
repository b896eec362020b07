"""Settings: declared once, documented, and checked at start-up (unknown or ill-typed values stop the app)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REPO

from contentserver import create_app
from contentserver.settings import SETTINGS, SettingsError, load_settings


def documented_settings() -> dict[str, str]:
    """Rows `| NAME | default | help |` of docs/settings.md: name -> help."""
    rows = {}
    for line in (REPO / "docs" / "settings.md").read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and re.fullmatch(r"[A-Z][A-Z0-9_]*", cells[0]):
            rows[cells[0]] = cells[2]
    return rows


def test_every_setting_is_documented_in_docs_settings_md():
    documented = documented_settings()
    missing = [s.name for s in SETTINGS if s.name not in documented]
    assert not missing, f"add a row `| NAME | default | help |` to docs/settings.md for: {missing}"
    assert all(documented[s.name] for s in SETTINGS), "every documented setting needs a help text"


def test_docs_settings_md_lists_no_setting_that_does_not_exist():
    known = {s.name for s in SETTINGS}
    assert set(documented_settings()) <= known


def test_every_setting_declares_name_default_type_and_help():
    for setting in SETTINGS:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", setting.name)
        assert isinstance(setting.default, setting.type), setting.name
        assert setting.help.strip(), setting.name
    assert len({s.name for s in SETTINGS}) == len(SETTINGS)


def test_defaults_load_when_nothing_is_set():
    values = load_settings(environ={})
    assert values == {s.name: s.default for s in SETTINGS}


@pytest.mark.parametrize(
    "config, words",
    [
        ({"NO_SUCH_SETTING": 1}, ["unknown setting", "NO_SUCH_SETTING"]),
        ({"MAX_LESSONS": "many"}, ["MAX_LESSONS", "int"]),
        ({"MAX_LESSONS": True}, ["MAX_LESSONS", "int"]),
        ({"MAX_LESSONS": 1.5}, ["MAX_LESSONS", "int"]),
        ({"MAX_LESSONS": 0}, ["MAX_LESSONS", "positive"]),
        ({"PAGE_CACHE_SIZE": -1}, ["PAGE_CACHE_SIZE", "positive"]),
        ({"TESTING": "perhaps"}, ["TESTING", "bool"]),
        ({"LIBRARY_CHECK_SECONDS": "soon"}, ["LIBRARY_CHECK_SECONDS", "float"]),
        ({"DATA_DIR": 42}, ["DATA_DIR", "str"]),
        ({"DEFAULT_LOCALE": "de"}, ["DEFAULT_LOCALE", "kk, ru, en"]),
    ],
)
def test_bad_test_config_stops_create_app_with_a_message_naming_the_setting(tmp_path, config, words):
    with pytest.raises(SettingsError) as info:
        create_app({"DATA_DIR": str(tmp_path / "data"), **config})
    for word in words:
        assert word in str(info.value)
    assert not (tmp_path / "data").exists(), "settings are checked before anything is written"


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("CONTENTSERVER_NO_SUCH_SETTING", "1", ["unknown setting", "CONTENTSERVER_NO_SUCH_SETTING"]),
        ("CONTENTSERVER_MAX_LESSONS", "lots", ["MAX_LESSONS", "environment", "int"]),
        ("CONTENTSERVER_TESTING", "maybe", ["TESTING", "bool"]),
        ("CONTENTSERVER_PAGE_CACHE_SIZE", "0", ["PAGE_CACHE_SIZE", "positive"]),
    ],
)
def test_bad_environment_variable_stops_create_app(tmp_path, monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        create_app({"DATA_DIR": str(tmp_path / "data")})
    for word in words:
        assert word in str(info.value)


def test_environment_variables_are_converted_to_the_settings_type():
    values = load_settings(
        environ={
            "CONTENTSERVER_MAX_LESSONS": " 12 ",
            "CONTENTSERVER_TESTING": "yes",
            "CONTENTSERVER_LIBRARY_CHECK_SECONDS": "0.5",
            "OTHER_PREFIX_X": "1",
        }
    )
    assert (values["MAX_LESSONS"], values["TESTING"], values["LIBRARY_CHECK_SECONDS"]) == (12, True, 0.5)


def test_test_config_overrides_the_environment():
    values = load_settings({"MAX_LESSONS": 7}, environ={"CONTENTSERVER_MAX_LESSONS": "12"})
    assert values["MAX_LESSONS"] == 7


def test_create_app_takes_settings_into_app_config(make_app, data_dir):
    app = make_app(MAX_LESSONS=3, PAGE_CACHE_SIZE=5)
    assert app.config["MAX_LESSONS"] == 3 and app.config["PAGE_CACHE_SIZE"] == 5
    assert app.config["DATA_DIR"] == str(data_dir.resolve())


def test_generated_secret_key_lives_in_the_data_folder_and_survives_restart(make_app, data_dir):
    first = make_app().config["SECRET_KEY"]
    assert len(first) >= 32 and (data_dir / "secret_key").read_text().strip() == first
    assert make_app().config["SECRET_KEY"] == first


def test_run_py_with_an_ill_typed_setting_exits_2_with_a_clear_message(tmp_path):
    env = {"CONTENTSERVER_MAX_LESSONS": "lots", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "--host", "127.0.0.1", "--port", "0", "--data", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "MAX_LESSONS" in done.stderr and "lots" in done.stderr
