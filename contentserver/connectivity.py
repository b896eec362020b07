"""The connectivity report's format: the recorded sync attempts summed up per day in the field names of Giga's maps
(written by a school's sync job and `contentserver report`/`export`, read by a hub's intake and `import-report`)."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import db
from .library.atomic import atomic_write
from .models import SyncAttempt

if TYPE_CHECKING:
    from nacl.signing import SigningKey

FORMAT = "contentserver-connectivity/1"
STICK_NAME = "connectivity.json"  # beside the library on a USB stick made by `contentserver export`
SCHOOL_KEY = "school"  # keys/school.key: made by `contentserver keygen --name school`
SIGNATURE_SUFFIX = ".sig"  # connectivity.json.sig: the school's detached ed25519 signature, 128 hex digits
MAX_ERRORS = 5


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


def _median(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return int(statistics.median(present)) if present else None


def day_summary(day: date, attempts: list[SyncAttempt], school_id_giga: str, school_id_govt: str) -> dict[str, Any]:
    """One day's attempts (UTC) in Giga's six fields, plus uplink availability, bytes and errors."""
    hours: list[list[bool]] = [[] for _ in range(24)]
    for attempt in attempts:
        hours[as_utc(attempt.started_at).hour].append(attempt.reachable)
    measured = [a for a in attempts if a.download_bps or a.latency_ms is not None]
    successes = [a.started_at for a in attempts if a.exit_code == 0]
    errors = Counter(a.error for a in attempts if a.error)
    reachable = sum(a.reachable for a in attempts)
    return {
        "school_id_giga": school_id_giga or None,
        "school_id_govt": school_id_govt or None,
        "timestamp": _iso(max((a.started_at for a in measured or attempts), default=None)),
        "connectivity_speed": _median(a.download_bps for a in attempts),
        "connectivity_upload_speed": _median(a.upload_bps for a in attempts),
        "connectivity_latency": _median(a.latency_ms for a in attempts),
        "date": day.isoformat(),
        "attempts": len(attempts),
        "reachable_attempts": reachable,
        "uplink_availability": round(reachable / len(attempts), 3) if attempts else None,
        "uplink_availability_by_hour": [round(sum(h) / len(h), 3) if h else None for h in hours],
        "bytes_down": sum(a.bytes_down for a in attempts),
        "bytes_up": sum(a.bytes_up for a in attempts),
        "last_success": _iso(max(successes, default=None)),
        "errors": [{"message": m, "count": n} for m, n in errors.most_common(MAX_ERRORS)],
        "clock_offset_seconds": _median_offset(a.clock_offset_seconds for a in attempts),
    }


def _median_offset(values: Iterable[float | None]) -> float | None:
    """The hub's clock minus the school's that day (seconds): a box far off says so in its report."""
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 1) if present else None


def build_report(
    school_id_giga: str, school_id_govt: str, days: int = 30, now: datetime | None = None
) -> dict[str, Any]:
    """The last `days` UTC days that have attempts, oldest first (docs/connectivity.md)."""
    now = now or datetime.now(UTC)
    since = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), tzinfo=UTC)
    rows = db.session.scalars(
        db.select(SyncAttempt).where(SyncAttempt.started_at >= since).order_by(SyncAttempt.started_at)
    )
    by_day: dict[date, list[SyncAttempt]] = {}
    for row in rows:
        by_day.setdefault(as_utc(row.started_at).date(), []).append(row)
    return {
        "format": FORMAT,
        "generated": _iso(now),
        "school_id_giga": school_id_giga or None,
        "school_id_govt": school_id_govt or None,
        "days": [day_summary(day, by_day[day], school_id_giga, school_id_govt) for day in sorted(by_day)],
    }


def school_key(data_dir: Path) -> SigningKey | None:
    """The school's own signing key, if it made one; the hub accepts only reports it signed."""
    from .library.signing import KEY_DIR, load_signing_key  # PyNaCl: loaded only where a report is signed

    path = Path(data_dir) / KEY_DIR / f"{SCHOOL_KEY}.key"
    return load_signing_key(path) if path.exists() else None


def write_report(out: Path, report: dict[str, Any], key: SigningKey | None = None) -> None:
    """Write the report as JSON to `out`, and its signature beside it when the school has a key (a stick may
    be pulled out: each file goes to a temporary name, is fsynced and renamed)."""
    data = (json.dumps(report, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    files = [(out, data)]
    if key is not None:
        files.append((out.with_name(out.name + SIGNATURE_SUFFIX), key.sign(data).signature.hex().encode() + b"\n"))
    for path, content in files:
        atomic_write(path, content, ".part")
