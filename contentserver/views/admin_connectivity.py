"""Admin page /admin/connectivity: the uplink's last 30 days as server-drawn SVG charts (no JavaScript)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from ..charts import bar_chart
from ..db import db
from ..i18n import ui_date, ui_number
from ..models import Hub
from ..uplink import uplink_overview


def _chart(overview, key: str, scale: float, hover: Callable[[str, float], str], top: float | None = None):
    """A bar per day: the summary's `key` times `scale`; days without attempts or figures are stubs."""
    points = []
    for day, summary in overview.days:
        value = summary[key] if summary else None
        label = ui_date(day, "medium")
        points.append(
            (None, _("%(day)s: no sync attempt", day=label))
            if value is None
            else (value * scale, hover(label, value * scale))
        )
    return bar_chart(points, top)


def link_charts(overview=None) -> tuple:
    """The overview and its three charts (also drawn on /admin/ by views/admin.py)."""
    overview = overview or uplink_overview(Path(current_app.config["DATA_DIR"]))
    charts = [
        (
            _("Uplink availability"),
            _("Share of the day's sync attempts that reached the hub."),
            _chart(
                overview,
                "uplink_availability",
                100,
                top=100,
                hover=lambda day, v: _("%(day)s: %(percent)s%% reached the hub", day=day, percent=ui_number(round(v))),
            ),
        ),
        (
            _("Download speed"),
            _("kbit/s: the best second of the day's syncs."),
            _chart(
                overview,
                "connectivity_speed",
                1 / 1000,
                hover=lambda day, v: _("%(day)s: %(speed)s kbit/s", day=day, speed=ui_number(round(v))),
            ),
        ),
        (
            _("Data synced"),
            _("MB received from the hub per day."),
            _chart(
                overview,
                "bytes_down",
                1 / 1e6,
                hover=lambda day, v: _("%(day)s: %(size)s MB", day=day, size=ui_number(round(v, 1))),
            ),
        ),
    ]
    return overview, charts, any(summary for _day, summary in overview.days)


def connectivity() -> str:
    """(Registered on the admin blueprint by views/admin.py.)"""
    overview, charts, recorded = link_charts()
    hubs = list(db.session.scalars(select(Hub).order_by(Hub.added_at)))
    return render_template(
        "admin/connectivity.html",
        overview=overview,
        charts=charts,
        recorded=recorded,
        hubs=hubs,
        data_dir=current_app.config["DATA_DIR"],
    )
