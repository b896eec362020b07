"""Students practise: POST /practice/answer checks one question; /practice/ shows this device's progress.

No session and no Flask-WTF token: lesson pages are public and cached for everyone, so they cannot carry a
per-visitor CSRF token. Instead each form carries a signed question token (which lesson version, quiz and
question, with an age limit), a POST from another site is refused by its Origin/Referer, and the progress
cookie is SameSite=Lax, so another site's form never carries it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, make_response, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer
from werkzeug.wrappers import Response as WerkzeugResponse

from ..authoring.references import page_urls
from ..errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from ..library import render_cache, store
from ..lru import LRU
from ..models import Lesson
from ..quizzes.blocks import quiz_at
from ..quizzes.check import MAX_ANSWER_CHARS, is_correct, wrong_key
from ..quizzes.parse import Quiz
from ..quizzes.progress import MAX_COOKIE_BYTES, quiz_key, record, valid
from ..quizzes.results import count_answer
from .channels import PracticeSource, exercise_source
from .page_cache import page_cache
from .practice_limit import too_many
from .quiz_forms import TOKEN_MAX_AGE, as_typed, serializer

bp = Blueprint("practice", __name__, url_prefix="/practice")
COOKIE = "practice"
COOKIE_SALT = "practice-progress"
COOKIE_AGE = 365 * 24 * 3600
MAX_VALUES = 30  # more form values than a question has choices: a made-up post
ANSWER_PAGE = "practice/answer.html"
# A class answers the same few lessons: their sources are kept by lesson, body and last change (so an edit, a
# new attachment or a sync is a new key), sparing each answer the lesson's load and its attachments', and each
# quiz parsed once per source.
_SOURCES: LRU[tuple[str, str, str], PracticeSource] = LRU(64)
_QUIZZES: LRU[tuple[int, int], tuple[PracticeSource, Quiz | None]] = LRU(256)
NOT_PUBLISHED = ("", "")
_LOADING = tuple(threading.Lock() for _ in range(16))  # by the lesson's id: answers to other lessons never wait


@dataclass
class _Answering:
    """One app's memory for answers: each lesson's published version as of the library version the page cache
    last saw (a change made in this process moves it before the next request, another process's within
    LIBRARY_CHECK_SECONDS, as for cached pages), and the answer page's links."""

    versions: LRU[tuple[int, str], tuple[str, str]] = field(default_factory=lambda: LRU(1024))
    links: dict[str, dict[str, str]] = field(default_factory=dict)


def _set_up(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("practice", _Answering())
    # compiled (or read from the template cache) now, not by each of the threads a class's first answers reach at
    # once, side by side (docs/performance.md, "Practice answers")
    state.app.jinja_env.get_template(ANSWER_PAGE)


bp.record_once(_set_up)


class TooManyAnswers(AppError):
    status = 429
    title = _l("Too many answers")
    retry_after = 60

    @property
    def message(self) -> str:
        return _("Too many answers from this device in a short time. Wait a minute and try again.")


def _cookie_serializer() -> URLSafeSerializer:
    return _cookie_serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=8)
def _cookie_serializer_for(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=COOKIE_SALT)


def _progress() -> dict:
    raw = request.cookies.get(COOKIE, "")
    try:
        return valid(_cookie_serializer().loads(raw)) if raw else {}
    except BadSignature:
        return {}


def _save(response: Response | WerkzeugResponse, progress: dict) -> None:
    value = _cookie_serializer().dumps(progress)
    while len(value) > MAX_COOKIE_BYTES and progress:
        progress.pop(next(iter(progress)))
        value = _cookie_serializer().dumps(progress)
    secure = current_app.config.get("COOKIE_SECURE", False)
    response.set_cookie(COOKIE, value, max_age=COOKIE_AGE, httponly=True, samesite="Lax", secure=secure, path="/")


def _same_site() -> None:
    """A cross-site form post names another origin; a browser sends Origin (or at least Referer) with a POST."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin and urlsplit(origin).netloc != request.host:
        raise Forbidden(_("This answer did not come from a page of this server."))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


bp.after_request(_no_store)


def _source(lesson_id: str, body_sha256: str) -> PracticeSource:
    """The lesson (or channel exercise) a question token names, with its rendered body as it is now."""
    if lesson_id.startswith("channels/"):
        return exercise_source(lesson_id, body_sha256)
    versions = current_app.extensions["practice"].versions
    key = (page_cache().version, lesson_id)
    version = versions.get(key)
    if version is None:
        with _loading(lesson_id):
            version = versions.get(key)
            if version is None:
                version = store.published_version(lesson_id) or NOT_PUBLISHED
                versions.put(key, version)
    if version == NOT_PUBLISHED:
        raise NotFound(_("This lesson is no longer in the library."))
    if version[0] != body_sha256:
        raise _changed()
    source_key = (lesson_id, *version)
    found = _SOURCES.get(source_key)
    if found is None:
        with _loading(lesson_id):
            found = _SOURCES.get(source_key)
            if found is None:
                lesson = store.get_lesson(lesson_id)
                if lesson.body_sha256 != body_sha256:  # another process changed it since the page cache looked
                    raise _changed()
                found = _lesson_source(lesson)
                _SOURCES.put(source_key, found)
    return found


def _loading(lesson_id: str) -> threading.Lock:
    """The lock under which one thread looks a lesson up while the others asking for it wait, then find it kept
    (a class's first answers after a start or an edit arrive together; each used to load the lesson itself)."""
    return _LOADING[hash(lesson_id) % len(_LOADING)]


def _changed() -> Conflict:
    return Conflict(_("The lesson has changed since you opened it. Open it again and answer the new version."))


def _quiz(source: PracticeSource, index: int) -> Quiz | None:
    """The index-th quiz of a source, parsed once while a lesson's source is kept (None: no such quiz, or
    malformed); a channel exercise's source is made anew for each answer, its quiz too."""
    if source.id.startswith("channels/"):
        return quiz_at(source.body_html, index)
    key = (id(source), index)
    found = _QUIZZES.get(key)
    if found is None or found[0] is not source:  # (an id is only unique among live objects: the entry holds it)
        found = (source, quiz_at(source.body_html, index))
        _QUIZZES.put(key, found)
    return found[1]


def _answer_page(**context: object) -> str:
    """practice/answer.html from Jinja directly: it names everything it shows, so Flask's context processors (the
    logged-in user, the session, the request: a sixth of the rendering) are left out."""
    return current_app.jinja_env.get_template(ANSWER_PAGE).render(context)


def _links() -> dict[str, str]:
    """The answer page's links, built once per app and script root instead of once per answer."""
    known = current_app.extensions["practice"].links
    found = known.get(request.script_root)
    if found is None:
        found = known[request.script_root] = {
            "home": url_for("browse.home"),
            "style": url_for("static", filename="style.css"),
            "progress": url_for("practice.progress_page"),
        }
    return found


def _lesson_source(lesson: Lesson) -> PracticeSource:
    """A lesson's title, address and rendered body, as the answer page needs them."""
    body_sha256 = lesson.body_sha256
    objects = current_app.extensions["object_store"]
    body_html = render_cache.page_html(
        objects, body_sha256, page_urls(lesson.attachments), lambda: objects.read_bytes(body_sha256).decode()
    )
    return PracticeSource(lesson.id, lesson.title, url_for("browse.lesson", lesson_id=lesson.id), body_html)


@bp.post("/answer")
def answer():
    _same_site()
    if too_many(request.remote_addr or ""):
        raise TooManyAnswers()
    try:
        claim = serializer().loads(request.form.get("token", ""), max_age=TOKEN_MAX_AGE)
        lesson_id, body_sha256, index, number = claim["l"], claim["b"], int(claim["z"]), int(claim["q"])
    except SignatureExpired:
        # Genuine but old: the page cache may still be replaying that page (it lives until the library changes),
        # so it is dropped, and "open the lesson again" then gives fresh tokens.
        page_cache().clear()
        raise BadRequest(_("This question is too old to be checked. Open the lesson again.")) from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise BadRequest(_("This answer does not belong to a question of this server.")) from None
    lesson = _source(lesson_id, body_sha256)
    quiz = _quiz(lesson, index)
    if quiz is None or not 0 <= number < len(quiz.questions):
        raise NotFound(_("This question is not in the lesson any more. Open it again."))
    values = [v[:MAX_ANSWER_CHARS] for v in request.form.getlist("answer")[:MAX_VALUES]]
    question = quiz.questions[number]
    right = is_correct(question, values)
    progress = _progress()
    was_mastered = bool(progress.get(quiz_key(lesson.id, index), {}).get("m"))
    entry, recorded = record(progress, lesson.id, lesson.title, index, quiz, number, right, int(time.time() // 60))
    if recorded:
        wrong = None if right else wrong_key(question, values)
        count_answer(lesson.id, body_sha256, index, number, right, wrong, entry["m"] and not was_mastered)
    page = _answer_page(
        lesson=lesson,
        question=question,
        number=number,
        right=right,
        typed=values[0] if values and question.kind not in ("single_selection", "multiple_selection") else None,
        picked=[question.choices[int(v)][0] for v in values if v.isdigit() and int(v) < len(question.choices)],
        entry=entry,
        quiz=quiz,
        recorded=recorded,
        back=lesson.url + f"#quiz-{index}-{number}",
        links=_links(),
        show=lesson.show or as_typed,
    )
    response = make_response(page)
    _save(response, progress)
    return response


@bp.get("/")
def progress_page() -> Response:
    progress = _progress()
    quizzes = [
        {"lesson_id": key.rsplit("/", 1)[0], "quiz": int(key.rsplit("/", 1)[1]), **entry}
        for key, entry in reversed(list(progress.items()))
    ]
    return make_response(render_template("practice/progress.html", quizzes=quizzes))


@bp.post("/clear")
def clear() -> WerkzeugResponse:
    _same_site()
    response = redirect(url_for("practice.progress_page"), code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
