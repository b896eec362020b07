"""Who may do what: Flask-Login sessions, CSRF on changing forms, upload request limits, role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Flask, Request, Response, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..accounts import logins
from ..authoring.uploads import LIMIT_SETTINGS, SpoolFile, check_free_space, size_text
from ..db import db
from ..errors import Forbidden, NotFound, PayloadTooLarge
from ..models import Lesson, User
from .error_pages import render_error

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in as a teacher to open this page.")
FORM_SLACK = 1024**2
FORM_MEMORY = 4 * 1024**2
ACCOUNT_BLUEPRINTS = ("auth", "teach", "admin")


class UploadRequest(Request):
    """Uploads spool into the data folder's staging (never /tmp or memory), sized by the upload limits."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.blueprint in ACCOUNT_BLUEPRINTS:
            return upload_limit()
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value  # a view's own limit (Flask 3.1) still wins

    @property
    def max_form_memory_size(self) -> int | None:
        if self._max_form_memory_size is None and self.blueprint in ACCOUNT_BLUEPRINTS:
            return FORM_MEMORY  # a long lesson in Cyrillic, percent-encoded, is several times its length
        return super().max_form_memory_size

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        staging = current_app.extensions["object_store"].staging
        check_free_space(staging, total_content_length or 0, current_app.config["DISK_RESERVE_BYTES"])
        return SpoolFile(staging)


def upload_limit() -> int:
    return max(current_app.config[name] for name in LIMIT_SETTINGS.values()) + FORM_SLACK


def _protect() -> None:
    """Refuse oversized bodies before reading them, then check the CSRF token of every changing request."""
    if request.content_length is not None and request.content_length > upload_limit():
        raise PayloadTooLarge(
            _("This upload is too large: files may be at most %(limit)s.", limit=size_text(upload_limit() - FORM_SLACK))
        )
    csrf.protect()


def _no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def protect_blueprint(bp: Blueprint) -> None:
    """Account pages: size and CSRF checks before the view, never cached (they show one person's data)."""
    bp.before_request(_protect)
    bp.after_request(_no_store)


@login_manager.user_loader
def _load_user(session_value: str) -> User | None:
    return logins.user_for(session_value)


def role_required(role: str | None = None) -> Callable:
    """Anonymous users go to the login page; a logged-in user without the role gets 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if role is not None and current_user.role != role:
                raise Forbidden(_("This page is for administrators."))
            return view(*args, **kwargs)

        return wrapper

    return decorate


def editable_lesson(lesson_id: str, deleted_ok: bool = False) -> Lesson:
    """A local lesson the current user may change: their own, or any for an admin; others get 403."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.origin != "local" or (lesson.status == "deleted" and not deleted_ok):
        raise NotFound()
    if current_user.role != "admin" and lesson.owner_id != current_user.id:
        raise Forbidden(_("This lesson belongs to another teacher."))
    return lesson


def init_access(app: Flask) -> None:
    """Sessions, CSRF and secure cookies for the teacher and admin pages."""
    app.request_class = UploadRequest
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["COOKIE_SECURE"],
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=app.config["COOKIE_SECURE"],
    )
    csrf.init_app(app)
    login_manager.init_app(app)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Response:
        return render_error(
            400,
            _("This form has expired or did not come from this site"),
            _("Nothing was changed. Go back, reload the page and try again."),
        )
