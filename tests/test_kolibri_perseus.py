"""Perseus items as questions a plain form can ask, the rest listed as not available; mastery kept (issue 17)."""

from __future__ import annotations

import json
import zipfile

import pytest
from le_utils.constants import exercises

from contentserver.kolibri.errors import ChannelError
from contentserver.kolibri.perseus import (
    MAX_ITEM_BYTES,
    NOT_AVAILABLE,
    Choice,
    Mastery,
    convert_item,
    parse_mastery,
    read_exercise,
)


def item(content: str, widgets: dict, hints: tuple[str, ...] = ()) -> str:
    return json.dumps(
        {
            "question": {"content": content, "images": {}, "widgets": widgets},
            "answerArea": {"calculator": False},
            "itemDataVersion": {"major": 0, "minor": 1},
            "hints": [{"content": h, "images": {}, "widgets": {}} for h in hints],
        }
    )


def radio(*choices: tuple[str, bool], multiple: bool = False) -> dict:
    options = {"choices": [{"content": c, "correct": ok} for c, ok in choices], "randomize": True}
    return {"radio 1": {"type": "radio", "options": {**options, "multipleSelect": multiple}}}


def test_radio_with_one_correct_choice_is_a_single_choice_question():
    raw = item("Астана — ... [[☃ radio 1]]", radio(("астана", True), ("алматы", False)), hints=("Елорда",))
    question = convert_item("q1", raw)
    assert question.kind == exercises.SINGLE_SELECTION
    assert question.prompt == "Астана — ..."
    assert question.choices == (Choice("астана", True), Choice("алматы", False))
    assert question.hints == ("Елорда",) and question.randomize


def test_radio_with_several_correct_choices_is_multiple_choice():
    raw = item("Even? [[☃ radio 1]]", radio(("2", True), ("3", False), ("4", True), multiple=True))
    assert convert_item("q", raw).kind == exercises.MULTIPLE_SELECTION


def test_numeric_input_keeps_its_answers_and_tolerance():
    widget = {
        "numeric-input 1": {
            "type": "numeric-input",
            "options": {
                "answers": [
                    {"value": 3.14, "status": "correct", "maxError": 0.01},
                    {"value": 3, "status": "wrong", "maxError": None},
                ]
            },
        }
    }
    question = convert_item("pi", item("π ≈ [[☃ numeric-input 1]]", widget))
    assert (question.kind, question.answers, question.tolerance) == (exercises.INPUT_QUESTION, ("3.14",), 0.01)


def test_a_text_answer_box_is_a_short_text_question():
    widget = {"numeric-input 1": {"type": "numeric-input", "options": {"answers": [{"value": "Астана"}]}}}
    question = convert_item("city", item("Capital? [[☃ numeric-input 1]]", widget))
    assert (question.kind, question.answers) == (exercises.FREE_RESPONSE, ("Астана",))


def test_input_number_is_a_number_question():
    widget = {"input-number 1": {"type": "input-number", "options": {"value": 12, "inexact": True, "maxError": 0.5}}}
    question = convert_item("n", item("3 × 4 = [[☃ input-number 1]]", widget))
    assert (question.kind, question.answers, question.tolerance) == (exercises.INPUT_QUESTION, ("12",), 0.5)


@pytest.mark.parametrize("widget", ["interactive-graph", "expression", "orderer", "matcher", "categorizer", "sorter"])
def test_widgets_that_need_perseus_are_not_available_with_the_reason(widget):
    raw = item(f"Do it [[☃ {widget} 1]]", {f"{widget} 1": {"type": widget, "options": {}}})
    with pytest.raises(ChannelError, match=f"{NOT_AVAILABLE}: the {widget} widget needs Perseus's script"):
        convert_item("g", raw)


def test_two_answer_boxes_or_graphie_images_are_not_available():
    both = {**radio(("a", True), ("b", False)), "radio 2": radio(("c", True), ("d", False))["radio 1"]}
    with pytest.raises(ChannelError, match="exactly one answer box"):
        convert_item("two", item("[[☃ radio 1]] and [[☃ radio 2]]", both))
    graphie = item("![](web+graphie://ka/abc) [[☃ radio 1]]", radio(("a", True), ("b", False)))
    with pytest.raises(ChannelError, match="graphie"):
        convert_item("g", graphie)
    with pytest.raises(ChannelError, match="without a correct choice"):
        convert_item("none", item("[[☃ radio 1]]", radio(("a", False), ("b", False))))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "is not valid JSON|at most"),
        ('{"question": 5}', "no question"),
        ('{"question": {"content": 7}}', "a text field is not text"),
        ("null", "no question"),
    ],
)
def test_malformed_items_are_refused_with_a_clear_reason(raw, reason):
    with pytest.raises(ChannelError, match=reason):
        convert_item("bad", raw)


def test_an_enormous_item_is_refused_before_parsing():
    raw = item("x" * (MAX_ITEM_BYTES + 10) + " [[☃ radio 1]]", radio(("a", True), ("b", False)))
    with pytest.raises(ChannelError, match=f"at most {MAX_ITEM_BYTES} are read"):
        convert_item("big", raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"type": "m_of_n", "m": 3, "n": 5}', Mastery("m_of_n", 3, 5)),
        ('{"type": "num_correct_in_a_row_5"}', Mastery("num_correct_in_a_row_5", 5, 5)),
        ('{"type": "num_correct_in_a_row_10"}', Mastery("num_correct_in_a_row_10", 10, 10)),
        ('{"type": "do_all"}', Mastery("do_all")),
    ],
)
def test_the_channel_mastery_model_is_kept(raw, expected):
    assert parse_mastery(raw) == expected


@pytest.mark.parametrize("raw", ["{}", "", None, "not json", '{"type": "m_of_n", "m": 9, "n": 5}', '{"type": "x"}'])
def test_a_missing_or_broken_mastery_model_falls_back_to_do_all_and_says_why(raw):
    mastery = parse_mastery(raw)
    assert mastery.model == exercises.DO_ALL and mastery.note


def test_an_exercise_zip_converts_what_it_can_and_lists_the_rest(tmp_path):
    path = tmp_path / "exercise.perseus"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("exercise.json", json.dumps({"mastery_model": "m_of_n"}))
        archive.writestr("ok.json", item("2+2 [[☃ radio 1]]", radio(("4", True), ("5", False))))
        archive.writestr("graph.json", item("[[☃ interactive-graph 1]]", {"interactive-graph 1": {"type": "x"}}))
        archive.writestr("broken.json", "{")
    exercise = read_exercise(path, ("ok", "graph", "broken", "absent"), '{"type": "m_of_n", "m": 2, "n": 3}')
    assert exercise.mastery == Mastery("m_of_n", 2, 3)
    assert [q.item_id for q in exercise.questions] == ["ok"]
    reasons = {u.item_id: u.reason for u in exercise.unavailable}
    assert reasons["absent"] == "the question is not in the exercise file"
    assert reasons["graph"].startswith(NOT_AVAILABLE) and "not valid JSON" in reasons["broken"]


def test_an_exercise_zip_that_climbs_out_is_refused(tmp_path):
    path = tmp_path / "exercise.perseus"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../ok.json", "{}")
    with pytest.raises(ChannelError, match="climbs out"):
        read_exercise(path, ("ok",), None)
