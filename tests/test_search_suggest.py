"""As-you-type title suggestions: prefixes in either script, earlier words as prefixes, rebuilt on change."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from conftest import eventually

from contentserver.search.suggest import TitleSource, TitleSuggester

ROWS = [
    ("saiga-kk", "Сайғақ — дала киігі", "kk"),
    ("pyth-ru", "Теорема Пифагора", "ru"),
    ("pyth-hist", "Пифагор и его школа", "ru"),
    ("photo-en", "Photosynthesis: how plants make food", "en"),
    ("photo-long", "Photosynthesis and the air we breathe in the steppe", "en"),
]


def source(rows: list[tuple[str, str, str]], titles_of: list[tuple[str, str, str]] | None = None) -> TitleSource:
    """These rows for a build; titles read from `titles_of` (default: the same rows) when answering."""
    titles = dict((lesson_id, title) for lesson_id, title, _ in (rows if titles_of is None else titles_of))
    return TitleSource(lambda: rows, lambda wanted: {i: titles[i] for i in wanted if i in titles})


def ids(found) -> list[str]:
    return [item.id for item in found]


def test_a_plain_latin_prefix_finds_a_kazakh_cyrillic_title():
    assert ids(TitleSuggester().suggest("saig", 1, source(ROWS), 8)) == ["saiga-kk"]


def test_earlier_words_narrow_the_titles_and_the_last_word_is_a_prefix():
    suggester = TitleSuggester()
    assert ids(suggester.suggest("теорема пиф", 1, source(ROWS), 8)) == ["pyth-ru"]
    assert set(ids(suggester.suggest("пиф", 1, source(ROWS), 8))) == {"pyth-ru", "pyth-hist"}


def test_shorter_titles_come_first_and_the_limit_holds():
    found = TitleSuggester().suggest("photos", 1, source(ROWS), 1)
    assert ids(found) == ["photo-en"]


def test_the_table_is_rebuilt_when_the_library_version_changes():
    suggester = TitleSuggester()
    assert ids(suggester.suggest("saig", 1, source(ROWS), 8)) == ["saiga-kk"]
    assert ids(suggester.suggest("saig", 1, source([], ROWS), 8)) == ["saiga-kk"]  # same version: kept
    assert eventually(lambda: ids(suggester.suggest("saig", 2, source([]), 8)) == [])  # new version: rebuilt


def test_after_a_change_the_old_table_answers_at_once_while_one_build_makes_the_new_one():
    suggester, release, loads = TitleSuggester(), threading.Event(), []
    assert ids(suggester.suggest("saig", 1, source(ROWS), 8)) == ["saiga-kk"]

    def slow_new_rows():
        loads.append(1)
        release.wait(5)
        return new_rows

    new_rows = ROWS + [("saiga-new", "Saiga herds", "en")]
    slow = TitleSource(slow_new_rows, source(new_rows).titles)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: ids(suggester.suggest("saig", 2, slow, 8)), range(200)))
    assert answers == [["saiga-kk"]] * 200 and loads == [1]  # the old table answered; one build is running
    release.set()
    assert eventually(lambda: ids(suggester.suggest("saig", 2, slow, 8)) == ["saiga-new", "saiga-kk"])
    assert loads == [1]


def test_a_failing_build_keeps_the_old_table_and_a_later_request_retries():
    suggester, loads = TitleSuggester(), []
    assert ids(suggester.suggest("photos air", 1, source(ROWS), 8)) == ["photo-long"]

    def failing_rows():
        loads.append(1)
        yield ROWS[0]
        raise OSError("database is locked")

    failing = TitleSource(failing_rows, source(ROWS).titles)

    assert ids(suggester.suggest("photos air", 2, failing, 8)) == ["photo-long"]
    assert eventually(lambda: ids(suggester.suggest("photos air", 2, failing, 8)) == ["photo-long"] and len(loads) >= 2)
    assert eventually(lambda: ids(suggester.suggest("photos air", 2, source(ROWS[:1]), 8)) == [])


def test_titles_are_read_when_answering_so_a_renamed_lesson_shows_its_title_and_a_gone_one_none():
    suggester = TitleSuggester()
    assert ids(suggester.suggest("photos", 1, source(ROWS), 8)) == ["photo-en", "photo-long"]
    renamed = [("photo-long", "Photosynthesis in the steppe", "en")]
    found = suggester.suggest("photos", 1, source(ROWS, renamed), 8)
    assert [(item.id, item.title) for item in found] == [("photo-long", "Photosynthesis in the steppe")]


def test_empty_and_symbol_only_queries_suggest_nothing():
    suggester = TitleSuggester()
    for text in ("", "   ", "***", "\"", "~:"):
        assert suggester.suggest(text, 1, source(ROWS), 8) == []


def test_titles_and_ids_come_back_letter_for_letter_in_every_script():
    found = TitleSuggester().suggest("сайғ", 1, source(ROWS), 8)
    assert [(item.id, item.title, item.lang) for item in found] == [("saiga-kk", "Сайғақ — дала киігі", "kk")]
    found = TitleSuggester().suggest("photosynthesis air", 1, source(ROWS), 8)
    assert [(item.id, item.title) for item in found] == [("photo-long", ROWS[4][1])]


def test_a_library_with_more_distinct_title_words_than_fit_in_two_bytes_still_finds_them():
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = [
        letters[i // 26**3 % 26] + letters[i // 26**2 % 26] + letters[i // 26 % 26] + letters[i % 26]
        for i in range(70_000)
    ]
    rows = [(f"l-{n}", f"Lesson qq{name}", "en") for n, name in enumerate(names)]
    suggester = TitleSuggester()
    assert ids(suggester.suggest("qqzzzz", 1, source(rows), 8)) == []
    assert ids(suggester.suggest("lesson qqczzz", 1, source(rows), 8)) == [f"l-{names.index('czzz')}"]
    assert ids(suggester.suggest("qqaaab", 1, source(rows), 8)) == ["l-1"]
