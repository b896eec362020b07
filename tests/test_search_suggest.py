"""As-you-type title suggestions: prefixes in either script, earlier words as prefixes, rebuilt on change."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from conftest import eventually
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
    assert eventually(lambda: ids(suggester.suggest("saig", 2, lambda: [], 8)) == [])  # new version: rebuilt


def test_after_a_change_the_old_table_answers_at_once_while_one_build_makes_the_new_one():
    suggester, release, loads = TitleSuggester(), threading.Event(), []
    assert ids(suggester.suggest("saig", 1, lambda: ROWS, 8)) == ["saiga-kk"]

    def slow_new_rows():
        loads.append(1)
        release.wait(5)
        return ROWS + [("saiga-new", "Saiga herds", "en")]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: ids(suggester.suggest("saig", 2, slow_new_rows, 8)), range(200)))
    assert answers == [["saiga-kk"]] * 200 and loads == [1]  # the old table answered; one build is running
    release.set()
    assert eventually(lambda: ids(suggester.suggest("saig", 2, slow_new_rows, 8)) == ["saiga-new", "saiga-kk"])
    assert loads == [1]


def test_a_failing_build_keeps_the_old_table_and_a_later_request_retries():
    suggester, loads = TitleSuggester(), []
    assert ids(suggester.suggest("photos air", 1, lambda: ROWS, 8)) == ["photo-long"]

    def failing_rows():
        loads.append(1)
        yield ROWS[0]
        raise OSError("database is locked")

    assert ids(suggester.suggest("photos air", 2, failing_rows, 8)) == ["photo-long"]
    assert eventually(lambda: ids(suggester.suggest("photos air", 2, failing_rows, 8)) == ["photo-long"] and len(loads) >= 2)
    assert eventually(lambda: ids(suggester.suggest("photos air", 2, lambda: ROWS[:1], 8)) == [])


def test_empty_and_symbol_only_queries_suggest_nothing():
    suggester = TitleSuggester()
    for text in ("", "   ", "***", "\"", "~:"):
        assert suggester.suggest(text, 1, lambda: ROWS, 8) == []


def test_titles_and_ids_come_back_letter_for_letter_in_every_script():
    found = TitleSuggester().suggest("сайғ", 1, lambda: ROWS, 8)
    assert [(item.id, item.title, item.lang) for item in found] == [("saiga-kk", "Сайғақ — дала киігі", "kk")]
    found = TitleSuggester().suggest("photosynthesis air", 1, lambda: ROWS, 8)
    assert [(item.id, item.title) for item in found] == [("photo-long", ROWS[4][1])]


def test_a_library_with_more_distinct_title_words_than_fit_in_two_bytes_still_finds_them():
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = [letters[i // 26 ** 3 % 26] + letters[i // 26 ** 2 % 26] + letters[i // 26 % 26] + letters[i % 26]
             for i in range(70_000)]
    rows = [(f"l-{n}", f"Lesson qq{name}", "en") for n, name in enumerate(names)]
    suggester = TitleSuggester()
    assert ids(suggester.suggest("qqzzzz", 1, lambda: rows, 8)) == []
    assert ids(suggester.suggest("lesson qqczzz", 1, lambda: rows, 8)) == [f"l-{names.index('czzz')}"]
    assert ids(suggester.suggest("qqaaab", 1, lambda: rows, 8)) == ["l-1"]
