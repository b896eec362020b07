"""Admin pages (/admin/...): add, disable and reset teachers; recover deleted lessons; the share queue."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import outbox
from ..accounts import users
from ..authoring import lessons as authoring
from ..db import db
from ..errors import BadRequest, NotFound
from ..models import User
from .access import editable_lesson, protect_blueprint, role_required
from .admin_connectivity import connectivity, link_charts
from .admin_poster import poster
from .admin_status import status_view
from .forms import PasswordForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
protect_blueprint(bp)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def _users_page(form: UserForm, message: str | None = None, status: int = 200, **shown):
    return render_template("admin/users.html", users=users.list_users(), form=form, message=message, **shown), status


@bp.get("/")
@role_required("admin")
def index():
    """The box's status (issue 23), then the accounts."""
    return _users_page(UserForm(formdata=None), **status_view(), link=link_charts())


@bp.post("/users")
@role_required("admin")
def add_user():
    form = UserForm()
    if not form.validate():
        return _users_page(form, _("Please correct the marked fields."), 400)
    try:
        user = users.create_user(form.username.data, form.password.data, form.role.data, form.display_name.data or "")
    except users.AccountError as exc:
        return _users_page(form, str(exc), 400)
    if user.role == "admin":
        flash(_("Administrator %(name)s added.", name=user.username))
    else:
        flash(_("Teacher %(name)s added.", name=user.username))
    return redirect(url_for("admin.index"), code=303)


@bp.post("/users/<int:user_id>/disable")
@role_required("admin")
def disable_user(user_id: int) -> WerkzeugResponse:
    user = _user(user_id)
    if user.id == current_user.id:
        raise BadRequest(_("You cannot disable your own account."))
    users.set_disabled(user, True)
    return redirect(url_for("admin.index"), code=303)


@bp.post("/users/<int:user_id>/enable")
@role_required("admin")
def enable_user(user_id: int) -> WerkzeugResponse:
    users.set_disabled(_user(user_id), False)
    return redirect(url_for("admin.index"), code=303)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@role_required("admin")
def reset_password(user_id: int):
    user = _user(user_id)
    form = PasswordForm()
    message, status = None, 200
    if form.validate_on_submit():
        try:
            users.set_password(user, form.password.data)
        except users.AccountError as exc:
            message, status = str(exc), 400
        else:
            return redirect(url_for("admin.index"), code=303)
    elif form.is_submitted():
        message, status = _("Please correct the marked fields."), 400
    return render_template("admin/password.html", user=user, form=form, message=message), status


@bp.get("/deleted")
@role_required("admin")
def deleted() -> str:
    return render_template("admin/deleted.html", lessons=authoring.deleted_lessons())


@bp.post("/lessons/<lesson_id>/recover")
@role_required("admin")
def recover(lesson_id: str) -> WerkzeugResponse:
    authoring.recover_lesson(editable_lesson(lesson_id, deleted_ok=True))
    return redirect(url_for("admin.deleted"), code=303)


@bp.get("/shares")
@role_required("admin")
def shares() -> str:
    return render_template("admin/shares.html", shares=outbox.queued_shares())


bp.get("/connectivity")(role_required("admin")(connectivity))
bp.get("/poster")(role_required("admin")(poster))
