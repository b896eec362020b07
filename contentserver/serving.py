"""How run.py serves the app with waitress: bodies spooled in the data folder and capped per route, files and
their ranges sent by waitress's async loop, slow readers parked off the worker threads (docs/performance.md)."""

from __future__ import annotations

import logging
import shutil
import signal
import tempfile
from pathlib import Path

from flask import Flask, Response
from waitress.buffers import ReadOnlyFileBasedBuffer
from waitress.server import create_server
from werkzeug.wsgi import _RangeWrapper

from . import server_channel
from .request_bodies import BodyPolicy
from .views.refusals import init_refusals
from .views.usage_layer import start_flushing

SPOOL_FOLDER = "tmp"
INBUF_OVERFLOW = 512 * 1024  # waitress's default: bodies larger than this are spooled to tmp/
# A connection's unsent answers beyond this park its next pipelined request (server_channel.py); waitress's
# default let a few connections pipelining pages hold more than a school's server has (docs/performance.md).
OUTBUF_HIGH_WATERMARK = 1024**2
FORWARDED = "x-forwarded-for x-forwarded-proto x-forwarded-host"  # what deploy/nginx.conf sets


def spool_in(data_dir: Path | str) -> Path:
    """Make DATA_DIR/tmp, emptied of leftovers, tempfile's default folder for this process: waitress buffers a body
    over inbuf_overflow (and a slow client's response over outbuf_overflow) in tempfile.TemporaryFile(), with no
    folder option; nothing else in the server uses the default folder."""
    folder = Path(data_dir) / SPOOL_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(folder)
    return folder


def ranges_from_the_loop(response: Response) -> Response:
    """A 206 of a file (send_file with conditional=True) as waitress's file wrapper at the range's start: waitress
    then sends it from its async loop, as it does whole files, instead of a worker thread iterating werkzeug's
    range wrapper for as long as the client takes to read (a phone's video player asks `Range: bytes=0-`)."""
    ranged = response.response
    if response.status_code != 206 or not isinstance(ranged, _RangeWrapper):
        return response
    source = ranged.iterable
    if type(source) is not ReadOnlyFileBasedBuffer or not hasattr(source, "seek") or response.content_range is None:
        return response  # not a file waitress handed out (the test client's own wrapper): left as it is
    source.seek(response.content_range.start)
    # sends Content-Length bytes, the range's length (waitress ships no stubs: mypy sees the wrong class)
    response.response = ReadOnlyFileBasedBuffer(source.file)  # type: ignore[call-arg,attr-defined]
    return response


def proxy_options(hops: int, proxy: str) -> dict:
    """waitress removes X-Forwarded-* unless the connection comes from the front itself (`proxy`, nginx's
    address): with TRUSTED_PROXY_COUNT alone, the app's ProxyFix believed them from anyone who reached waitress
    directly, so a phone could forge its address past the login throttle (issue 15)."""
    if hops == 0:
        return {"clear_untrusted_proxy_headers": True}
    return {
        "trusted_proxy": proxy,
        "trusted_proxy_count": hops,
        "trusted_proxy_headers": FORWARDED,
        "clear_untrusted_proxy_headers": True,
    }


def serve(app: Flask, host: str, port: int, threads: int, **options) -> None:
    """waitress with this module's parts, until stopped; `options` are more waitress settings."""
    folder = spool_in(app.config["DATA_DIR"])  # large request bodies: on the data disk, not in a RAM /tmp
    init_refusals(app)
    app.after_request(ranges_from_the_loop)
    logging.basicConfig()  # waitress's warnings and errors on stderr, as waitress.serve() does
    socket_map: dict = {}
    server = create_server(
        app,
        map=socket_map,
        host=host,
        port=port,
        threads=threads,
        inbuf_overflow=INBUF_OVERFLOW,
        outbuf_high_watermark=OUTBUF_HIGH_WATERMARK,
        **options,
    )
    server_channel.install(socket_map, BodyPolicy.for_app(app, folder, INBUF_OVERFLOW))
    stop_flushing = start_flushing(app)
    signal.signal(signal.SIGTERM, _stop)  # systemd's stop: leave the loop, so the usage counts are written
    try:
        server.run()
    except SystemExit:
        pass
    finally:
        stop_flushing()


def _stop(signum, frame) -> None:
    raise SystemExit(0)
