"""A sync run around a pull or a push: the one-at-a-time lock, the client, the exit code and the log line."""

from __future__ import annotations

import errno
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from flask import Flask
from nacl.signing import SigningKey
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from contentserver.cleanup import collect
from contentserver.connectivity import school_key
from contentserver.db import db
from contentserver.library.format import ManifestError
from contentserver.library.gc import exclusive
from contentserver.models import Hub
from contentserver.outbox import queued_shares
from contentserver.terminal import problem

from .errors import EXIT_OK, Busy, DiskFull, NotConfigured, Refused, SyncError
from .pacing import Pacer, PacingConfig
from .progress import Display
from .pull import Puller, PullResult
from .push import Pusher, PushResult
from .report import record_attempt
from .transfer import HubClient

LOG_NAME = "sync.log"


def _lock(data_dir: Path):
    try:
        return exclusive(data_dir)
    except BlockingIOError:
        raise Busy("another sync job (or clean-up) is running on this data folder") from None


def client_for(app: Flask, url: str, display: Display, on_bytes: bool = True) -> HubClient:
    """A hub client configured from the settings table; `on_bytes`: received bytes count in the display."""
    c = app.config
    return HubClient(
        url,
        c["SYNC_CHUNK_BYTES"],
        c["SYNC_TIMEOUT_SECONDS"],
        c["SYNC_GIVE_UP_SECONDS"],
        c["SYNC_BACKOFF_MAX_SECONDS"],
        on_bytes=display.add_bytes if on_bytes else lambda n: None,
        pacer=Pacer(PacingConfig.from_settings(c)),
    )


def _summary(result: PullResult) -> str:
    if result.up_to_date:
        text = f"library {result.library_id} is up to date (version {result.to_version or result.from_version})"
        if result.objects:  # VIDEO_PULL all on a box that had left originals on the hub
            text += f"; {result.objects} videos' originals, {result.object_bytes} bytes fetched"
        return text
    return (
        f"installed library {result.library_id} version {result.to_version} (was {result.from_version}): "
        f"{len(result.added)} added, {len(result.updated)} updated, {len(result.removed)} removed; "
        f"{result.objects} objects, {result.object_bytes} bytes fetched"
    )


def pull_all(app: Flask, quiet: bool = False, url: str | None = None) -> int:
    """Pull every configured hub (or the one at `url`); returns the exit code and logs one line per hub."""
    return _each_hub(
        app, Display(quiet), url, lambda: collect(app, app.config["GC_GRACE_SECONDS"]), partial(_pull_one, app)
    )


def push_all(app: Flask, quiet: bool = False, url: str | None = None, keyless_ok: bool = False) -> int:
    """Push the share queue and the report to every configured hub (or the one at `url`), docs/push.md; returns
    the exit code and logs one line per hub. `keyless_ok`: a school with no key and nothing queued is fine."""
    display = Display(quiet)
    key = school_key(Path(app.config["DATA_DIR"]))
    if key is None:
        if keyless_ok and not queued_shares():
            return EXIT_OK
        exc = NotConfigured(
            "this school has no key to sign its pushes: make one with `contentserver keygen --name "
            "school`, then register the public key it prints at the hub (`contentserver school add "
            "NAME --key PUBKEY`)"
        )
        problem(display.console, "not configured", exc)
        _log(Path(app.config["DATA_DIR"]), _record(url, exc.exit_code, str(exc), direction="push"))
        return exc.exit_code
    return _each_hub(app, display, url, lambda: None, partial(_push_one, app, key))


def _each_hub(
    app: Flask,
    display: Display,
    url: str | None,
    before: Callable[[], object],
    one: Callable[[Hub, Display, Path], int],
) -> int:
    """Under the data folder's lock, run `one` for each configured hub (or the one at `url`); the worst code."""
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
            error = NotConfigured("no hub is configured: run `contentserver hub add URL --key PUBKEY` first")
            problem(display.console, "not configured", error)
            _log(data_dir, _record(url, error.exit_code, str(error)))
            return error.exit_code
        before()
        for hub in hubs:
            code = max(code, one(hub, display, data_dir))
    finally:
        lock.close()
    return code


def _push_one(app: Flask, key: SigningKey, hub: Hub, display: Display, data_dir: Path) -> int:
    started, hub_url = time.monotonic(), hub.url
    client = client_for(app, hub_url, display, on_bytes=False)
    result, code, message = PushResult(), EXIT_OK, ""
    try:
        result = Pusher(app, hub_url, client, key, display).run()
        message = _push_summary(hub_url, result)
        display.say(message)
    except (SyncError, OSError, OperationalError) as exc:
        error = _stopped(exc, display, "push stopped")
        code, message = error.exit_code, str(error)
    finally:
        client.close()
    return _finish(
        client,
        data_dir,
        hub_url,
        code,
        message,
        started,
        {
            "direction": "push",
            "push_ids": result.push_ids,
            "accepted": result.accepted,
            "marked_sent": result.marked,
            "objects": result.objects,
            "object_bytes": result.object_bytes,
            "held_by_hub": result.held,
            "skipped": result.skipped,
            "wire_bytes_up": client.counters.bytes_up,
        },
    )


def _push_summary(hub_url: str, result: PushResult) -> str:
    if not result.push_ids:
        return f"nothing to push to {hub_url} (no shared lesson is waiting; the report went up within a day)"
    text = (
        f"pushed to {hub_url}: {result.accepted} lesson(s) accepted for review, and the connectivity report; "
        f"{result.objects} objects, {result.object_bytes} bytes sent"
    )
    if result.held:
        text += f" ({result.held} bytes the hub held from before were not sent again)"
    if result.skipped:
        text += "; left in the queue (they break the library format): " + "; ".join(result.skipped)
    return text


def _pull_one(app: Flask, hub: Hub, display: Display, data_dir: Path) -> int:
    started = time.monotonic()
    client = client_for(app, hub.url, display)
    result, code, message = PullResult(), EXIT_OK, ""
    try:
        result = Puller(app, hub, client, display).run()
        message = _summary(result)
        display.say(message)
    except (SyncError, ManifestError, OSError, OperationalError) as exc:
        error = _stopped(exc, display, "sync stopped")
        code, message = error.exit_code, str(error)
        if isinstance(error, Refused):
            display.console.print("Nothing was installed; the library stays as it was.")
    finally:
        client.close()
    return _finish(
        client,
        data_dir,
        hub.url,
        code,
        message,
        started,
        {
            "library": result.library_id,
            "from": result.from_version,
            "to": result.to_version,
            "up_to_date": result.up_to_date,
            "objects": result.objects,
            "object_bytes": result.object_bytes,
        },
    )


def _stopped(exc: Exception, display: Display, label: str) -> SyncError:
    """What stopped a pull or push (the session rolled back), said on the console; a bug is raised again."""
    db.session.rollback()
    error = _as_sync_error(exc)
    display.stop()
    problem(display.console, label, str(error))
    return error


def _finish(
    client: HubClient, data_dir: Path, hub_url: str, code: int, message: str, started: float, fields: dict
) -> int:
    """A pull's or push's log line (`fields` first; a push names its direction) and its attempt for the
    connectivity report; returns the exit code."""
    seconds = round(time.monotonic() - started, 3)
    _log(
        data_dir,
        _record(
            hub_url,
            code,
            message,
            **fields,
            wire_bytes=client.counters.bytes_down,
            requests=client.counters.requests,
            seconds=seconds,
        ),
    )
    record_attempt(client, hub_url, code, message, seconds, direction=fields.get("direction", "pull"))
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
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "hub": hub,
        "exit": code,
        **fields,
        "message": message,
    }


def _log(data_dir: Path, record: dict) -> None:
    """One JSON line per run in logs/sync.log, the school's own record of what sync did."""
    logs = data_dir / "logs"
    try:
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / LOG_NAME, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:  # a full disk must not turn a clean stop into a crash
        print(f"sync: could not write {logs / LOG_NAME}: {exc.strerror}", file=sys.stderr)
