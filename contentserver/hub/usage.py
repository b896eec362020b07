"""On a hub: the usage days schools push (contentserver-usage/1, docs/usage.md), checked and stored per school and
day, and summed across schools: what students look for and the libraries lack."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..connectivity import SIGNATURE_SUFFIX
from ..db import db
from ..library.signing import parse_public_key
from ..models import School
from ..usage.report import FORMAT, STICK_NAME
from ..usage.tables import HubUsageDay

MAX_USAGE_BYTES = 1024 * 1024
MAX_DAYS = 400
MAX_ROWS = 500  # entries per list per day
MAX_TEXT = 400
LISTS = ("lessons", "books", "top_searches", "no_result_searches")


class UsageError(ValueError):
    """A usage document the hub refuses; nothing of it was stored."""


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise UsageError(f"{where} must be a whole number ≥ 0")
    return value


def _text(value: Any, where: str, empty_ok: bool = False) -> str | None:
    if value is None and empty_ok:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT or (not value and not empty_ok):
        raise UsageError(f"{where} must be text of at most {MAX_TEXT} characters")
    return value


def _row(row: Any, where: str, search: bool) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise UsageError(f"{where} must be an object")
    if search:
        return {
            "query": _text(row.get("query"), f"{where}.query"),
            "lang": _text(row.get("lang"), f"{where}.lang", empty_ok=True),
            "script": _text(row.get("script", ""), f"{where}.script", empty_ok=True) or "",
            "count": _count(row.get("count"), f"{where}.count"),
        }
    return {"id": _text(row.get("id"), f"{where}.id"), "count": _count(row.get("count"), f"{where}.count")}


def _day(day: Any, where: str) -> dict[str, Any]:
    if not isinstance(day, dict):
        raise UsageError(f"{where} must be an object")
    try:
        checked: dict[str, Any] = {"date": date.fromisoformat(day["date"]).isoformat()}
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"{where}.date must be a date, YYYY-MM-DD") from None
    checked["pages"] = _count(day.get("pages"), f"{where}.pages")
    checked["searches"] = _count(day.get("searches"), f"{where}.searches")
    for name in LISTS:
        rows = day.get(name, [])
        if not isinstance(rows, list) or len(rows) > MAX_ROWS:
            raise UsageError(f"{where}.{name} must be a list of at most {MAX_ROWS}")
        checked[name] = [_row(row, f"{where}.{name}[{i}]", name.endswith("searches")) for i, row in enumerate(rows)]
    return checked


def checked_usage(usage: Any) -> list[dict[str, Any]]:
    """The days of a decoded usage document, each checked and normalized; UsageError says what is wrong."""
    if not isinstance(usage, dict) or usage.get("format") != FORMAT:
        raise UsageError(f"the usage is not a {FORMAT} document")
    days = usage.get("days")
    if not isinstance(days, list) or len(days) > MAX_DAYS:
        raise UsageError(f"usage.days must be a list of at most {MAX_DAYS} days")
    if len(json.dumps(usage)) > MAX_USAGE_BYTES:
        raise UsageError(f"the usage is larger than {MAX_USAGE_BYTES} bytes")
    return [_day(day, f"usage.days[{i}]") for i, day in enumerate(days)]


def store_usage(school: School, usage: Any) -> int:
    """Add a push's usage days to the session, replacing days the school sent before (so a day sent again is not
    counted twice); the caller commits. Checks everything before it adds anything."""
    days = checked_usage(usage)
    for day in days:
        row = db.session.get(HubUsageDay, (school.id, day["date"]))
        summary = json.dumps(day, ensure_ascii=False)
        if row is None:
            db.session.add(HubUsageDay(school_id=school.id, day=day["date"], summary=summary))
        else:
            row.summary = summary
    return len(days)


def fruitless_searches(since: str, limit: int = 100) -> list[dict[str, Any]]:
    """Searches that found nothing, summed over every school from day `since`: with how many schools typed each."""
    counts: Counter[tuple[str, str | None, str]] = Counter()
    schools: dict[tuple[str, str | None, str], set[int]] = {}
    for school_id, summary in db.session.execute(
        select(HubUsageDay.school_id, HubUsageDay.summary).where(HubUsageDay.day >= since)
    ):
        for row in json.loads(summary)["no_result_searches"]:
            key = (row["query"], row["lang"], row["script"])
            counts[key] += row["count"]
            schools.setdefault(key, set()).add(school_id)
    return [
        {"query": q, "lang": lang, "script": script, "count": n, "schools": len(schools[(q, lang, script)])}
        for (q, lang, script), n in counts.most_common(limit)
    ]


def import_usage(folder: Path, school: School) -> int | None:
    """Store the usage a stick carries beside the report `school` signed, signed by the same school; None when
    the stick has none (made before issue 23). Refused whole, with a UsageError, when anything is wrong."""
    from nacl.exceptions import BadSignatureError, CryptoError  # PyNaCl: loaded where a stick is imported

    path = folder / STICK_NAME
    if not path.is_file():
        return None
    if path.stat().st_size > MAX_USAGE_BYTES:
        raise UsageError(f"{STICK_NAME} is larger than {MAX_USAGE_BYTES} bytes")
    data = path.read_bytes()
    try:
        signature = bytes.fromhex(path.with_name(STICK_NAME + SIGNATURE_SUFFIX).read_text("ascii").strip())
        parse_public_key(school.public_key).verify(data, signature)
    except (OSError, ValueError, UnicodeDecodeError, BadSignatureError, CryptoError):
        raise UsageError(f"{STICK_NAME} is not signed by school {school.name} (or was changed after signing)") from None
    try:
        usage = json.loads(data)
    except ValueError as exc:
        raise UsageError(f"{STICK_NAME} is not JSON ({exc})") from None
    days = store_usage(school, usage)
    db.session.commit()
    return days
