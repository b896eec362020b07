"""The quiz editor's help in /teach/: a template of each kind of question added by a plain form button (no
JavaScript), in the teacher's language, and the server-side preview naming a malformed quiz's line."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale
from teach_http import create_lesson, start_site

from contentserver.quizzes.parse import MULTIPLE, NUMBER, SINGLE, TEXT, parse_quiz
from contentserver.quizzes.snippets import KINDS, add_template, template

BODY_RE = re.compile(r"<textarea[^>]*name=\"body\"[^>]*>(.*?)</textarea>", re.DOTALL)


@pytest.mark.parametrize("locale", ["kk", "ru", "en"])
def test_each_template_is_a_working_quiz_of_its_kind_in_each_language(app, locale):
    kinds = {"single": SINGLE, "multiple": MULTIPLE, "text": TEXT, "number": NUMBER}
    assert set(kinds) == set(KINDS)
    with app.test_request_context(), force_locale(locale):
        for kind, parsed_kind in kinds.items():
            block = template(kind)
            assert block.startswith("```quiz\n") and block.endswith("\n```\n")
            quiz = parse_quiz(block.removeprefix("```quiz\n").removesuffix("```\n"))
            assert [q.kind for q in quiz.questions] == [parsed_kind]
        text = template("single")
        assert add_template("# A\n\n\n", "number") == "# A\n\n" + template("number")
        assert add_template("", "text") == template("text")
    assert ("Астана" in text) == (locale != "en") and ("Қазақстан" in text) == (locale == "kk")


def test_adding_templates_without_javascript_then_a_malformed_one_names_its_line(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    page = anna.get("/teach/new").text
    labels = re.findall(
        r'<button type="submit" name="action" value="quiz-(\w+)" class="secondary">([^<]+)</button>', page
    )
    assert labels == [
        ("single", "One right choice"),
        ("multiple", "Several right choices"),
        ("text", "Short text answer"),
        ("number", "Number answer"),
    ]
    assert page.index('value="save"') < page.index('value="quiz-single"')  # Enter in a field still saves

    # A new lesson, title still empty: the button adds the question, shows it in the preview, saves nothing
    reply = anna.post("/teach/new", {"title": "", "body": "# Capitals\n", "action": "quiz-single"})
    assert reply.status == 200 and "A question template was added at the end of the text" in reply.text
    body = html.unescape(BODY_RE.search(reply.text).group(1)).removeprefix("\r\n")  # type: ignore[union-attr]
    assert body.startswith("# Capitals\n\n```quiz\n? Which city is the capital of Kazakhstan?\n(x) Astana\n")
    preview = reply.text.split('id="preview"')[1].split("</section>")[0]
    assert preview.count('class="quiz-question"') == 1 and "Preview: answers are checked" in preview
    assert "<details" in reply.text.split('id="quiz-help"')[0][-60:] and 'id="quiz-help" open' in reply.text
    assert "You have not written any lessons yet." in anna.get("/teach/").text  # nothing was saved

    lesson_id = create_lesson(anna, status="published", body=body)
    anna.get(f"/teach/lessons/{lesson_id}")
    fields = {
        "title": "Capitals",
        "lang": "en",
        "script": "Latn",
        "subject": "science",
        "grade": "6",
        "tags": "",
        "status": "published",
    }
    for kind in ("multiple", "text", "number"):
        reply = anna.post(f"/teach/lessons/{lesson_id}", {**fields, "body": body, "action": f"quiz-{kind}"})
        assert reply.status == 200
        body = html.unescape(BODY_RE.search(reply.text).group(1)).removeprefix("\r\n")  # type: ignore[union-attr]
    assert body.count("```quiz") == 4
    assert reply.text.split('id="preview"')[1].count('class="quiz-question"') == 4

    broken = body.replace("[x] 7", "[y] 7")
    line = broken.splitlines().index("[y] 7") + 1
    reply = anna.post(f"/teach/lessons/{lesson_id}", {**fields, "body": broken, "action": "preview"})
    assert reply.status == 200
    assert f"This quiz is not shown to students: line {line} of the text." in reply.text
    assert "Expected a choice" in reply.text
    assert anna.post(f"/teach/lessons/{lesson_id}", {**fields, "body": body, "action": "save"}).status == 303
    assert site.client().get(f"/lessons/{lesson_id}").text.count('class="quiz-question"') == 4

    forged = anna.post(f"/teach/lessons/{lesson_id}", {**fields, "body": body, "action": "quiz-essay"})
    assert forged.status == 303  # not a kind: a plain save, nothing added
    assert anna.post("/teach/new", {"body": "", "action": "quiz-single"}, csrf=False).status == 400


def test_the_buttons_are_in_the_teachers_language(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    anna.jar.set_cookie(_cookie("lang", "kk"))
    page = anna.get("/teach/new").text
    assert "Жаттығу сұрағын қосу" in page and "Бір дұрыс жауап" in page
    reply = anna.post("/teach/new", {"title": "", "body": "", "action": "quiz-text"})
    assert "? Қазақстанның астанасын атаңыз.\n= Астана" in html.unescape(reply.text)


def _cookie(name: str, value: str):
    from http.cookiejar import Cookie

    return Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {})
