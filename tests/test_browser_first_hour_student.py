"""Issue 20, students: downloads keep their names, tables keep words whole (phone and desktop, kk and ru)."""

from __future__ import annotations

import pytest
from browser_support import axe_source, browser, new_page
from conftest import lesson_spec, pdf_bytes, png_bytes, write_built_library
from firsthour_support import VIEW_IDS, VIEWS, assert_axe_clean, no_sideways_scroll, open_page, serving

pytestmark = pytest.mark.browser

TABLE = """# Көлдер

| Көл | Қала | Тереңдігі, м | Ауданы, км² | Суының тұздылығы |
|-----|------|--------------|-------------|------------------|
| Балқаш | Балқаш қаласы | 26 | 16 400 | Батысы тұщы, шығысы ащы |
| Байкал | Иркутск | 1 642 | 31 722 | Тұщы |
| Каспий | Ақтау | 1 025 | 371 000 | Аздап тұзды |
| Мариана | — | 10 994 | 7,439 | Бойлығы ұзын |

Кестеден кейінгі мәтін.
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module: a lesson with a worksheet, a picture and a wide table."""
    root = tmp_path_factory.mktemp("first-hour-student")
    lesson = lesson_spec(
        "lakes",
        title="Көлдер",
        lang="kk",
        script="Cyrl",
        body=TABLE,
        attachments={"worksheet.pdf": pdf_bytes("lakes"), "map.png": png_bytes(40, 30, (0, 90, 200))},
    )
    with serving(root, write_built_library(root / "library", [lesson])) as live:
        yield live


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_a_download_is_saved_under_the_files_own_name(server, new_page, locale, viewport):
    page = open_page(new_page, locale, viewport, accept_downloads=True)
    page.goto(server.url + "/lessons/lakes")
    link = page.locator("figure.pdf figcaption a[download]")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "worksheet.pdf"
    status, headers, _ = server.get(page.get_attribute("figure.pdf figcaption a[download]", "href"))
    assert status == 200 and headers["Content-Disposition"] == 'inline; filename="worksheet.pdf"'
