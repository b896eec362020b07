"""A lesson's subject and grade as words in every UI language, indexed with its tags: "математика" or
"5 сынып" then finds every lesson of that subject or grade, not only those whose text happens to say so."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from ..i18n import SUBJECT_NAMES

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LOCALES = ("kk", "ru", "en")  # Kazakh Latin is the same words folded (analysis.py): no catalog of its own needed
GRADE_MSGID = "Grade %(grade)s"


@cache
def _catalog(locale: str) -> NullTranslations:
    """The compiled UI catalog (start-up builds it); without one, English msgids stand in."""
    return Translations.load(str(TRANSLATIONS), [locale])


def _msgid(subject: str) -> str:
    name = SUBJECT_NAMES.get(subject)
    return name._args[0] if name is not None else subject.replace("-", " ")  # a LazyString keeps its msgid


def facet_words(subject: str, grade: int) -> str:
    """The subject's name and "grade N" in Kazakh, Russian and English, once each."""
    words: list[str] = []
    for locale in LOCALES:
        catalog = _catalog(locale)
        for text in (catalog.gettext(_msgid(subject)), catalog.gettext(GRADE_MSGID) % {"grade": grade}):
            if text not in words:
                words.append(text)
    return " ".join(words)
