"""Exercise items with pictures (issue 17): a picture file of the exercise's Perseus zip is shown in the question,
its choices and its hint, read from the zip in the store; pictures Perseus draws or that are missing stay "not
available". No change to the quiz grammar of lessons: their quiz text is still shown as typed."""

from __future__ import annotations

import json
import re

import pytest
from channel_support import install_channel, zip_bytes
from kolibri_maker import ChannelBuilder
from le_utils.constants import exercises
from libmaker import png_bytes

from contentserver.channels.exercises import exercise_markdown
from contentserver.kolibri.errors import ChannelError
from contentserver.kolibri.perseus import Choice, Question, convert_item

EN = {"Accept-Language": "en"}
LOCAL = "${☣ LOCALPATH}/images"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script></svg>'


def _item(content: str, widgets: dict, hints: tuple[str, ...] = ()) -> str:
    hints_json = [{"content": h, "images": {}, "widgets": {}} for h in hints]
    return json.dumps({"question": {"content": content, "images": {}, "widgets": widgets}, "hints": hints_json})


def _radio(*choices: tuple[str, bool]) -> dict:
    return {"radio 1": {"type": "radio", "options": {"choices": [{"content": c, "correct": ok} for c, ok in choices]}}}


def _numeric(value: float) -> dict:
    return {"numeric-input 1": {"type": "numeric-input", "options": {"answers": [{"value": value}]}}}


def _image_widget(url: str, alt: str = "") -> dict:
    return {"image 1": {"type": "image", "options": {"backgroundImage": {"url": url}, "alt": alt}}}


def _blocks_of(markdown: str) -> list[str]:
    return re.findall(r"```quiz\n(.*?)```", markdown, re.DOTALL)


def test_an_image_widget_is_the_picture_it_shows_and_a_graphie_one_is_not_available():
    widgets = {**_radio(("a", True), ("b", False)), **_image_widget(f"{LOCAL}/tri.png", "a [red] triangle")}
    question = convert_item("w", _item("Which shape? [[☃ image 1]] [[☃ radio 1]]", widgets))
    assert question.prompt == f"Which shape? ![a red triangle]({LOCAL}/tri.png)"
    assert question.images == ("images/tri.png",)
    graphie = {**_radio(("a", True), ("b", False)), **_image_widget("web+graphie://ka/abc")}
    with pytest.raises(ChannelError, match="not available on this server: an image widget"):
        convert_item("g", _item("[[☃ image 1]] [[☃ radio 1]]", graphie))


def test_pictures_of_the_exercise_stay_in_the_question_its_choices_and_hint():
    pictures = frozenset({"images/a.png", "images/b.png", "images/c.svg"})
    shape = Question(
        "s", exercises.SINGLE_SELECTION, f"Which is a square? ![a shape]({LOCAL}/a.png)",
        choices=(Choice(f"![]({LOCAL}/b.png)", True), Choice(f"![]({LOCAL}/c.svg \"title\")", False)),
        hints=(f"![]({LOCAL}/gone.png) first hint, its picture missing", f"Count the sides ![sides]({LOCAL}/a.png)"),
    )  # fmt: skip
    markdown, asked, left_out = exercise_markdown(None, [shape], pictures)
    assert (asked, left_out) == (1, 0)
    (block,) = _blocks_of(markdown)
    assert "? Which is a square? ![a shape](images/a.png)" in block
    assert "(x) ![](images/b.png)" in block and "( ) ![](images/c.svg)" in block
    assert "hint: Count the sides ![sides](images/a.png)" in block and "LOCALPATH" not in block


@pytest.mark.parametrize(
    "prompt",
    [
        f"Missing ![]({LOCAL}/gone.png)",  # not in the zip
        f"Not a picture ![]({LOCAL}/notes.txt)",
        "From outside ![](https://example.org/a.png)",
        "Drawn by Perseus ![](web+graphie://ka/abc)",
        f"A bare path {LOCAL}/a.png",
    ],
)
def test_a_picture_that_cannot_be_shown_leaves_the_question_out(prompt):
    pictures = frozenset({"images/a.png", "images/notes.txt"})
    question = Question("x", exercises.INPUT_QUESTION, prompt, answers=("4",))
    markdown, asked, left_out = exercise_markdown(None, [question], pictures)
    assert (markdown, asked, left_out) == ("", 0, 1)


def test_a_lessons_quiz_text_that_looks_like_a_picture_is_still_shown_as_typed(client, app):
    from contentserver.views.quiz_forms import fill_quizzes

    body = '<pre><code class="language-quiz">? Look ![x](images/a.png)\n= 4\n</code></pre>'
    with app.test_request_context():
        html = fill_quizzes(body, "lesson", "0" * 64, "/practice/answer")
    assert "<img" not in html and "Look ![x](images/a.png)" in html


@pytest.fixture
def pictured(app, tmp_path):
    """An exercise of four items: pictures in the question and choices; a picture in a number question's hint; a
    picture missing from the zip; a graphie image widget. An SVG with script is one of the pictures."""
    builder = ChannelBuilder(tmp_path / "stick", name="Пішіндер")
    square = _item(
        f"Which is a square? ![a shape]({LOCAL}/shape.png) [[☃ radio 1]]",
        _radio((f"![]({LOCAL}/square.svg)", True), ("a circle", False)),
    )
    sides = _item("How many sides? [[☃ numeric-input 1]]", _numeric(4), hints=(f"Count ![sides]({LOCAL}/shape.png)",))
    missing = _item(f"Where is it? ![]({LOCAL}/gone.png) [[☃ numeric-input 1]]", _numeric(1))
    graphie = _item("[[☃ image 1]] [[☃ numeric-input 1]]", {**_numeric(2), **_image_widget("web+graphie://ka/x")})
    members = {"q1.json": square, "q2.json": sides, "q3.json": missing, "q4.json": graphie}
    members.update({"images/shape.png": png_bytes(6, 4), "images/square.svg": SVG, "images/notes.txt": b"notes"})
    assessment = {
        "assessment_item_ids": json.dumps(["q1", "q2", "q3", "q4"]),
        "number_of_assessments": 4,
        "mastery_model": '{"type": "do_all"}',
        "randomize": False,
        "is_manipulable": False,
    }
    builder.resource("exercise", "Пішін", files=[("exercise", "perseus", zip_bytes(members))], assessment=assessment)
    builder.write()
    install_channel(app, tmp_path / "stick")
    return builder


def _exercise_url(builder) -> str:
    node = next(n["id"] for n in builder.nodes if n["kind"] == "exercise")
    return f"/channels/{builder.channel_id}/{node}"


def test_the_exercise_page_shows_its_pictures_lazily_and_counts_what_cannot_be_shown(client, pictured):
    html = client.get(_exercise_url(pictured), headers=EN).get_data(as_text=True)
    assert "Which is a square?" in html and "How many sides?" in html and "Where is it?" not in html
    assert "2 questions of this exercise are not available" in html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 3  # the prompt's picture, the square choice and the hint's picture
    assert all('loading="lazy"' in tag and 'class="quiz-picture"' in tag for tag in images)
    assert 'alt="a shape"' in images[0] and 'width="6" height="4"' in images[0]
    assert "![" not in html and "LOCALPATH" not in html


def test_a_picture_is_served_from_the_zip_under_its_version_and_nothing_else_is(client, pictured):
    html = client.get(_exercise_url(pictured), headers=EN).get_data(as_text=True)
    png, svg = (re.search(rf'src="([^"]+/{name})"', html).group(1) for name in ("shape.png", "square.svg"))
    answer = client.get(png)
    assert answer.status_code == 200 and answer.mimetype == "image/png" and answer.data == png_bytes(6, 4)
    assert "immutable" in answer.headers["Cache-Control"] and answer.headers["X-Content-Type-Options"] == "nosniff"
    script = client.get(svg)  # opened on its own, an SVG's script must not run on this site
    assert script.mimetype == "image/svg+xml" and "sandbox" in script.headers["Content-Security-Policy"]
    assert "default-src 'none'" in script.headers["Content-Security-Policy"]
    base = png.rsplit("/", 1)[0]
    for other in ("notes.txt", "gone.png", "..%2Fq1.json", "q1.json"):
        assert client.get(f"{base}/{other}").status_code == 404, other
    old_version = re.sub(r"/pictures/[0-9a-f]{64}/", "/pictures/" + "0" * 64 + "/", png)
    assert client.get(old_version).status_code == 404


def test_answering_a_question_with_pictures_shows_them_on_the_answer_page(client, pictured):
    html = client.get(_exercise_url(pictured), headers=EN).get_data(as_text=True)
    token = re.findall(r'name="token" value="([^"]+)"', html)[0]
    right = client.post("/practice/answer", data={"token": token, "answer": "0"}, headers=EN)
    page = right.get_data(as_text=True)
    assert right.status_code == 200 and "Right!" in page
    assert re.search(r'<img class="quiz-picture" src="[^"]+/shape.png" alt="a shape"', page)
    assert re.search(r'<q><img class="quiz-picture" src="[^"]+/square.svg"', page)
