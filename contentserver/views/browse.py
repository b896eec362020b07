"""Students browse: home, subject/grade/language lists, lesson pages, and content objects."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from ..authoring.references import page_urls
from ..books import catalog as book_catalog
from ..downloads import content_disposition
from ..errors import NotFound
from ..i18n import LANG_COOKIE, LANGUAGE_NAMES, SUBJECT_NAMES, UI_LOCALES, subject_name
from ..imagesize import show_images, shown_images
from ..lesson_file import file_name, inline_objects, stylesheet
from ..lesson_html import embed_media, wrap_tables
from ..library import render_cache, store
from ..library.format import LANGS, SHA256_RE, object_relpath
from ..library.markdown_html import object_url
from ..local_urls import local_or
from ..models import Lesson
from ..video.renditions import renditions_of
from .page_cache import cached_page
from .quiz_forms import fill_quizzes
from .share import share_context

bp = Blueprint("browse", __name__)
PER_PAGE = 50
ONE_YEAR = 365 * 24 * 3600
PLAYED = ("video", "audio")


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        return 1


def _listing(heading: str, empty_ok: bool = True, **filters) -> str:
    page = _page_number()
    lessons, total = store.list_lessons(page=page, per_page=PER_PAGE, **filters)
    if not lessons and (page > 1 or not empty_ok):
        raise NotFound()
    pages = max(1, -(-total // PER_PAGE))
    books = book_catalog.list_books(**{k: v for k, v in filters.items() if k in ("subject", "lang")})
    if "grade" in filters or page > 1:
        books = []  # books have no grade; they are listed once, on the first page
    return render_template(
        "browse/list.html", heading=heading, lessons=lessons, total=total, page=page, pages=pages, books=books
    )


@bp.get("/")
@cached_page
def home() -> str:
    return render_template(
        "browse/home.html", facets=store.facets(), books=book_catalog.list_books(), **share_context()
    )


@bp.get("/subjects/<subject>")
@cached_page
def subject(subject: str) -> str:
    # a known subject with no lessons yet is a page; /subjects/xyz with none is not
    return _listing(subject_name(subject), empty_ok=subject in SUBJECT_NAMES, subject=subject)


@bp.get("/grades/<int:grade>")
@cached_page
def grade(grade: int) -> str:
    if not 1 <= grade <= 12:
        raise NotFound()
    return _listing(_("Grade %(grade)s", grade=grade), grade=grade)


@bp.get("/languages/<lang>")
@cached_page
def language(lang: str) -> str:
    if lang not in LANGS:
        raise NotFound()
    return _listing(LANGUAGE_NAMES[lang], lang=lang)


def _lesson_page(lesson_id: str, answer_url: str) -> tuple[Lesson, str, set[str], dict, dict, dict]:
    """A published lesson's body as its page shows it, the names of files it shows, its pictures' sizes, its
    videos' copies for phones (video/renditions.py), and the low copy of each video whose original this box left
    on the hub (VIDEO_PULL): the page offers what the box has."""
    item = store.get_lesson(lesson_id)
    objects = current_app.extensions["object_store"]
    body_html = render_cache.page_html(
        objects, item.body_sha256, page_urls(item.attachments), lambda: objects.read_bytes(item.body_sha256).decode()
    )
    body_html = fill_quizzes(body_html, item.id, item.body_sha256, answer_url)
    media = get_template_attribute("browse/_media.html", "media")
    copies = renditions_of(a.sha256 for a in item.attachments if a.kind == "video")
    absent = {
        sha: rows["low"]
        for sha, rows in copies.items()
        if "low" in rows and rows["low"].rendition_sha256 != sha and not objects.has(sha)
    }
    players = {
        a.sha256: str(media(a, item, object_url, copies.get(a.sha256), a.sha256 not in absent))
        for a in item.attachments
        if a.kind in PLAYED
    }
    body_html, played = embed_media(body_html, players, lambda sha: f"media-{sha[:12]}")
    # Images and players the body shows are not repeated below it; PDFs always are.
    referenced = {
        a.name
        for a in item.attachments
        if a.sha256 in played or (a.kind == "image" and f'src="{object_url(a.sha256)}"' in body_html)
    }
    shown = shown_images(item.attachments, objects)
    return item, wrap_tables(show_images(body_html, shown), _("Table")), referenced, shown, copies, absent


@bp.get("/lessons/<lesson_id>")
@cached_page
def lesson(lesson_id: str) -> str:
    item, body_html, referenced, shown, copies, absent = _lesson_page(lesson_id, url_for("practice.answer"))
    return render_template(
        "browse/lesson.html",
        lesson=item,
        body_html=body_html,
        referenced=referenced,
        object_url=object_url,
        shown_images=shown,
        copies=copies,
        absent=absent,
    )


@bp.get("/lessons/<lesson_id>/download")
def download(lesson_id: str) -> Response:
    """The lesson as one HTML file with its style and pictures inside: opens from Downloads with no network."""
    # the saved file's quiz forms post to this server: answers are checked when it is reachable
    answer_url = request.host_url.rstrip("/") + url_for("practice.answer")
    item, body_html, referenced, shown, copies, absent = _lesson_page(lesson_id, answer_url)
    page = render_template(
        "browse/lesson_file.html",
        lesson=item,
        body_html=body_html,
        referenced=referenced,
        object_url=object_url,
        shown_images=shown,
        copies=copies,
        absent=absent,
        css=stylesheet(current_app.static_folder or ""),
        source=request.host_url.rstrip("/") + url_for("browse.lesson", lesson_id=item.id),
    )
    media_types = {a.sha256: a.media_type for a in item.attachments}
    media_types.update({image.sha256: media_types.get(sha, "") for sha, image in shown.items()})
    objects = current_app.extensions["object_store"]
    html = inline_objects(page, objects, media_types, lambda path: request.host_url.rstrip("/") + path)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Disposition"] = content_disposition(file_name(item.title), inline=False)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _fit_range(size: int) -> None:
    """RFC 9110 where werkzeug says 416: a suffix past the start means all; other units, several ranges: ignored."""
    wanted = request.range
    if wanted is None:
        return  # no Range, or one that does not parse: 416 is right for that
    if wanted.units != "bytes" or len(wanted.ranges) != 1:
        request.environ.pop("HTTP_RANGE", None)
    elif wanted.ranges[0][0] < 0 and -wanted.ranges[0][0] > size:
        request.environ["HTTP_RANGE"] = "bytes=0-"


@bp.get("/objects/<sha256>")
def content_object(sha256: str) -> Response:
    """Any object of a visible lesson by its hash: Range for seeking, immutable caching, ETag = hash."""
    if not SHA256_RE.match(sha256):
        raise NotFound()
    media_type = store.object_media_type(sha256)
    objects = current_app.extensions["object_store"]
    if media_type is None or not objects.has(sha256):
        raise NotFound()
    accel = current_app.config["OBJECTS_ACCEL_PREFIX"]
    if accel:  # nginx sends the file (deploy/nginx.conf), with Range and sendfile
        response = Response()
        response.headers["Content-Type"] = media_type.split(";")[0]  # nginx adds the charset to text types
        response.set_etag(sha256)
        response.cache_control.max_age = ONE_YEAR
        if response.make_conditional(request).status_code == 200:  # a 304 needs no file
            response.headers["X-Accel-Redirect"] = accel + object_relpath(sha256)[len("objects/") :]
    else:
        _fit_range(objects.path(sha256).stat().st_size)
        response = send_file(objects.path(sha256), mimetype=media_type, conditional=True, etag=sha256, max_age=ONE_YEAR)
    name = store.object_name(sha256)
    if name:  # werkzeug's default, the object's file name, is the hash: downloads were saved as 64 hex digits
        response.headers["Content-Disposition"] = content_disposition(name)
    else:
        response.headers.pop("Content-Disposition", None)
    response.cache_control.immutable = True
    response.cache_control.public = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/ui-language/<code>")
def switch_language(code: str) -> WerkzeugResponse:
    """The language switch: a plain link that remembers the choice in a cookie and goes back."""
    if code not in UI_LOCALES:
        raise NotFound()
    response = redirect(local_or(request.args.get("next"), "/"), code=303)
    response.set_cookie(LANG_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
