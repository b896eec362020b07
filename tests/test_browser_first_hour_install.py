"""Issue 20 point 10: a server started from a checkout without compiled catalogs builds them (or refuses with one
line), so no page is English under a Kazakh or Russian label; `user add` says which data folder it wrote."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import browser, new_page
from conftest import REPO, VENV_BIN, free_port
from firsthour_support import VIEW_IDS, VIEWS, open_page, serving
from teach_http import PASSWORD

pytestmark = pytest.mark.browser
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def checkout_without_catalogs(root: Path) -> Path:
    """The package and run.py as a fresh clone has them: .po files only (.mo and kk@latin are built files)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "kk@latin")
    shutil.copytree(REPO / "contentserver", root / "contentserver", ignore=ignore)
    shutil.copy(REPO / "run.py", root / "run.py")
    return root / "run.py"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    root = tmp_path_factory.mktemp("fresh-checkout")
    with serving(root, "", run_py=checkout_without_catalogs(root)) as live:
        yield live


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_a_fresh_checkout_serves_kazakh_and_russian_not_english(fresh, new_page, locale, viewport):
    assert "built the translations" in fresh.output()
    page = open_page(new_page, locale, viewport)
    page.goto(fresh.url + "/")
    brand = page.inner_text(".brand")
    assert brand != "School library" and CYRILLIC.search(brand), brand
    with page.expect_navigation():
        page.click("a[hreflang=kk-Latn]")
    assert page.get_attribute("html", "lang") == "kk-Latn"
    latin = page.inner_text(".brand")
    assert latin != "School library" and not CYRILLIC.search(latin), latin


def test_a_catalog_that_cannot_be_built_stops_the_start_with_one_line(tmp_path):
    run_py = checkout_without_catalogs(tmp_path)
    blocked = tmp_path / "contentserver/translations/ru/LC_MESSAGES/messages.mo"
    blocked.mkdir()  # an old folder where the compiled catalog must go: it cannot be written
    os.utime(blocked, (0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run(
        [sys.executable, str(run_py), "--port", str(free_port()), "--data", str(tmp_path / "data")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("contentserver: translations: ") and "make translations" in lines[0]


def test_user_add_without_data_says_which_folder_it_wrote(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "user", "add", "--admin", "boss", "--password-stdin"],
        input=PASSWORD + "\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert f"added admin boss to the data folder {tmp_path / 'instance'}" in done.stdout, done.stdout
    assert "--data" in done.stdout, "it says how to choose another folder"
