"""Why a video could not be converted, said to a teacher in their language (a job keeps only the code)."""

from __future__ import annotations

from flask_babel import gettext as _


def failure_message(code: str | None, detail: str | None = None) -> str:
    """The teacher's sentence for a failed job's code; the original file stays attached and served."""
    detail = detail or ""
    if code == "not_video":
        return _("This file is not a video that can be read (or it is damaged), so no small copy was made.")
    if code == "truncated":
        return _("This video file is cut short (incomplete upload or copy): upload the whole file again.")
    if code == "too_big":
        return _("This video's picture is %(size)s: too large to convert.", size=detail)
    if code == "too_long":
        return _("This video says it lasts %(hours)s hours: too long to convert.", hours=detail)
    if code == "disk_full":
        return _("The server's disk was too full to make a small copy; ask the administrator to free some space.")
    if code == "missing":
        return _("The video's file is missing on the server.")
    return _("Converting this video failed (%(reason)s); the original is still shown.", reason=detail or code or "?")
