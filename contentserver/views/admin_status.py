"""The box's status for its admin (issue 23): drawn on /admin/ (server-side SVG, no JavaScript) and sent as JSON
at /api/admin/status; both read contentserver/status/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..charts import BarChart, bar_chart
from ..errors import Forbidden, Unauthorized
from ..i18n import ui_date, ui_datetime, ui_number
from ..status.collect import box_status
from .access import protect_blueprint

api_bp = Blueprint("admin_api", __name__, url_prefix="/api/admin")
protect_blueprint(api_bp)


@api_bp.get("/status")
def status_json() -> Response:
    """Admin only: anonymous callers get 401 (not the login page a browser is sent to), others 403."""
    if not current_user.is_authenticated:
        raise Unauthorized(_("Log in as an administrator to read the status."))
    if current_user.role != "admin":
        raise Forbidden(_("This page is for administrators."))
    return jsonify(box_status(current_app))


def _day_chart(days: list[dict[str, Any]], key: str, hover: str) -> BarChart:
    points = []
    for day in days:
        label = ui_date(date.fromisoformat(day["date"]), "medium")
        points.append((float(day[key]), hover % {"day": label, "count": ui_number(day[key])}))
    return bar_chart(points)


def attention(box: dict[str, Any]) -> list[str]:
    """What needs the admin now, said at the top of the page."""
    storage, sync, clock = box["storage"], box["sync"], box["clock"]
    out = []
    if storage["warning"] == "below_reserve":
        out.append(_("The disk is nearly full: uploads and syncs are refused until space is freed."))
    elif storage["warning"] == "low":
        out.append(_("Free disk space is running low: less than twice the reserve is left."))
    if clock["warning"]:
        out.append(
            _(
                "The box's clock is off by %(seconds)s seconds against the hub: check its time setting (or NTP).",
                seconds=ui_number(round(clock["offset_seconds"])),
            )
        )
    if sync["cap_warning"]:
        used, cap = human_size(sync["bytes_this_month"]), human_size(sync["monthly_cap_bytes"])
        out.append(_("Sync has used %(used)s of the %(cap)s the school's plan allows this month.", used=used, cap=cap))
    if sync["next_attempt_overdue"]:
        out.append(_("The sync service should have tried again by now: is it running?"))
    if sync["last_pull"] and not sync["last_pull"]["ok"]:
        out.append(_("The last sync with the hub failed."))
    return out


def status_view() -> dict[str, Any]:
    """What admin/_status.html draws: the status document and its charts."""
    status = box_status(current_app)
    days = status["usage"]["days"]
    return {
        "box": status,
        "attention": attention(status),
        "usage_charts": [
            (_("Pages read per day"), _day_chart(days, "pages", _("%(day)s: %(count)s pages"))),
            (_("Searches per day"), _day_chart(days, "searches", _("%(day)s: %(count)s searches"))),
        ],
        "first_day": date.fromisoformat(days[0]["date"]),
        "last_day": date.fromisoformat(days[-1]["date"]),
        "size": human_size,
        "duration": human_duration,
        "when": lambda text: ui_datetime(datetime.fromisoformat(text.replace("Z", "+00:00"))) if text else "—",
    }


def human_size(size: int | None) -> str:
    """Bytes as an admin reads them: KB, MB or GB with one decimal."""
    if size is None:
        return "—"
    if size < 2**20:
        return _("%(num)s KB", num=ui_number(-(-size // 1024)))
    if size < 2**30:
        return _("%(num)s MB", num=ui_number(round(size / 2**20, 1)))
    return _("%(num)s GB", num=ui_number(round(size / 2**30, 1)))


def human_duration(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return _("%(days)s d %(hours)s h", days=days, hours=hours)
    return _("%(hours)s h %(minutes)s min", hours=hours, minutes=rest // 60)
