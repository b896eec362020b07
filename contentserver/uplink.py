"""What the admin sees of the uplink: 30 days of sync attempts, the last success, what waits to go up, free disk."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .connectivity import build_report
from .db import db
from .models import ShareRequest, SyncAttempt


@dataclass(frozen=True)
class UplinkOverview:
    """`days`: (UTC day, its connectivity-report summary or None without attempts), oldest first."""

    days: tuple[tuple[date, dict[str, Any] | None], ...]
    last_success: datetime | None
    queued_lessons: int
    free_disk: int


def uplink_overview(data_dir: Path, days: int = 30, now: datetime | None = None) -> UplinkOverview:
    """Read the recorded attempts (through the connectivity report) and the share queue; nothing here touches the
    network."""
    now = now or datetime.now(UTC)
    summaries = {date.fromisoformat(d["date"]): d for d in build_report("", "", days, now)["days"]}
    span = tuple(now.date() - timedelta(days=back) for back in range(days - 1, -1, -1))
    last = db.session.scalar(db.select(db.func.max(SyncAttempt.started_at)).where(SyncAttempt.exit_code == 0))
    queued = db.session.scalar(
        db.select(db.func.count()).select_from(ShareRequest).where(ShareRequest.state == "queued")
    )
    return UplinkOverview(
        tuple((day, summaries.get(day)) for day in span),
        last.replace(tzinfo=last.tzinfo or UTC) if last else None,
        queued or 0,
        shutil.disk_usage(data_dir).free,
    )
