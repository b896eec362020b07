"""Property-based fuzzing of the Markdown renderer (conventions of test_fuzz_parsers.py): whatever the text, it
renders to harmless HTML or is refused within the time budget, and the depth count and the search index's plain
text of a body stay linear.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_render import assert_harmless

from contentserver.library.markdown_html import nesting_depth
from contentserver.library.render_worker import BUDGET_SECONDS, WALL_FACTOR, RenderRefused, render
from contentserver.search.extract import markdown_text

pytestmark = pytest.mark.fuzz
# A refusal takes the budget of CPU time, at most WALL_FACTOR budgets of wall time on a loaded machine.
WITHIN = BUDGET_SECONDS * WALL_FACTOR + 3.0
BUDGET = settings(
    deadline=int(WITHIN * 1000) + 1000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
MARKUP = "[]()<>!*_`#>-+=|:~.1 \t\n\\&;\"'/a"
FRAGMENTS = st.sampled_from(
    [
        "[",
        "](",
        "![",
        "<",
        "<a href=",
        "javascript:",
        "    ",
        "- ",
        "> ",
        "1. ",
        "```\n",
        "\n\n",
        "| a |",
        "*",
        "__",
        "&#",
        "<script>",
        "leaf.png",
        "<!--",
        '"',
    ]
)
TEXT = st.text(MARKUP, max_size=3000) | st.lists(FRAGMENTS, max_size=400).map("".join)
URLS = {"leaf.png": "/objects/" + "ab" * 32}


@BUDGET
@given(TEXT)
def test_any_text_renders_harmless_or_is_refused_within_the_budget(text):
    start = time.monotonic()
    try:
        html = render(text, URLS)
    except RenderRefused as exc:
        assert exc.reason in ("time", "depth") and exc.status == 422
    else:
        assert_harmless(html)
    assert time.monotonic() - start < WITHIN


@BUDGET
@given(st.lists(FRAGMENTS, min_size=1, max_size=20), st.integers(1, 5000))
def test_a_fragment_repeated_any_number_of_times_is_bounded(fragments, times):
    text = "".join(fragments) * times
    start = time.monotonic()
    try:
        assert_harmless(render(text, URLS))
    except RenderRefused:
        pass
    assert time.monotonic() - start < WITHIN


@settings(deadline=1000)
@given(st.text(" \t>-*+1.\n", max_size=20_000))
def test_the_depth_count_is_linear_and_never_negative(text):
    assert 0 <= nesting_depth(text) <= len(text)


@pytest.mark.parametrize(
    "body", ["[a" * 200_000, "[x](" * 100_000, "<a" * 200_000, "\n" * 400_000, " \n" * 200_000, "![" * 200_000]
)
def test_the_search_text_of_a_body_of_the_largest_size_takes_linear_time(body):
    start = time.monotonic()
    markdown_text(body)
    assert time.monotonic() - start < 1.0  # 80 KB of " \n" took 64 s before; these are 400 KB


def test_the_search_text_keeps_words_and_drops_addresses_and_markup():
    text = markdown_text("# Title\n\n![a leaf](leaf.png) [the sheet](sheet.pdf) <b>bold</b>\n\n- one\n1. two\n")
    assert text.split() == ["Title", "a", "leaf", "the", "sheet", "bold", "one", "two"]


@settings(deadline=1000)
@given(st.text(MARKUP, max_size=20_000))
def test_the_search_text_of_any_body_is_quick(text):
    assert len(markdown_text(text)) <= len(text)
