"""A sync run around a pull: the one-at-a-time lock, the client, the exit code and the log line."""
from __future__ import annotations

import errno
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from contentserver.db import db
from contentserver.library.format import ManifestError
from contentserver.library.gc import collect, exclusive
from contentserver.models import Hub
from contentserver.terminal import problem

from .errors import EXIT_OK, Busy, DiskFull, NotConfigured, Refused, SyncError
from .pacing import Pacer, PacingConfig
from .progress import Display
from .pull import PullResult, Puller
from .report import record_attempt
from .transfer import HubClient

LOG_NAME = "sync.log"


def _lock(data_dir: Path):
    try:
        return exclusive(data_dir)
    except BlockingIOError:
        raise Busy("another sync job (or clean-up) is running on this data folder") from None


def client_for(app: Flask, url: str, display: Display) -> HubClient:
    """A hub client configured from the settings table."""
    c = app.config
    return HubClient(url, c["SYNC_CHUNK_BYTES"], c["SYNC_TIMEOUT_SECONDS"], c["SYNC_GIVE_UP_SECONDS"],
                     c["SYNC_BACKOFF_MAX_SECONDS"], on_bytes=display.add_bytes,
                     pacer=Pacer(PacingConfig.from_settings(c)))


def _summary(result: PullResult) -> str:
    if result.up_to_date:
        return f"library {result.library_id} is up to date (version {result.to_version or result.from_version})"
    return (f"installed library {result.library_id} version {result.to_version} (was {result.from_version}): "
            f"{len(result.added)} added, {len(result.updated)} updated, {len(result.removed)} removed; "
            f"{result.objects} objects, {result.object_bytes} bytes fetched")


def pull_all(app: Flask, quiet: bool = False, url: str | None = None) -> int:
    """Pull every configured hub (or the one at `url`); returns the exit code and logs one line per hub."""
    display = Display(quiet)
    data_dir = Path(app.config["DATA_DIR"])
    code = EXIT_OK
    try:
        lock = _lock(data_dir)
    except Busy as exc:
        problem(display.console, "busy", exc, style="yellow")
        _log(data_dir, _record(url, exc.exit_code, str(exc)))
        return exc.exit_code
    try:
        query = select(Hub).order_by(Hub.id)
        hubs = list(db.session.scalars(query.where(Hub.url == url) if url else query))
        if not hubs:
            exc = NotConfigured("no hub is configured: run `contentserver hub add URL --key PUBKEY` first")
            problem(display.console, "not configured", exc)
            _log(data_dir, _record(url, exc.exit_code, str(exc)))
            return exc.exit_code
        collect(app, app.config["GC_GRACE_SECONDS"])
        for hub in hubs:
            code = max(code, _pull_one(app, hub, display, data_dir))
    finally:
        lock.close()
    return code


def _pull_one(app: Flask, hub: Hub, display: Display, data_dir: Path) -> int:
    started = time.monotonic()
    client = client_for(app, hub.url, display)
    result, code, message = PullResult(), EXIT_OK, ""
    try:
        result = Puller(app, hub, client, display).run()
        message = _summary(result)
        display.say(message)
    except (SyncError, ManifestError, OSError, OperationalError) as exc:
        db.session.rollback()
        error = _as_sync_error(exc)
        code, message = error.exit_code, str(error)
        display.stop()
        problem(display.console, "sync stopped", message)
        if isinstance(error, Refused):
            display.console.print("Nothing was installed; the library stays as it was.")
    finally:
        client.close()
    _log(data_dir, _record(hub.url, code, message, library=result.library_id, **{"from": result.from_version},
                           to=result.to_version, up_to_date=result.up_to_date, objects=result.objects,
                           object_bytes=result.object_bytes, wire_bytes=client.counters.bytes_down,
                           requests=client.counters.requests, seconds=round(time.monotonic() - started, 3)))
    record_attempt(client, hub.url, code, message, round(time.monotonic() - started, 3))
    return code


def _as_sync_error(exc: Exception) -> SyncError:
    """What stopped the run, as a SyncError with its exit code; anything else is a bug and is raised again."""
    if isinstance(exc, SyncError):
        return exc
    if isinstance(exc, ManifestError):
        return Refused(str(exc))
    full = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "disk is full" in str(exc)
    if full:
        return DiskFull("the disk filled during the sync; the old library keeps serving")
    raise exc


def _record(hub: str | None, code: int, message: str, **fields) -> dict:
    return {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "hub": hub, "exit": code,
            **fields, "message": message}


def _log(data_dir: Path, record: dict) -> None:
    """One JSON line per run in logs/sync.log, the school's own record of what sync did."""
    logs = data_dir / "logs"
    try:
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / LOG_NAME, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:      # a full disk must not turn a clean stop into a crash
        print(f"sync: could not write {logs / LOG_NAME}: {exc.strerror}", file=sys.stderr)
