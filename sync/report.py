"""Every sync attempt recorded, for the connectivity report (its format: contentserver/connectivity.py)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from contentserver.db import db
from contentserver.models import SyncAttempt

from .transfer import HubClient


def record_attempt(
    client: HubClient, hub_url: str, code: int, message: str, seconds: float, direction: str = "pull"
) -> None:
    """Store one attempt: reachable when the hub answered at least once; speed and latency from the pacer (a
    pull's best second is the download speed, a push's the upload speed)."""
    pacer = client.pacer
    latency = pacer.latency() if pacer is not None else None
    speed = int(pacer.peak * 8) if pacer is not None and pacer.peak else None
    db.session.add(
        SyncAttempt(
            hub_url=hub_url,
            direction=direction,
            reachable=client.counters.requests > 0,
            bytes_down=client.counters.bytes_down,
            bytes_up=client.counters.bytes_up,
            seconds=seconds,
            download_bps=speed if direction == "pull" else None,
            upload_bps=speed if direction == "push" else None,
            latency_ms=round(latency * 1000) if latency is not None else None,
            exit_code=code,
            error=message[:1000] if code else None,
            clock_offset_seconds=client.clock_offset,
        )
    )
    try:
        db.session.commit()
    except SQLAlchemyError:  # a full disk, say: the sync itself has its own exit code and log line
        db.session.rollback()
