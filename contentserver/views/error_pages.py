"""The one place where errors become pages: JSON for API clients, friendly HTML for people."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, RequestedRangeNotSatisfiable
from werkzeug.wrappers import Response as WerkzeugResponse

from ..errors import AppError, BadRequest, Busy, Forbidden, NotFound, PayloadTooLarge

MESSAGES: dict[int | None, object] = {
    404: _l("There is no page at this address. Check the address, or find the lesson from the home page."),
    405: _l("This page cannot be used this way."),
}


def _wants_json() -> bool:
    if request.path.startswith(("/api/", "/hub/push/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(status: int, title: str, message: str, extra: dict | None = None) -> Response:
    """Render an error as JSON for API clients (with `extra` beside it) and as a friendly HTML page for people."""
    if _wants_json():
        response = jsonify(error={"status": status, "title": title, "message": message}, **(extra or {}))
    else:
        response = Response(
            render_template("errors/error.html", status=status, title=title, message=message), mimetype="text/html"
        )
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_handlers(app: Flask) -> None:
    """Route every AppError and werkzeug HTTP error through render_error."""

    @app.errorhandler(AppError)
    def _app_error(error: AppError) -> Response:
        response = render_error(error.status, str(error.title), error.message, getattr(error, "extra", None))
        if error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> WerkzeugResponse:
        if error.code in (301, 302, 303, 304, 307, 308):
            return error.get_response()
        titles: dict[int | None, object] = {
            404: NotFound.title,
            405: _l("Not possible here"),
            413: PayloadTooLarge.title,
            400: BadRequest.title,
            403: Forbidden.title,
            503: Busy.title,
        }
        title = str(titles.get(error.code, error.name))
        message = error.description or title
        if error.description == type(error).description:  # werkzeug's own English sentence: ours instead
            message = str(MESSAGES.get(error.code, title))
        response = render_error(error.code or 500, title, message)
        if isinstance(error, RequestedRangeNotSatisfiable) and error.length is not None:
            response.headers["Content-Range"] = f"bytes */{error.length}"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("unhandled error")
        return render_error(500, str(AppError.title), str(_l("The error was logged. Please try again later.")))
