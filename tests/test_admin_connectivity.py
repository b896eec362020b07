"""/admin/connectivity: the last 30 days of real sync attempts as SVG charts, with no JavaScript; admins only."""

from __future__ import annotations

import re
from datetime import UTC, timezone

from babel.dates import format_datetime
from conftest import free_port, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, pin_hub, pull
from teach_http import start_site

from contentserver.charts import HEIGHT, bar_chart
from contentserver.db import db
from contentserver.models import ShareRequest, SyncAttempt
from sync.errors import EXIT_LINK

ZONE = "Asia/Kolkata"  # no summer time; minutes differ from UTC


def test_bars_scale_to_the_top_and_days_without_data_are_stubs():
    chart = bar_chart([(50.0, "a"), (None, "b"), (100.0, "c"), (0.0, "d")], top=100)
    heights = [bar.height for bar in chart.bars]
    assert heights == [HEIGHT / 2, 2.0, HEIGHT, 0.0] and chart.bars[1].missing
    assert [bar.title for bar in chart.bars] == ["a", "b", "c", "d"]
    assert all(bar.y + bar.height == HEIGHT for bar in chart.bars)
    assert bar_chart([(3.0, "x"), (6.0, "y")]).top == 6.0


def test_admin_page_charts_the_recorded_attempts_of_real_pulls(
    tmp_path, nginx, make_app, make_library, start_server, data_dir
):
    library = make_library([lesson_spec("one")], version=1, library_id="lib")
    app, _server = hub_and_school(
        nginx,
        make_app,
        tmp_path / "hub",
        SigningKey.generate(),
        library,
        SYNC_GIVE_UP_SECONDS=0.5,
        SYNC_BACKOFF_MAX_SECONDS=0.1,
    )
    pin_hub(app, f"http://127.0.0.1:{free_port()}/", SigningKey.generate())  # a hub that never answers
    assert pull(app) == EXIT_LINK
    with app.app_context():
        db.session.add(ShareRequest(lesson_id="one", state="queued"))
        db.session.commit()
        success = db.session.scalar(db.select(SyncAttempt.started_at).where(SyncAttempt.exit_code == 0))
        db.session.remove()

    site = start_site(start_server, data_dir, env={"CONTENTSERVER_TIMEZONE": ZONE})
    page = site.client("boss").get("/admin/connectivity")
    assert page.status == 200
    html = page.text
    charts = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert len(charts) == 3 and all(chart.count("<rect") == 30 for chart in charts)
    assert not any("<script" in chart for chart in charts)  # drawn on the server, not scripted
    assert "50% reached the hub</title>" in charts[0]  # one of today's two attempts reached it
    assert charts[0].count('fill="#bbb"') == 29  # the other 29 days have no attempt
    shown = re.search(r"Last successful sync</dt>\s*<dd>([^<]*)</dd>", html).group(1)
    local = format_datetime(success.replace(tzinfo=UTC), "short", tzinfo=ZONE, locale="en")
    assert shown == local and "UTC" not in shown  # the school's clock (UTC+5:30), not UTC
    assert re.search(r"Lessons waiting to go up</dt>\s*<dd><a [^>]*>1</a>", html)
    assert "Free disk" in html and " GB" in html
    assert site.client("anna").get("/admin/connectivity").status == 403
    assert site.client().get("/admin/connectivity").status in (302, 303)
