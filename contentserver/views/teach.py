"""Teacher pages (/teach/...): write, preview, publish, attach files, history and restore, delete, share."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ..authoring import history as versions
from ..authoring import lessons as authoring
from ..authoring.references import markdown_for, missing_references, references
from ..authoring.uploads import LIMIT_SETTINGS, limits_text, store_upload
from ..downloads import content_disposition
from ..errors import AppError, NotFound, Unprocessable
from ..lesson_html import wrap_tables
from ..library import render_worker
from ..library.render_cache import text_sha256
from ..library.render_worker import RenderBusy, RenderRefused
from ..library.variants import make_variants
from ..models import Lesson
from ..quizzes import snippets
from ..video import queue as video_queue
from ..video import worker as video_worker
from ..video.messages import failure_message
from . import teach_practice, teach_worksheet
from .access import editable_lesson, protect_blueprint, role_required
from .error_pages import render_error
from .forms import LessonForm, UploadForm
from .quiz_forms import fill_quizzes

bp = Blueprint("teach", __name__, url_prefix="/teach")
protect_blueprint(bp)


def _objects():
    return current_app.extensions["object_store"]


def _fields(form: LessonForm) -> authoring.LessonFields:
    return authoring.LessonFields(
        form.title.data or "",
        form.lang.data,
        form.script.data,
        form.subject.data,
        form.grade.data,
        form.tag_list(),
        form.body.data or "",
        form.status.data,
    )


def _preview(lesson: Lesson | None, body: str) -> str:
    """The body as students will see it (RenderRefused if it cannot be); a draft's files are served from the
    teacher's own URL, under every name the body may use for them."""
    if lesson is None:
        return wrap_tables(_quizzes(render_worker.render(body, {}), body), _("Table"))
    safe_names = {a.sha256: a.name for a in lesson.attachments}
    urls = {
        ref: url_for("teach.lesson_file", lesson_id=lesson.id, name=safe_names[sha256])
        for ref, sha256 in references(lesson.attachments).items()
    }
    return wrap_tables(_quizzes(render_worker.render(body, urls), body), _("Table"))


def _quizzes(body_html: str, body: str) -> str:
    """Quiz blocks as students will see them, and a malformed one with its line and what was expected."""
    return fill_quizzes(body_html, "", text_sha256(body), "", body=body)


def _upload_form(lesson: Lesson) -> UploadForm:
    form = UploadForm(formdata=None)
    form.subtitles_for.choices = [("", "—")] + [(a.name, a.shown_name) for a in lesson.attachments if a.kind == "video"]
    return form


def _edit_page(
    form: LessonForm,
    lesson: Lesson | None,
    preview: str | None = None,
    message: str | None = None,
    status: int = 200,
    upload_error: str | None = None,
):
    refs = references(lesson.attachments) if lesson else {}
    return render_template(
        "teach/edit.html",
        form=form,
        lesson=lesson,
        preview=preview,
        missing=missing_references(form.body.data or "", refs) if preview is not None else [],
        limits=limits_text(current_app.config),
        limit_bytes={kind: current_app.config[name] for kind, name in LIMIT_SETTINGS.items()},
        markdown_for=lambda a: markdown_for(a.shown_name, a.kind),
        message=message,
        upload_form=_upload_form(lesson) if lesson else None,
        share=authoring.share_status(lesson) if lesson else None,
        hub=authoring.hub_configured(),
        upload_error=upload_error,
        quiz_kinds=snippets.KINDS,
        # a refused upload's body never parsed (a full disk): the form is not read again to find the button
        quiz_help_open=upload_error is None and (request.form.get("action") or "").startswith("quiz-"),
        video_status=video_queue.statuses(a.sha256 for a in lesson.attachments if a.kind == "video") if lesson else {},
        video_failure=failure_message,
    ), status


def _quiz_template(form: LessonForm, lesson: Lesson | None):
    """A "add a question" button (action=quiz-<kind>) works without JavaScript: the same page comes back, nothing
    saved, with the template added to the text and shown in the preview; None for every other action."""
    kind = (request.form.get("action") or "").removeprefix("quiz-")
    if kind not in snippets.KINDS or not (request.form.get("action") or "").startswith("quiz-"):
        return None
    form.body.data = snippets.add_template(form.body.data or "", kind)
    message = _("A question template was added at the end of the text: change it, then save. Nothing is saved yet.")
    try:
        return _edit_page(form, lesson, preview=_preview(lesson, form.body.data), message=message)
    except (RenderRefused, RenderBusy) as exc:
        return _edit_page(form, lesson, message=exc.message, status=exc.status)


@bp.get("/")
@role_required()
def index() -> str:
    lessons = authoring.lessons_of(current_user)
    return render_template("teach/index.html", lessons=lessons, authors=authoring.author_names(lessons))


@bp.route("/new", methods=["GET", "POST"])
@role_required()
def new():
    form = LessonForm()
    if request.method == "GET":
        return _edit_page(form, None)
    if (added := _quiz_template(form, None)) is not None:
        return added
    if not form.validate():
        return _edit_page(form, None, message=_("Please correct the marked fields."), status=400)
    try:
        if request.form.get("action") == "preview":
            return _edit_page(form, None, preview=_preview(None, form.body.data or ""))
        lesson = authoring.create_lesson(_fields(form), current_user, _objects())
    except (RenderRefused, RenderBusy) as exc:  # the page again with the teacher's text in it, and why
        return _edit_page(form, None, message=exc.message, status=exc.status)
    for upload_file in request.files.getlist("files"):  # files chosen before the first save
        if upload_file.filename:
            _attach(lesson, upload_file)
    return redirect(url_for("teach.edit", lesson_id=lesson.id, saved=1), code=303)


def _saved_message(lesson: Lesson) -> str | None:
    restored = request.args.get("restored", type=int)
    if restored:
        return versions.restored_message(restored, lesson.status, request.args.get("files") != "old")
    return _("Saved.") if request.args.get("saved") else None


@bp.route("/lessons/<lesson_id>", methods=["GET", "POST"])
@role_required()
def edit(lesson_id: str):
    lesson = editable_lesson(lesson_id)
    if request.method == "GET":
        form = LessonForm(data=asdict(authoring.lesson_fields(lesson, _objects())))
        form.tags.data = ", ".join(lesson.tags)
        return _edit_page(form, lesson, message=_saved_message(lesson))
    form = LessonForm()
    if (added := _quiz_template(form, lesson)) is not None:
        return added
    if not form.validate():
        return _edit_page(form, lesson, message=_("Please correct the marked fields."), status=400)
    try:
        if request.form.get("action") == "preview":
            return _edit_page(form, lesson, preview=_preview(lesson, form.body.data or ""))
        authoring.save_lesson(lesson, _fields(form), current_user, _objects())
    except (RenderRefused, RenderBusy) as exc:
        return _edit_page(form, lesson, message=exc.message, status=exc.status)
    return redirect(url_for("teach.edit", lesson_id=lesson.id, saved=1), code=303)


@bp.post("/lessons/<lesson_id>/files")
@role_required()
def upload(lesson_id: str):
    lesson = editable_lesson(lesson_id)
    form = UploadForm()
    if not form.validate():
        raise Unprocessable(_("Choose a file to upload."))
    _attach(lesson, form.file.data, form.subtitles_for.data or None, form.subtitles_lang.data)
    return redirect(url_for("teach.edit", lesson_id=lesson.id, saved=1) + "#files", code=303)


def _attach(lesson: Lesson, upload_file, subtitles_for: str | None = None, subtitles_lang: str | None = None) -> None:
    stored = store_upload(upload_file.stream, upload_file.filename or "file", _objects(), current_app.config)
    make_variants(_objects(), [(stored.sha256, stored.media_type, stored.size)])
    authoring.attach_file(lesson, stored, current_user, subtitles_for, subtitles_lang)
    if stored.kind == "video" and video_queue.enqueue(stored.sha256):
        video_worker.wake()  # its phone-sized copy is started now, not at the worker's next look


@bp.get("/lessons/<lesson_id>/files/<name>")
@role_required()
def lesson_file(lesson_id: str, name: str) -> Response:
    """A file of a lesson the teacher may edit, drafts included (students use /objects/<sha256>)."""
    lesson = editable_lesson(lesson_id)
    attachment = next((a for a in lesson.attachments if a.name == name), None)
    if attachment is None:
        raise NotFound()
    response = send_file(_objects().path(attachment.sha256), mimetype=attachment.media_type, conditional=True)
    response.headers["Content-Disposition"] = content_disposition(attachment.shown_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/lessons/<lesson_id>/files/remove")
@role_required()
def remove_file(lesson_id: str) -> WerkzeugResponse:
    lesson = editable_lesson(lesson_id)
    authoring.remove_file(lesson, request.form.get("name", ""), current_user)
    return redirect(url_for("teach.edit", lesson_id=lesson.id, saved=1) + "#files", code=303)


bp.add_url_rule("/lessons/<lesson_id>/results", view_func=role_required()(teach_practice.results))
bp.add_url_rule("/lessons/<lesson_id>/results.csv", view_func=role_required()(teach_practice.results_csv))
bp.add_url_rule("/lessons/<lesson_id>/worksheet", view_func=role_required()(teach_worksheet.worksheet))
bp.add_url_rule("/channels/", view_func=role_required()(teach_practice.channel_exercises))
bp.add_url_rule("/channels/<channel_id>/<node_id>/results", view_func=role_required()(teach_practice.channel_results))
bp.add_url_rule(
    "/channels/<channel_id>/<node_id>/results.csv", view_func=role_required()(teach_practice.channel_results_csv)
)


@bp.get("/lessons/<lesson_id>/history")
@role_required()
def history(lesson_id: str) -> str:
    lesson = editable_lesson(lesson_id)
    return render_template("teach/history.html", lesson=lesson, revisions=authoring.revisions(lesson))


@bp.get("/lessons/<lesson_id>/history/<int:number>")
@role_required()
def version(lesson_id: str, number: int) -> str:
    """An old version as students would see it, what restoring it changes, and the restore form (the confirmation)."""
    lesson = editable_lesson(lesson_id)
    comparison = versions.compare(lesson, number, _objects())
    return render_template(
        "teach/version.html", lesson=lesson, comparison=comparison, preview=_preview(lesson, comparison.body)
    )


@bp.post("/lessons/<lesson_id>/restore/<int:number>")
@role_required()
def restore(lesson_id: str, number: int) -> WerkzeugResponse:
    """Restores only once confirmed on the version's page; keeps status and files unless asked not to."""
    lesson = editable_lesson(lesson_id)
    if request.form.get("confirm") != "1":
        return redirect(url_for("teach.version", lesson_id=lesson.id, number=number), code=303)
    keep_files = request.form.get("keep_files") == "1"
    versions.restore_revision(lesson, number, current_user, request.form.get("keep_status") == "1", keep_files)
    files = "kept" if keep_files else "old"
    return redirect(url_for("teach.edit", lesson_id=lesson.id, restored=number, files=files), code=303)


@bp.route("/lessons/<lesson_id>/delete", methods=["GET", "POST"])
@role_required()
def delete(lesson_id: str):
    """GET asks (the confirmation page); only a POST carrying confirm=1 deletes."""
    lesson = editable_lesson(lesson_id)
    if request.method == "GET" or request.form.get("confirm") != "1":
        return render_template("teach/delete.html", lesson=lesson)
    authoring.delete_lesson(lesson)
    return redirect(url_for("teach.index", deleted=lesson.title), code=303)


@bp.errorhandler(AppError)
def _refused_upload(error: AppError):
    """An upload refused (too large, wrong kind, disk full) is said beside the file field of the lesson's page,
    with the teacher still logged in, not on a bare error page."""
    lesson_id = (request.view_args or {}).get("lesson_id")
    if request.endpoint != "teach.upload" or not current_user.is_authenticated or error.status not in (413, 422, 507):
        response = render_error(error.status, str(error.title), error.message, getattr(error, "extra", None))
        if error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    lesson = editable_lesson(lesson_id or "")
    form = LessonForm(formdata=None, data=asdict(authoring.lesson_fields(lesson, _objects())))
    form.tags.data = ", ".join(lesson.tags)
    return _edit_page(form, lesson, status=error.status, upload_error=f"{error.title}. {error.message}")


@bp.post("/lessons/<lesson_id>/share")
@role_required()
def share(lesson_id: str) -> WerkzeugResponse:
    lesson = editable_lesson(lesson_id)
    authoring.set_shared(lesson, current_user, request.form.get("share") == "1")
    return redirect(url_for("teach.edit", lesson_id=lesson.id) + "#share", code=303)
