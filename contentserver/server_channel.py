"""waitress connections that never hold a worker thread while a client is slow to read (docs/performance.md).

waitress sends what a request answered from its one async loop, but before it starts a connection's next request
(HTTP pipelining) a worker thread waits until that connection's unsent output is below outbuf_high_watermark.
A client that pipelines two requests for a big file and never reads kept a thread forever, and such a channel
never timed out (waitress's idle check skips channels with requests); 24 of them took every page down (issue 15).
Here the next request is parked instead: the thread returns to the pool, and the async loop hands the request
back to the pool once the client has read enough. A parked channel idle past channel_timeout is closed.
"""

from __future__ import annotations

import time
from types import MethodType

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask, WSGITask

from .request_bodies import REFUSAL_KEY, BodyPolicy, capped_parser


class _FinishingTask:
    """Tells its channel when the request's own output is written: any wait after that is between requests."""

    def service(self) -> None:
        try:
            super().service()
        finally:
            self.channel.task_finished = True

    def get_environment(self) -> dict:
        """The app learns that waitress drained a body unread (request_bodies.py) from the environ."""
        environ = super().get_environment()
        refusal = getattr(self.request, "refusal", None)
        if refusal is not None:
            environ[REFUSAL_KEY] = refusal
        return environ


class FinishingWSGITask(_FinishingTask, WSGITask):
    pass


class FinishingErrorTask(_FinishingTask, ErrorTask):
    pass


class ParkingChannel(HTTPChannel):
    """An HTTPChannel whose next pipelined request waits in the async loop, not in a worker thread."""

    task_class = FinishingWSGITask
    error_task_class = FinishingErrorTask
    parked = False
    task_finished = False

    def service(self) -> None:
        """Run the first queued request, unless the client has not yet read what came before: then park it."""
        with self.outbuf_lock:
            if self.connected and self.total_outbufs_len > self.adj.outbuf_high_watermark:
                self.parked = True
                return
        self.task_finished = False
        super().service()

    def _flush_outbufs_below_high_watermark(self) -> None:
        """Wait for the client only while a request writes its own answer (that bounds one answer's buffer);
        between requests, service() parks the next one instead."""
        if not self.task_finished:
            super()._flush_outbufs_below_high_watermark()

    def handle_write(self) -> None:
        super().handle_write()
        if self.parked and self.total_outbufs_len <= self.adj.outbuf_high_watermark:
            with self.outbuf_lock:
                if self.parked and self.connected:
                    self.parked = False
                    self.server.add_task(self)

    def handle_close(self) -> None:
        """Closed by the client or a timeout: free the parked requests' bodies and a half-received one's."""
        super().handle_close()
        with self.outbuf_lock:
            waiting, self.parked = (self.requests if self.parked else []), False
        if self.request is not None:
            waiting = [*waiting, self.request]
            self.request = None
        for request in waiting:
            request.close()


def _maintenance(server: BaseWSGIServer, now: float) -> None:
    """waitress's idle check, which also closes parked channels whose client read nothing for channel_timeout."""
    cutoff = now - server.adj.channel_timeout
    for channel in server.active_channels.values():
        if (not channel.requests or getattr(channel, "parked", False)) and channel.last_activity < cutoff:
            channel.will_close = True


def install(socket_map: dict, policy: BodyPolicy) -> None:
    """Give every listening server in waitress's socket map these channels, body caps and idle check."""
    parser = capped_parser(policy)
    channel = type("ContentserverChannel", (ParkingChannel,), {"parser_class": parser})
    for dispatcher in list(socket_map.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = channel
            dispatcher.maintenance = MethodType(_maintenance, dispatcher)
            dispatcher.next_channel_cleanup = time.time()
