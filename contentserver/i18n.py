"""UI languages: which one a request gets, the names shown for languages and subjects, local dates and numbers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from babel import support
from flask import Flask, current_app, g, request
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
)
from flask_babel import (
    lazy_gettext as _l,
)
from wtforms.i18n import messages_path

from .search.folding import cyrillic_to_latin

# Language tags (BCP 47) as the switch, the cookie and `lang` attributes spell them.
UI_LOCALES = ("kk", "kk-Latn", "ru", "en")
# CLDR has no Kazakh Latin locale (Babel turns kk_Latn into kk_Cyrl), so Kazakh Latin is gettext's
# `kk@latin`: its own catalog, Kazakh plural rules, and Kazakh dates transliterated (see `latin`).
BABEL_LOCALES = {"kk-Latn": "kk@latin"}
LANG_COOKIE = "lang"

# Languages are shown by their own names, so everyone can find theirs whatever the UI language.
LANGUAGE_NAMES = {"kk": "Қазақша", "kk-Latn": cyrillic_to_latin("Қазақша"), "ru": "Русский", "en": "English"}
SUBJECT_NAMES = {
    "science": _l("Science"),
    "math": _l("Mathematics"),
    "geography": _l("Geography"),
    "history": _l("History"),
    "language": _l("Language and literature"),
    "informatics": _l("Informatics"),
    "health": _l("Health"),
}


def subject_name(slug: str) -> str:
    """A subject's display name in the UI language; unknown subjects show their slug."""
    return str(SUBJECT_NAMES.get(slug, slug.replace("-", " ").capitalize()))


def content_lang(lang: str, script: str | None = None) -> str:
    """The BCP 47 tag of a lesson's own text, for its `lang` attribute: Kazakh in Latin letters is kk-Latn."""
    return "kk-Latn" if lang == "kk" and script == "Latn" else lang


def ui_tag_for(tag: str) -> str | None:
    """The UI language for one language tag of Accept-Language (kk-KZ → kk, kk-Latn-KZ → kk-Latn)."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    if parts[0] == "kk" and "latn" in parts[1:]:
        return "kk-Latn"
    return parts[0] if parts[0] in UI_LOCALES else None


def best_ui_tag(cookie: str | None, accepted: Iterable[str], default: str) -> str:
    """The cookie the language switch set, else the browser's most wanted language we have, else the default."""
    if cookie in UI_LOCALES:
        return cookie
    for tag in accepted:
        match = ui_tag_for(tag)
        if match:
            return match
    return default


def select_locale() -> str:
    """Flask-Babel's locale selector: the Babel identifier of the request's UI language."""
    tag = best_ui_tag(
        request.cookies.get(LANG_COOKIE),
        (value for value, _q in request.accept_languages),
        current_app.config["DEFAULT_LOCALE"],
    )
    return BABEL_LOCALES.get(tag, tag)


def ui_lang() -> str:
    """The UI language as a BCP 47 tag for `lang` attributes and the switch (kk, kk-Latn, ru, en)."""
    locale = get_locale()
    if locale is None:
        return current_app.config["DEFAULT_LOCALE"]
    return f"{locale.language}-Latn" if locale.modifier == "latin" else locale.language


def latin(text: str) -> str:
    """Text Babel formatted in Kazakh Cyrillic (month names) spelled in Latin when the UI is Kazakh Latin."""
    locale = get_locale()
    return cyrillic_to_latin(text) if locale is not None and locale.modifier == "latin" else text


def ui_date(value: date | datetime, format: str = "long") -> str:
    """A date in the UI language's own way (2026 ж. 5 наурыз, 5 марта 2026 г., March 5, 2026)."""
    return latin(format_date(value, format))


def ui_datetime(value: datetime, format: str = "short") -> str:
    """A moment in the school's time zone, the UI language's way (25.11.2026, 20:04 / 11/25/26, 8:04 PM)."""
    return latin(format_datetime(value, format))


def ui_number(value: int | float) -> str:
    """A number grouped the UI language's way (12 345 in kk and ru, 12,345 in en)."""
    return format_decimal(value)


class LatinTranslations:
    """A Kazakh Cyrillic gettext catalog read in the 2021 Latin alphabet (for catalogs we do not write)."""

    def __init__(self, cyrillic: support.NullTranslations):
        self.cyrillic = cyrillic

    def ugettext(self, message: str) -> str:
        return cyrillic_to_latin(self.cyrillic.ugettext(message))

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return cyrillic_to_latin(self.cyrillic.ungettext(singular, plural, n))


@lru_cache(maxsize=1)
def _latin_wtforms() -> LatinTranslations:
    return LatinTranslations(support.Translations.load(messages_path(), ["kk"], domain="wtforms"))


def _latin_form_messages() -> None:
    """WTForms ships Kazakh validator messages in Cyrillic only: the Latin UI gets them transliterated.

    Flask-WTF keeps a request's WTForms catalog in `request.wtforms_translations`; setting it first wins.
    """
    if ui_lang() == "kk-Latn":
        request.wtforms_translations = _latin_wtforms()  # type: ignore[attr-defined]  # Flask-WTF's, undeclared


def catalog() -> support.NullTranslations:
    """This request's catalog, found once and kept in `g` beside Flask-Babel's own choice of locale: Flask-Babel
    looks it up again for every string a template translates, a visible part of a page (docs/performance.md)."""
    found = g.get("ui_catalog")
    if found is None:
        found = g.ui_catalog = get_translations()
    return found


def init_i18n(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_timezone=app.config["TIMEZONE"])
    # Flask-Babel's own, reading the request's catalog once; jinja2.ext.i18n adds the method at run time
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.before_request(_latin_form_messages)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        ui_lang=ui_lang,
        content_lang=content_lang,
        subject_name=subject_name,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        UI_LOCALES=UI_LOCALES,
    )
    app.jinja_env.filters.update(ui_date=ui_date, ui_datetime=ui_datetime, ui_number=ui_number)
