"""Teacher login and logout (/auth/...), with throttling of failed logins."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ..accounts import devices, logins, throttle
from ..accounts.users import verify_login
from ..db import db
from ..local_urls import local_or
from .access import protect_blueprint
from .forms import LoginForm

bp = Blueprint("auth", __name__, url_prefix="/auth")
protect_blueprint(bp)


def _refusal(verdict: throttle.Verdict) -> str:
    if verdict.locked:
        minutes = max(1, -(-verdict.wait_seconds // 60))
        return ngettext(
            "Too many failed logins: logging in is locked for %(num)s minute.",
            "Too many failed logins: logging in is locked for %(num)s minutes.",
            minutes,
        )
    return ngettext(
        "Too many failed logins: wait %(num)s second before trying again.",
        "Too many failed logins: wait %(num)s seconds before trying again.",
        verdict.wait_seconds,
    )


def _page(form: LoginForm, message: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("auth/login.html", form=form, message=message), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _page(form, status=200 if request.method == "GET" else 400)
    rules = throttle.ThrottleRules.from_config(current_app.config)
    device = devices.read(request.cookies.get(devices.COOKIE_NAME), current_app.config["SECRET_KEY"])
    known = device.device_id if device is not None and device.knows(form.username.data) else None
    source = throttle.source_of(request.remote_addr or "unknown", known, current_app.config["SECRET_KEY"])
    attempt = throttle.begin_attempt(form.username.data, source, rules)
    if isinstance(attempt, throttle.Verdict):
        return _page(form, _refusal(attempt), 429)
    user = verify_login(form.username.data, form.password.data)
    if user is None:
        throttle.failed(attempt)
        after = throttle.check(form.username.data, source, rules)
        message = _("Wrong user name or password, or the account is disabled.")
        return _page(form, message + ("" if after.allowed else " " + _refusal(after)), 401)
    throttle.succeeded(attempt)
    session.clear()
    logins.start(user, current_app.permanent_session_lifetime.total_seconds())
    login_user(user)
    response = redirect(local_or(request.args.get("next"), url_for("teach.index")), code=303)
    response.set_cookie(
        devices.COOKIE_NAME,
        devices.after_login(device, user.username, current_app.config["SECRET_KEY"]),
        max_age=devices.MAX_AGE_SECONDS,
        path=devices.COOKIE_PATH,
        secure=current_app.config["COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> WerkzeugResponse | str:
    """GET asks (a link cannot log anyone out behind their back); POST, with its CSRF token, ends this login on
    the server, or with `everywhere` every login of the account (a phone left in a classroom)."""
    if request.method == "GET":
        return render_template("auth/logout.html", logged_in=current_user.is_authenticated)
    if current_user.is_authenticated:
        (logins.end_all if request.form.get("everywhere") else logins.end)(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("browse.home"), code=303)
