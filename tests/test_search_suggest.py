"""As-you-type title suggestions: prefixes in either script, earlier words as prefixes, rebuilt on change."""
from __future__ import annotations

from contentserver.search.suggest import TitleSuggester

ROWS = [("saiga-kk", "Сайғақ — дала киігі", "kk"), ("pyth-ru", "Теорема Пифагора", "ru"),
        ("pyth-hist", "Пифагор и его школа", "ru"), ("photo-en", "Photosynthesis: how plants make food", "en"),
        ("photo-long", "Photosynthesis and the air we breathe in the steppe", "en")]


def ids(found) -> list[str]:
    return [item.id for item in found]


def test_a_plain_latin_prefix_finds_a_kazakh_cyrillic_title():
    assert ids(TitleSuggester().suggest("saig", 1, lambda: ROWS, 8)) == ["saiga-kk"]


def test_earlier_words_narrow_the_titles_and_the_last_word_is_a_prefix():
    suggester = TitleSuggester()
    assert ids(suggester.suggest("теорема пиф", 1, lambda: ROWS, 8)) == ["pyth-ru"]
    assert set(ids(suggester.suggest("пиф", 1, lambda: ROWS, 8))) == {"pyth-ru", "pyth-hist"}


def test_shorter_titles_come_first_and_the_limit_holds():
    found = TitleSuggester().suggest("photos", 1, lambda: ROWS, 1)
    assert ids(found) == ["photo-en"]


def test_the_table_is_rebuilt_when_the_library_version_changes():
    suggester = TitleSuggester()
    assert ids(suggester.suggest("saig", 1, lambda: ROWS, 8)) == ["saiga-kk"]
    assert ids(suggester.suggest("saig", 1, lambda: [], 8)) == ["saiga-kk"]      # same version: kept
    assert ids(suggester.suggest("saig", 2, lambda: [], 8)) == []                # new version: rebuilt


def test_empty_and_symbol_only_queries_suggest_nothing():
    suggester = TitleSuggester()
    for text in ("", "   ", "***", "\"", "~:"):
        assert suggester.suggest(text, 1, lambda: ROWS, 8) == []
