"""Practice over real waitress: answers checked, mastery, My practice, and every refusal said clearly."""

from __future__ import annotations

import hashlib
import html
import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import Elements, lesson_spec, xss_vectors
from itsdangerous import URLSafeTimedSerializer

QUIZ_BODY = """# Capitals

Read, then practise.

```quiz
mastery: m_of_n 2 2

? Which city is the capital of Kazakhstan?
(x) Astana
( ) Almaty
hint: It is on the Ishim.
explain: The capital moved there in 1997.

? Name the capital in any script.
= Astana

? Which are prime?
[x] 2
[ ] 4
[x] 7

? How long is a running track?
= 400 +- 5 m
```

```quiz
? Broken
(x) only one choice
```
"""


def _hostile_body() -> str:
    lines = ["# Hostile", "", "```quiz"]
    for vector in xss_vectors():
        text = " ".join(vector.replace("```", "'''").split())
        lines += [f"? {text}", f"(x) {text}", "( ) plain", f"hint: {text}", f"explain: {text}", ""]
    lines += ["? Type anything", "= a"]
    return "\n".join(lines + ["```", ""])


@pytest.fixture
def server(start_server, make_library):
    library = make_library(
        [lesson_spec("capitals", title="Capitals", body=QUIZ_BODY), lesson_spec("hostile", body=_hostile_body())]
    )
    return start_server(starter=str(library))


class Device:
    """One phone: its own cookies, posting forms as a browser without JavaScript does."""

    def __init__(self, server):
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path: str, data: dict | list | bytes | None = None, headers: dict | None = None):
        body = data if isinstance(data, bytes) or data is None else urllib.parse.urlencode(data, doseq=True).encode()
        headers = {"Accept-Language": "en", **(headers or {})}
        request = urllib.request.Request(self.server.url + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read().decode()

    def tokens(self, lesson: str = "capitals") -> dict[str, str]:
        status, _headers, page = self.open(f"/lessons/{lesson}")
        assert status == 200
        return dict(
            re.findall(
                r'<form method="post" action="/practice/answer" class="quiz-question" id="([^"]+)">\s*'
                r'<input type="hidden" name="token" value="([^"]+)">',
                page,
            )
        )

    def answer(self, token: str, *values: str, headers: dict | None = None):
        return self.open("/practice/answer", [("token", token)] + [("answer", v) for v in values], headers)


def test_the_page_asks_without_giving_answers_and_hides_a_malformed_quiz(server):
    status, _headers, page = Device(server).open("/lessons/capitals")
    assert status == 200
    assert page.count('class="quiz-question"') == 4  # the broken second quiz is left out
    assert "Broken" not in page and "only one choice" not in page
    assert "1997" not in page  # the explanation comes after answering
    assert "400" not in page and "(x)" not in page and "language-quiz" not in page
    assert "It is on the Ishim." in page  # hints are there to help
    assert 'value="0"' in page and 'type="checkbox"' in page and 'inputmode="decimal"' in page


def test_right_and_wrong_answers_then_mastery_and_my_practice(server):
    phone = Device(server)
    tokens = phone.tokens()
    status, headers, page = phone.answer(tokens["quiz-0-0"], "1")
    assert status == 200 and "Not quite." in page and "The capital moved there in 1997." in page
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "practice=" in cookie
    status, _headers, page = phone.answer(tokens["quiz-0-1"], " АСТАНА ")
    assert status == 200 and "Right!" in page and "Mastered" not in page
    status, _headers, page = phone.answer(tokens["quiz-0-2"], "0", "2")
    assert status == 200 and "Right!" in page and "Mastered! Well done." in page  # 2 right of the last 2
    assert phone.answer(tokens["quiz-0-3"], "404,5 m")[2].count("Right!") == 1
    status, _headers, page = phone.open("/practice/")
    assert status == 200 and "Capitals" in page and "Mastered" in page
    assert 'href="/lessons/capitals#quiz-0-0"' in page
    status, _headers, page = phone.open("/practice/clear", {})
    assert status == 200 and "Nothing tried yet." in page and "Capitals" not in page
    assert "Nothing tried yet." in Device(server).open("/practice/")[2]  # another phone has its own progress


def test_the_same_question_counts_once_a_minute(server):
    phone = Device(server)
    token = phone.tokens()["quiz-0-0"]
    assert "already counted" not in phone.answer(token, "0")[2]
    status, _headers, page = phone.answer(token, "0")
    assert status == 200 and "This question was already counted in the last minute." in page


def _signed(server, claim: dict, age: float = 0.0) -> str:
    key = (Path(server.data_dir) / "secret_key").read_text().strip()

    class Past(URLSafeTimedSerializer):
        def make_signer(self, salt=None):  # itsdangerous signs with the signer's clock: set it back `age` seconds
            signer = super().make_signer(salt)
            signer.get_timestamp = lambda: int(time.time() - age)  # type: ignore[method-assign]
            return signer

    return Past(key, salt="practice-question").dumps(claim)


def test_forged_expired_and_changed_version_answers_are_refused_clearly(server):
    phone = Device(server)
    good = phone.tokens()["quiz-0-0"]
    status, _headers, page = phone.answer(good[:-4] + "AAAA", "0")
    assert status == 400 and "This answer does not belong to a question of this server." in page
    assert phone.answer("", "0")[0] == 400
    lesson_sha = hashlib.sha256(QUIZ_BODY.encode()).hexdigest()  # the body object's name
    time.sleep(1.1)  # tokens carry their time in whole seconds
    assert phone.tokens()["quiz-0-0"] == good  # the page cache replays the page with its tokens
    status, _headers, page = phone.answer(
        _signed(server, {"l": "capitals", "b": lesson_sha, "z": 0, "q": 0}, age=31 * 24 * 3600), "0"
    )
    assert status == 400 and "This question is too old to be checked. Open the lesson again." in page
    assert phone.tokens()["quiz-0-0"] != good  # a cached page with old tokens is dropped, so reopening helps
    status, _headers, page = phone.answer(_signed(server, {"l": "capitals", "b": "0" * 64, "z": 0, "q": 0}), "0")
    assert status == 409 and "The lesson has changed since you opened it." in page
    status, _headers, page = phone.answer(_signed(server, {"l": "capitals", "b": lesson_sha, "z": 1, "q": 0}), "0")
    assert status == 404 and "This question is not in the lesson any more." in page  # the malformed quiz
    status, _headers, page = phone.answer(_signed(server, {"l": "nope", "b": lesson_sha, "z": 0, "q": 0}), "0")
    assert status == 404 and "This lesson is no longer in the library." in page
    status, _headers, page = phone.answer(good, "0", headers={"Origin": "http://evil.example"})
    assert status == 403 and "This answer did not come from a page of this server." in page
    assert "practice=" not in str(phone.jar)  # nothing refused was recorded


def test_huge_answers_are_capped(server):
    phone = Device(server)
    token = phone.tokens()["quiz-0-1"]
    status, _headers, page = phone.answer(token, "Astana" * 10_000)  # 60 KB: read, cut to 500 characters
    assert status == 200 and "Not quite." in page
    assert ("Astana" * 84) not in page and ("Astana" * 80) in page
    status, _headers, _page = phone.answer(token, "x" * 1_000_000)
    assert status == 413


def test_xss_vectors_in_questions_choices_hints_and_explanations_are_text(server):
    phone = Device(server)
    status, _headers, page = phone.open("/lessons/hostile")
    assert status == 200
    tokens = phone.tokens("hostile")
    assert len(tokens) == len(xss_vectors()) + 1
    _status, _headers, answered = phone.answer(tokens["quiz-0-0"], "1")
    typed = [phone.answer(tokens[f"quiz-0-{len(xss_vectors())}"], vector)[2] for vector in xss_vectors()[:25]]
    shell_scripts = len(Elements(Device(server).open("/practice/")[2]).find("script"))
    for shown in (page, answered, *typed):
        elements = Elements(shown)
        assert not [a for _t, a in elements.elements if any(k.startswith("on") for k in a)]
        assert len(elements.find("script")) == (shell_scripts if shown is page else 0)  # an answer page has none
        assert not [a for _t, a in elements.elements if "javascript:" in (a.get("href") or a.get("src") or "").lower()]
    first = " ".join(xss_vectors()[0].replace("```", "'''").split())
    assert html.escape(first, quote=False) in answered or html.escape(first) in answered


def test_teacher_preview_names_the_line_and_an_edit_refuses_answers_to_the_old_version(start_server, tmp_path):
    from teach_http import LESSON, create_lesson, start_site

    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    lesson_id = create_lesson(anna, status="published", body=QUIZ_BODY)
    phone = Device(site.server)
    token = phone.tokens(lesson_id)["quiz-0-0"]
    assert "Right!" in phone.answer(token, "0")[2]
    other = Device(site.server)
    assert "Not quite." in other.answer(other.tokens(lesson_id)["quiz-0-0"], "1")[2]
    assert "already counted" in other.answer(token, "0")[2]  # the same question within the minute: not counted
    results = anna.get(f"/teach/lessons/{lesson_id}/results").text
    row = re.search(r"<tr><td>1\. Which city is the capital of Kazakhstan\?</td><td>(\d+)</td><td>(\d+) %", results)
    assert row and row.groups() == ("2", "50"), results
    assert re.search(r"<tr><td>2\. Name the capital in any script\.</td><td>0</td><td>—", results)
    assert site.client("boris").get(f"/teach/lessons/{lesson_id}/results").status == 403
    day = time.strftime("%Y-%m-%d", time.gmtime())
    sheet = anna.get(f"/teach/lessons/{lesson_id}/results.csv")
    assert sheet.status == 200 and sheet.headers["Content-Type"].startswith("text/csv")
    header = "day,quiz,question,attempts,correct,mastered,common_wrong_answers\r\n"
    assert sheet.text == f"{header}{day},1,1,2,1,,Almaty (1)\r\n"

    edited = {**LESSON, "title": "Capitals", "status": "published", "body": QUIZ_BODY.replace("Almaty", "Shymkent")}
    anna.get(f"/teach/lessons/{lesson_id}")
    preview = anna.post(f"/teach/lessons/{lesson_id}", {**edited, "action": "preview"}).text
    broken_line = QUIZ_BODY.splitlines().index("? Broken") + 1
    assert f"This quiz is not shown to students: line {broken_line} of the text." in preview
    assert "A choice question needs at least 2 choices." in preview
    assert "Preview: answers are checked on the published lesson." in preview
    assert anna.post(f"/teach/lessons/{lesson_id}", edited).status == 303

    status, _headers, page = phone.answer(token, "0")
    assert status == 409 and "The lesson has changed since you opened it." in page
    assert "Right!" in phone.answer(phone.tokens(lesson_id)["quiz-0-0"], "0")[2]  # the new version's page works


def test_many_answers_from_one_device_are_rate_limited(server):
    phone = Device(server)
    token = phone.tokens()["quiz-0-0"]
    statuses = [phone.answer(token, "0")[0] for _ in range(31)]
    assert statuses[:30] == [200] * 30
    status, headers, page = phone.answer(token, "0")
    assert status == 429 and headers["Retry-After"] == "60"
    assert "Too many answers from this device in a short time. Wait a minute and try again." in page
