"""UI languages: catalogs complete and current, Kazakh Latin generated, language chosen, switched, remembered."""

from __future__ import annotations

import gettext
import re
from datetime import UTC, date

import pytest
from babel.messages.plurals import get_plural

from contentserver import i18n_catalogs
from contentserver.i18n import best_ui_tag, ui_date, ui_number
from contentserver.search.folding import cyrillic_to_latin

RUSSIAN_LESSON = "/lessons/hist-yasawi-ru"
KAZAKH_LESSON = "/lessons/geo-balkhash-kk"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs() -> None:
    """What `make translations` does, so these tests also run under a bare pytest."""
    i18n_catalogs.build()


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_catalogs_have_every_ui_string_translated_and_nothing_stale():
    problems = i18n_catalogs.problems()
    assert not problems, (
        "catalogs are incomplete or stale; run `make i18n-update`, translate, `make translations`:\n"
        + "\n".join(problems)
    )


def test_kazakh_latin_catalog_is_the_cyrillic_one_transliterated():
    i18n_catalogs.build()
    kk, latin = i18n_catalogs.load("kk"), i18n_catalogs.load(i18n_catalogs.LATIN_LOCALE)
    expected = i18n_catalogs.latin_catalog(kk)
    assert {m.id: m.string for m in latin if m.id} == {m.id: m.string for m in expected if m.id}
    assert latin["Lessons"].string == cyrillic_to_latin(kk["Lessons"].string) == "Sabaqtar"


def test_transliteration_keeps_placeholders_and_markup():
    text = "%(num)d сабақ <b>%(name)s</b> {x} %s"
    assert i18n_catalogs._latin_text(text) == "%(num)d sabaq <b>%(name)s</b> {x} %s"


@pytest.mark.parametrize("locale", ["kk", "ru", "en", "kk@latin"])
def test_catalog_plural_forms_are_babels_rules_for_the_language(locale):
    catalog = i18n_catalogs.load(locale)
    rule = get_plural(locale)
    assert catalog.num_plurals == rule.num_plurals
    # What matters is the plural index each count gets, not how a Babel release spells the expression.
    ours, babels = gettext.c2py(catalog.plural_expr), gettext.c2py(rule.plural_expr)
    assert [ours(n) for n in range(201)] == [babels(n) for n in range(201)]
    for message in catalog:
        if message.pluralizable and message.id:
            assert len(message.string) == rule.num_plurals and all(message.string)


@pytest.mark.parametrize(
    ("cookie", "accept", "chosen"),
    [
        (None, ["kk-KZ", "ru"], "kk"),
        (None, ["ru-RU", "ru", "en"], "ru"),
        (None, ["kk-Latn-KZ"], "kk-Latn"),
        (None, ["de-DE", "en"], "en"),
        (None, ["de-DE"], "kk"),
        ("ru", ["en"], "ru"),
        ("xx", ["en"], "en"),
    ],
)
def test_language_is_the_cookie_else_the_browsers_else_the_default(cookie, accept, chosen):
    assert best_ui_tag(cookie, accept, "kk") == chosen


def test_accept_language_picks_the_page_language(imported_client):
    page = imported_client.get("/", headers={"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"}).text
    assert html_lang(page) == "kk" and "Сабақтар" in page
    page = imported_client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    assert html_lang(page) == "ru" and "Предметы" in page


def test_language_switch_is_a_plain_link_remembered_in_a_cookie(imported_client):
    response = imported_client.get(f"/ui-language/ru?next={RUSSIAN_LESSON}")
    assert response.status_code == 303 and response.headers["Location"].endswith(RUSSIAN_LESSON)
    assert "lang=ru" in response.headers["Set-Cookie"]
    page = imported_client.get("/", headers={"Accept-Language": "en"}).text
    assert html_lang(page) == "ru"
    assert re.search(r'<a href="/ui-language/ru[^"]*" lang="ru" hreflang="ru" aria-current="true">', page)


@pytest.mark.parametrize("path", ["/", "/subjects/math", "/grades/6", KAZAKH_LESSON, "/saved", "/no-such-page"])
def test_every_page_links_to_each_ui_language(imported_client, path):
    page = imported_client.get(path).text
    for code in ("kk", "kk-Latn", "ru", "en"):
        assert f'href="/ui-language/{code}?next=' in page


def test_kazakh_latin_ui_is_in_latin_letters(imported_client):
    imported_client.get("/ui-language/kk-Latn?next=/")
    page = imported_client.get("/subjects/math").text
    assert html_lang(page) == "kk-Latn"
    chrome = re.sub(r'<(a|span) [^>]*lang="(kk|ru)"[^>]*>.*?</\1>', "", page)  # lesson titles, language names
    assert not re.search(r"[\u0400-\u04ff]", chrome), "Cyrillic left in the Kazakh Latin UI"
    assert "Matematika" in page


def test_a_russian_lesson_in_a_kazakh_ui_is_marked_russian(imported_client):
    imported_client.get("/ui-language/kk?next=/")
    page = imported_client.get(RUSSIAN_LESSON).text
    assert html_lang(page) == "kk"
    assert '<article class="lesson" lang="ru">' in page


@pytest.mark.parametrize(
    ("lang", "counts"),
    [
        (
            "ru",
            {
                1: "1 урок",
                2: "2 урока",
                5: "5 уроков",
                11: "11 уроков",
                21: "21 урок",
                22: "22 урока",
                112: "112 уроков",
            },
        ),
        ("kk", {1: "1 сабақ", 2: "2 сабақ", 21: "21 сабақ"}),
        ("kk-Latn", {1: "1 sabaq", 5: "5 sabaq"}),
        ("en", {1: "1 lesson", 2: "2 lessons", 21: "21 lessons"}),
    ],
)
def test_lesson_counts_use_the_languages_plural_forms(app, lang, counts):
    from flask_babel import ngettext

    with app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        for n, text in counts.items():
            assert ngettext("%(num)d lesson", "%(num)d lessons", n) == text


@pytest.mark.parametrize(
    ("lang", "day", "number"),
    [
        ("kk", "наурыз", "12\xa0345,5"),
        ("kk-Latn", "nauryz", "12\xa0345,5"),
        ("ru", "марта", "12\xa0345,5"),
        ("en", "March", "12,345.5"),
    ],
)
def test_dates_and_numbers_in_the_ui_language(app, lang, day, number):
    with app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        assert day in ui_date(date(2026, 3, 5))
        assert ui_number(12345.5) == number


def test_a_kazakh_latin_lesson_is_marked_kk_latn_in_lists_and_on_its_page(app, make_library):
    from conftest import import_into, lesson_spec

    import_into(app, make_library([lesson_spec("qala", lang="kk", script="Latn", title="Qala", subject="geography")]))
    client = app.test_client()
    assert '<a href="/lessons/qala" lang="kk-Latn">Qala</a>' in client.get("/subjects/geography").text
    page = client.get("/lessons/qala").text
    assert '<article class="lesson" lang="kk-Latn">' in page and '<span lang="kk-Latn">Qazaqşa</span>' in page
    found = client.get("/search?q=qala").text
    assert '<a href="/lessons/qala" lang="kk-Latn">Qala</a>' in found and '<p class="snippet" lang="kk-Latn">' in found


@pytest.mark.parametrize(
    ("lang", "required"),
    [
        ("kk", "Бұл өріс міндетті"),
        ("kk-Latn", "Būl örıs mındettı"),
        ("ru", "Обязательное поле"),
        ("en", "This field is required"),
    ],
)
def test_form_validation_messages_are_in_the_ui_language(app, lang, required):
    from werkzeug.datastructures import MultiDict

    from contentserver.views.forms import LoginForm

    with app.test_request_context("/auth/login", headers={"Cookie": f"lang={lang}"}):
        app.preprocess_request()
        form = LoginForm(formdata=MultiDict({"username": "", "password": "x"}), meta={"csrf": False})
        assert not form.validate()
        assert form.username.errors[0].startswith(required)


def test_dates_are_shown_in_the_schools_time_zone(make_app):
    from datetime import datetime

    late_evening_utc = datetime(2026, 3, 4, 20, 30, tzinfo=UTC)  # already 5 March in Almaty (UTC+5)
    for zone, day in (("Asia/Almaty", "March 5, 2026"), ("UTC", "March 4, 2026")):
        app = make_app(TIMEZONE=zone)
        with app.test_request_context("/", headers={"Cookie": "lang=en"}):
            assert ui_date(late_evening_utc) == day


def test_an_unknown_time_zone_stops_the_server_at_start():
    from contentserver.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="TIMEZONE"):
        load_settings({"TIMEZONE": "Mars/Olympus"}, environ={})


@pytest.mark.parametrize(
    ("lang", "shown"), [("en", "3/5/26, 1:30\u202fAM"), ("ru", "05.03.2026, 01:30"), ("kk", "05.03.26, 01:30")]
)
def test_moments_are_shown_in_the_schools_time_zone_the_ui_languages_way(app, lang, shown):
    from datetime import datetime

    from contentserver.i18n import ui_datetime

    with app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        assert ui_datetime(datetime(2026, 3, 4, 20, 30, tzinfo=UTC)) == shown
