"""10,000 submissions from one device: at most PER_MINUTE a minute are checked, each question counted once a minute,
and the memory of devices stays bounded however many addresses post."""

from __future__ import annotations

from contentserver.quizzes.parse import parse_quiz
from contentserver.quizzes.progress import record
from contentserver.views import practice_limit
from contentserver.views.practice_limit import DEVICES, PER_MINUTE, too_many


def test_ten_thousand_answers_from_one_device_in_a_minute_are_cut_to_the_limit():
    refused = [too_many("10.0.0.7", now=1000.0 + i / 1000) for i in range(10_000)]  # all within 10 s
    assert refused.count(False) == PER_MINUTE and refused[:PER_MINUTE] == [False] * PER_MINUTE
    assert not too_many("10.0.0.8", now=1005.0)  # another device is not held back
    assert too_many("10.0.0.7", now=1059.0)  # still inside the minute of the first answers
    assert not too_many("10.0.0.7", now=1061.0)  # a minute after them: room again


def test_the_devices_remembered_are_bounded():
    for number in range(DEVICES + 500):
        too_many(f"device-{number}", now=2000.0)
    assert len(practice_limit._seen) <= DEVICES


def test_the_same_question_from_one_device_is_counted_once_a_minute():
    quiz = parse_quiz("? Capital?\n= Astana\n\n? River?\n= Ishim\n")
    progress: dict = {}
    counted = [record(progress, "capitals", "Capitals", 0, quiz, 0, True, minute=500)[1] for _ in range(10_000)]
    assert counted.count(True) == 1
    assert record(progress, "capitals", "Capitals", 0, quiz, 1, False, minute=500)[1]  # another question counts
    alternating = [record(progress, "capitals", "Capitals", 0, quiz, n % 2, True, minute=500)[1] for n in range(100)]
    assert not any(alternating)  # going back and forth between two questions counts neither again
    assert record(progress, "capitals", "Capitals", 0, quiz, 0, True, minute=501)[1]  # the next minute counts
    assert progress["capitals/0"]["n"] == 3
