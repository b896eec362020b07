"""Admin page /admin/quizzes (hub mode): each school's practice per quiz and day, as its pushes brought them."""

from __future__ import annotations

from flask import Blueprint, render_template

from ...views.access import protect_blueprint, role_required
from ..quiz_results import by_school

bp = Blueprint("hub_quizzes", __name__, url_prefix="/admin/quizzes")
protect_blueprint(bp)


@bp.get("/")
@role_required("admin")
def index() -> str:
    return render_template("admin/quiz_results.html", schools=by_school())
