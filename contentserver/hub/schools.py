"""On a hub: the schools it knows by their public keys, and the signed connectivity reports they bring on sticks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from nacl.exceptions import BadSignatureError, CryptoError
from sqlalchemy import or_

from ..connectivity import FORMAT, SIGNATURE_SUFFIX, STICK_NAME
from ..db import db
from ..library.signing import parse_public_key
from ..models import School, SchoolReportDay

MAX_REPORT_BYTES = 1024 * 1024


class SchoolError(ValueError):
    """A school or a report the hub refuses; nothing was stored."""


def add_school(name: str, public_key: str) -> School:
    """Register a school by its public key (`contentserver keygen --name school` prints it at the school)."""
    name, public_key = name.strip(), public_key.strip().lower()
    if not name:
        raise SchoolError("a school needs a name")
    try:
        parse_public_key(public_key)
    except ValueError as exc:
        raise SchoolError(str(exc)) from None
    clash = db.session.scalar(db.select(School).where(or_(School.name == name, School.public_key == public_key)))
    if clash is not None:
        raise SchoolError(f"school {clash.name!r} already has that name or key")
    school = School(name=name, public_key=public_key)
    db.session.add(school)
    db.session.commit()
    return school


def _signer(data: bytes, signature: bytes) -> School | None:
    for school in db.session.scalars(db.select(School)):
        try:
            parse_public_key(school.public_key).verify(data, signature)
            return school
        except (BadSignatureError, CryptoError, ValueError):
            continue
    return None


def import_report(path: Path) -> tuple[School, int]:
    """Store the days of a signed report (a stick folder or the file); returns (school, days). A report imported
    again replaces those days, so nothing is ever counted twice."""
    path = path / STICK_NAME if path.is_dir() else path
    signature_path = path.with_name(path.name + SIGNATURE_SUFFIX)
    if not path.is_file():
        raise SchoolError(f"there is no {STICK_NAME} at {path.parent}")
    if path.stat().st_size > MAX_REPORT_BYTES:
        raise SchoolError(f"{path.name} is larger than {MAX_REPORT_BYTES} bytes")
    if not signature_path.is_file():
        raise SchoolError(
            f"{path.name} is not signed: the school makes a key with `contentserver keygen --name "
            "school` and exports again"
        )
    data = path.read_bytes()
    try:
        signature = bytes.fromhex(signature_path.read_text("ascii").strip())
    except (ValueError, UnicodeDecodeError):
        raise SchoolError(f"{signature_path.name} is not a signature (128 hex digits)") from None
    school = _signer(data, signature)
    if school is None:
        raise SchoolError(
            f"{path.name} is not signed by a school this hub knows (or was changed after signing); "
            "register the school with `contentserver school add NAME --key PUBKEY`"
        )
    try:
        report = json.loads(data)
    except ValueError as exc:
        raise SchoolError(f"{path.name} is not JSON ({exc})") from None
    days = store_report(school, report, path.name)
    db.session.commit()
    return school, days


def store_report(school: School, report: Any, name: str = "the report") -> int:
    """Check a decoded report (a stick's or a push's) and add its days to the session, replacing days stored
    before; the caller commits. Returns the number of days; refuses with a SchoolError before adding any."""
    try:
        days = {date.fromisoformat(day["date"]).isoformat(): day for day in report["days"]}
        if report["format"] != FORMAT:
            raise ValueError(report["format"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SchoolError(f"{name} is not a {FORMAT} report ({exc.__class__.__name__}: {exc})") from None
    for day, summary in days.items():
        row = db.session.get(SchoolReportDay, (school.id, day))
        if row is None:
            db.session.add(SchoolReportDay(school_id=school.id, day=day, summary=json.dumps(summary)))
        else:
            row.summary = json.dumps(summary)
    return len(days)
