"""Teacher pages (/teach/...): write, preview, publish, attach files, history and restore, delete, share."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import render_worker
from ..authoring import lessons as authoring
from ..authoring.uploads import store_upload
from ..errors import NotFound, Unprocessable
from ..library.variants import make_variants
from ..models import Lesson
from ..render_worker import RenderBusy, RenderRefused
from .access import editable_lesson, protect_blueprint, role_required
from .forms import LessonForm, UploadForm

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
    teacher's own URL."""
    urls = (
        {a.name: url_for("teach.lesson_file", lesson_id=lesson.id, name=a.name) for a in lesson.attachments}
        if lesson
        else {}
    )
    return render_worker.render(body, urls)


def _upload_form(lesson: Lesson) -> UploadForm:
    form = UploadForm(formdata=None)
    form.subtitles_for.choices = [("", "—")] + [(a.name, a.name) for a in lesson.attachments if a.kind == "video"]
    return form


def _edit_page(
    form: LessonForm, lesson: Lesson | None, preview: str | None = None, message: str | None = None, status: int = 200
):
    return render_template(
        "teach/edit.html",
        form=form,
        lesson=lesson,
        preview=preview,
        message=message,
        upload_form=_upload_form(lesson) if lesson else None,
        share=authoring.share_status(lesson) if lesson else None,
    ), status


@bp.get("/")
@role_required()
def index() -> str:
    return render_template("teach/index.html", lessons=authoring.lessons_of(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required()
def new():
    form = LessonForm()
    if request.method == "GET":
        return _edit_page(form, None)
    if not form.validate():
        return _edit_page(form, None, message=_("Please correct the marked fields."), status=400)
    try:
        if request.form.get("action") == "preview":
            return _edit_page(form, None, preview=_preview(None, form.body.data or ""))
        lesson = authoring.create_lesson(_fields(form), current_user, _objects())
    except (RenderRefused, RenderBusy) as exc:  # the page again with the teacher's text in it, and why
        return _edit_page(form, None, message=exc.message, status=exc.status)
    return redirect(url_for("teach.edit", lesson_id=lesson.id, saved=1), code=303)


@bp.route("/lessons/<lesson_id>", methods=["GET", "POST"])
@role_required()
def edit(lesson_id: str):
    lesson = editable_lesson(lesson_id)
    if request.method == "GET":
        form = LessonForm(data=asdict(authoring.lesson_fields(lesson, _objects())))
        form.tags.data = ", ".join(lesson.tags)
        return _edit_page(form, lesson, message=_("Saved.") if request.args.get("saved") else None)
    form = LessonForm()
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
    upload_file = form.file.data
    stored = store_upload(upload_file.stream, upload_file.filename or "file", _objects(), current_app.config)
    make_variants(_objects(), [(stored.sha256, stored.media_type, stored.size)])
    authoring.attach_file(lesson, stored, current_user, form.subtitles_for.data or None, form.subtitles_lang.data)
    return redirect(url_for("teach.edit", lesson_id=lesson.id, saved=1) + "#files", code=303)


@bp.get("/lessons/<lesson_id>/files/<name>")
@role_required()
def lesson_file(lesson_id: str, name: str) -> Response:
    """A file of a lesson the teacher may edit, drafts included (students use /objects/<sha256>)."""
    lesson = editable_lesson(lesson_id)
    attachment = next((a for a in lesson.attachments if a.name == name), None)
    if attachment is None:
        raise NotFound()
    response = send_file(_objects().path(attachment.sha256), mimetype=attachment.media_type, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/lessons/<lesson_id>/files/remove")
@role_required()
def remove_file(lesson_id: str) -> WerkzeugResponse:
    lesson = editable_lesson(lesson_id)
    authoring.remove_file(lesson, request.form.get("name", ""), current_user)
    return redirect(url_for("teach.edit", lesson_id=lesson.id, saved=1) + "#files", code=303)


@bp.get("/lessons/<lesson_id>/history")
@role_required()
def history(lesson_id: str) -> str:
    lesson = editable_lesson(lesson_id)
    return render_template("teach/history.html", lesson=lesson, revisions=authoring.revisions(lesson))


@bp.post("/lessons/<lesson_id>/restore/<int:number>")
@role_required()
def restore(lesson_id: str, number: int) -> WerkzeugResponse:
    lesson = editable_lesson(lesson_id)
    authoring.restore_revision(lesson, number, current_user)
    return redirect(url_for("teach.edit", lesson_id=lesson.id, saved=1), code=303)


@bp.post("/lessons/<lesson_id>/delete")
@role_required()
def delete(lesson_id: str) -> WerkzeugResponse:
    authoring.delete_lesson(editable_lesson(lesson_id))
    return redirect(url_for("teach.index"), code=303)


@bp.post("/lessons/<lesson_id>/share")
@role_required()
def share(lesson_id: str) -> WerkzeugResponse:
    lesson = editable_lesson(lesson_id)
    authoring.set_shared(lesson, current_user, request.form.get("share") == "1")
    return redirect(url_for("teach.edit", lesson_id=lesson.id) + "#share", code=303)
