"""The one error a Kolibri channel is refused with, so the CLI and a view show one clear message."""

from __future__ import annotations

from ..errors import Unprocessable


class ChannelError(Unprocessable):
    """A channel (its database, a stored file, an app zip or an exercise) was refused; the message says which."""

    def __init__(self, reason: str, source: str = ""):
        self.source, self.reason = source, reason
        super().__init__(f"{source}: {reason}" if source else reason)
