"""UI languages: which one a request gets, and the names shown for languages and subjects."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import Babel, get_locale, lazy_gettext as _l

UI_LOCALES = ("kk", "ru", "en")
LANG_COOKIE = "lang"

# Languages are shown by their own names, so everyone can find theirs whatever the UI language.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
SUBJECT_NAMES = {
    "science": _l("Science"), "math": _l("Mathematics"), "geography": _l("Geography"),
    "history": _l("History"), "language": _l("Language and literature"), "informatics": _l("Informatics"),
    "health": _l("Health"),
}


def subject_name(slug: str) -> str:
    """A subject's display name in the UI language; unknown subjects show their slug."""
    return str(SUBJECT_NAMES.get(slug, slug.replace("-", " ").capitalize()))


def select_locale() -> str:
    """The cookie the language switch set, else the browser's preference, else the school's default."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in UI_LOCALES:
        return chosen
    return request.accept_languages.best_match(UI_LOCALES, default=current_app.config["DEFAULT_LOCALE"])


def init_i18n(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(get_locale=get_locale, subject_name=subject_name, LANGUAGE_NAMES=LANGUAGE_NAMES, UI_LOCALES=UI_LOCALES)
