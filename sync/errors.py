"""Why a sync run stopped, each with its documented exit code (docs/sync.md)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2
EXIT_LINK = 3
EXIT_DISK = 4
EXIT_BUSY = 5
EXIT_NOT_CONFIGURED = 6


class SyncError(Exception):
    """A sync run stopped; `exit_code` is what `python -m sync` exits with."""

    exit_code = EXIT_FAILED


class Refused(SyncError):
    """The hub offered something we do not trust or cannot accept; nothing was installed."""

    exit_code = EXIT_REFUSED


class LinkDown(SyncError):
    """The hub could not be reached for long enough; progress is kept for the next run."""

    exit_code = EXIT_LINK


class DiskFull(SyncError):
    """Not enough free disk (needed bytes plus the reserve); the old library keeps serving."""

    exit_code = EXIT_DISK


class Busy(SyncError):
    """Another sync job holds the lock on this data folder."""

    exit_code = EXIT_BUSY


class NotConfigured(SyncError):
    """No hub is configured: `contentserver hub add URL --key PUBKEY` first."""

    exit_code = EXIT_NOT_CONFIGURED
