"""The teacher's results over real waitress: the most common wrong answers per question (folded, capped, shown as
text) and mastery reached per quiz, on the page and by day in the CSV; nothing that says who answered."""

from __future__ import annotations

import csv
import io
import re
import signal
import sqlite3
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from conftest import Elements, lesson_spec, xss_vectors
from teach_http import _FromAddress, create_lesson, start_site
from test_practice_http import QUIZ_BODY, Device

from contentserver.quizzes.results import MAX_WRONG_KEYS, TOP_WRONG

BODY = """# Results

```quiz
mastery: do_all

? Which city is the capital of Kazakhstan?
(x) Astana
( ) Almaty
( ) Shymkent

? Name the largest city.
= Almaty

? How long is a running track?
= 400 +- 5 m
```

```quiz
? Which are prime?
[x] 2
[ ] 4
[x] 7
```
"""


class Phone(Device):
    """A device with its own loopback address, as each phone on the box's Wi-Fi (the rate limit is per address)."""

    def __init__(self, server, number: int):
        super().__init__(server)
        source = _FromAddress(f"127.0.{number // 250}.{2 + number % 250}")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), source)


def _site(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    return site, anna, create_lesson(anna, status="published", body=BODY)


def test_common_wrong_answers_and_mastery_on_the_page_and_in_the_csv(start_server, tmp_path):
    site, anna, lesson_id = _site(start_server, tmp_path)
    for typed in ("Astana", " astana ", "Астана", "ASTANA!", "Shymkent", "=1+1", "404"):
        phone = Device(site.server)  # a device each: the same question from one device counts once a minute
        assert phone.answer(phone.tokens(lesson_id)["quiz-0-1"], typed)[0] == 200
    for picked in (("1",), ("1",), ("2",)):
        phone = Device(site.server)
        assert "Not quite." in phone.answer(phone.tokens(lesson_id)["quiz-0-0"], *picked)[2]
    for typed in ("350 m", "350", "0,5"):
        phone = Device(site.server)
        assert "Not quite." in phone.answer(phone.tokens(lesson_id)["quiz-0-2"], typed)[2]
    phone = Device(site.server)
    tokens = phone.tokens(lesson_id)
    assert "Not quite." in phone.answer(tokens["quiz-1-0"], "0", "1")[2]
    for name, values in (("quiz-0-0", ("0",)), ("quiz-0-1", ("almaty",)), ("quiz-0-2", ("400",))):
        assert "Right!" in phone.answer(tokens[name], *values)[2]
    other = Device(site.server)
    for name, values in (("quiz-0-0", ("0",)), ("quiz-0-1", ("Алматы",)), ("quiz-0-2", ("4 0 0 m",))):
        other.answer(other.tokens(lesson_id)[name], *values)

    page = anna.get(f"/teach/lessons/{lesson_id}/results").text
    first, second = page.split("<h2>")[1:3]
    assert "Times mastery was reached: 2." in first and "Times mastery was reached: 0." in second
    rows = re.findall(r"<tr><td>(\d)\. .*?</td>.*?<td>(.*?)</td></tr>", first, re.DOTALL)
    wrong = {number: re.findall(r"<li>(.*?)</li>", cell) for number, cell in rows}
    assert wrong["1"] == ["<q>Almaty</q> (2)", "<q>Shymkent</q> (1)"]
    # Astana in two scripts, any case, spaces and punctuation is one wrong answer, shown as first typed
    assert wrong["2"] == ["<q>Astana</q> (4)", "<q>=1+1</q> (1)", "<q>404</q> (1)", "<q>Shymkent</q> (1)"]
    assert wrong["3"] == ["<q>350 m</q> (2)", "<q>0.5 m</q> (1)"]
    assert re.findall(r"<li>(.*?)</li>", second) == ["<q>2 + 4</q> (1)"]
    for secret in ("anna", "127.0.0.1", "practice="):
        assert secret not in page.split("<h1>")[1].lower()

    sheet = list(csv.reader(io.StringIO(anna.get(f"/teach/lessons/{lesson_id}/results.csv").text)))
    day = time.strftime("%Y-%m-%d", time.gmtime())
    assert sheet[0] == ["day", "quiz", "question", "attempts", "correct", "mastered", "common_wrong_answers"]
    assert sheet[1] == [day, "1", "", "", "", "2", ""]  # the quiz's mastery row comes before its questions
    assert sheet[2] == [day, "1", "1", "5", "2", "", "Almaty (2); Shymkent (1)"]
    assert sheet[3] == [day, "1", "2", "9", "2", "", "Astana (4); =1+1 (1); 404 (1); Shymkent (1)"]
    assert sheet[4] == [day, "1", "3", "5", "2", "", "350 m (2); 0.5 m (1)"]
    assert sheet[5] == [day, "2", "1", "1", "0", "", "2 + 4 (1)"]


def test_a_wrong_answer_that_starts_a_formula_is_text_in_the_csv(start_server, tmp_path):
    site, anna, lesson_id = _site(start_server, tmp_path)
    phone = Device(site.server)
    assert phone.answer(phone.tokens(lesson_id)["quiz-0-1"], '=HYPERLINK("http://evil.example","x")')[0] == 200
    text = anna.get(f"/teach/lessons/{lesson_id}/results.csv").text
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[6] == '\'=HYPERLINK("http://evil.example","x") (1)'


def test_wrong_answers_are_capped_per_question_and_hostile_ones_are_text(start_server, tmp_path):
    site, anna, lesson_id = _site(start_server, tmp_path)
    junk = [f"junk {n}" for n in range(MAX_WRONG_KEYS + 5)]
    for number, answer in enumerate(junk):
        phone = Phone(site.server, number)
        assert phone.answer(phone.tokens(lesson_id)["quiz-0-1"], answer)[0] == 200
    for number, answer in enumerate(xss_vectors()):  # typed into the number question: wrong, kept as text
        phone = Phone(site.server, 100 + number)
        assert phone.answer(phone.tokens(lesson_id)["quiz-0-2"], answer)[0] == 200
    page = anna.get(f"/teach/lessons/{lesson_id}/results").text
    elements = Elements(page)
    assert not [a for _t, a in elements.elements if any(k.startswith("on") for k in a)]
    assert not [a for _t, a in elements.elements if "javascript:" in (a.get("href") or a.get("src") or "").lower()]
    assert all((a.get("src") or "").startswith("/static/") for a in elements.find("script"))  # none injected
    cell = page.split("2. Name the largest city.")[1].split("</tr>")[0]
    assert re.findall(r"<li>(.*?)</li>", cell) == [f"<q>junk {n}</q> (1)" for n in (0, 1, 10, 11, 12)] + [
        "other answers (5)"  # past MAX_WRONG_KEYS distinct answers a day, the rest share one count
    ]
    assert page.split("3. How long is a running track?")[1].split("</tr>")[0].count("<li><q>") == TOP_WRONG
    sheet = list(csv.reader(io.StringIO(anna.get(f"/teach/lessons/{lesson_id}/results.csv").text)))
    assert sheet[1][2:4] == ["2", str(len(junk))] and sheet[1][6].endswith("; junk 12 (1); … (5)")


def test_a_class_answering_at_once_is_counted_once_each_and_kept_through_a_kill(start_server, make_library):
    """40 phones post at the same moment, twice, to run.py with its default 24 threads: every answer is checked and
    counted exactly once, none meets "database is locked", and what the phones were told was counted is on disk
    when the server is killed (-9) right after the last answer."""
    server = start_server(starter=str(make_library([lesson_spec("capitals", body=QUIZ_BODY)])), threads=24)
    phones = [Phone(server, number) for number in range(40)]
    tokens = phones[0].tokens()
    barrier = threading.Barrier(len(phones))

    def together(number: int, name: str, typed: str) -> str:
        barrier.wait()
        status, _headers, page = phones[number].answer(tokens[name], typed)
        assert status == 200, page
        return page

    with ThreadPoolExecutor(len(phones)) as pool:
        typed = ["Astana" if n % 2 else f"Almaty {n}" for n in range(len(phones))]  # half wrong, each its own way
        first = list(pool.map(lambda n: together(n, "quiz-0-1", typed[n]), range(len(phones))))
        second = list(pool.map(lambda n: together(n, "quiz-0-0", "0"), range(len(phones))))
    assert [("Right!" in page) for page in first] == [bool(n % 2) for n in range(len(phones))]
    assert all("Right!" in page and "already counted" not in page for page in second)
    # QUIZ_BODY's first quiz is mastered with 2 right of the last 2: the phones right both times
    assert sum("Mastered! Well done." in page for page in second) == len(phones) // 2

    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(10)
    assert "database is locked" not in server.output()
    db = sqlite3.connect(server.data_dir / "library.sqlite")
    try:
        counts = db.execute("SELECT question, attempts, correct FROM quiz_result_days ORDER BY question").fetchall()
        wrong = db.execute("SELECT COUNT(*), SUM(count) FROM quiz_wrong_answer_days").fetchone()
        mastered = db.execute("SELECT SUM(mastered) FROM quiz_mastery_days").fetchone()[0]
    finally:
        db.close()
    assert counts == [(0, 40, 40), (1, 40, 20)]
    assert wrong == (20, 20) and mastered == 20
