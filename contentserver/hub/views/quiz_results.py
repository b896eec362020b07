"""Admin page /admin/quizzes (hub mode): each school's practice per quiz and day, as its pushes brought them; and the
same rows as a spreadsheet file."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ...downloads import content_disposition
from ...views.access import protect_blueprint, role_required
from ..quiz_results import by_school, csv_text

bp = Blueprint("hub_quizzes", __name__, url_prefix="/admin/quizzes")
protect_blueprint(bp)


@bp.get("/")
@role_required("admin")
def index() -> str:
    return render_template("admin/quiz_results.html", schools=by_school())


@bp.get("/results.csv")
@role_required("admin")
def results_csv() -> Response:
    response = Response(csv_text(by_school()), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition("practice-by-school.csv", inline=False)
    return response
