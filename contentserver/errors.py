"""Exceptions that carry their HTTP status; views/error_pages.py renders them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class AppError(Exception):
    """Base of every error the app shows to a user; `status` is its HTTP status."""

    status = 500
    title = _l("Something went wrong")
    retry_after: int | None = None  # seconds, sent as Retry-After

    def __init__(self, message: str | None = None):
        super().__init__(message or str(self.title))
        self._message = message or str(self.title)

    @property
    def message(self) -> str:
        """What the error page says (a subclass may translate it only when it is shown)."""
        return self._message


class BadRequest(AppError):
    status = 400
    title = _l("Bad request")


class Unauthorized(AppError):
    status = 401
    title = _l("Not signed")


class Forbidden(AppError):
    status = 403
    title = _l("Not allowed")


class NotFound(AppError):
    status = 404
    title = _l("Page not found")


class Conflict(AppError):
    """`extra` goes into a JSON answer beside the error (a push chunk's 409 says how much the hub holds)."""

    status = 409
    title = _l("Conflict")

    def __init__(self, message: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.extra = extra or {}


class PayloadTooLarge(AppError):
    status = 413
    title = _l("File too large")


class Unprocessable(AppError):
    status = 422
    title = _l("Cannot accept this content")


class ClientGone(AppError):
    """The client closed the connection while its request waited its turn: nobody would read the answer
    (nginx's 499), so the work is skipped."""

    status = 499


class Busy(AppError):
    status = 503
    title = _l("The server is busy, try again in a moment")


class Rebuilding(AppError):
    """Search after an upgrade, until the web server has rebuilt the index in the background; browsing works."""

    status = 503
    title = _l("The search index is being rebuilt")
    retry_after = 120  # seconds, sent as Retry-After
    explanation = _l(
        "The search index is being rebuilt after an update. Please try again in a few minutes; "
        "browsing the library still works."
    )

    def __init__(self) -> None:
        Exception.__init__(self, "the search index is being rebuilt")  # translated when shown (no request here)

    @property
    def message(self) -> str:
        return str(self.explanation)


class InsufficientStorage(AppError):
    status = 507
    title = _l("Not enough free disk space")
