"""Slow readers of big objects under real waitress (run.py): they hold no worker thread, pages keep answering."""

from __future__ import annotations

import socket
import time

import pytest
from conftest import lesson_spec, sha

MIB = 1024**2
BIG = bytes(range(256)) * (24 * MIB // 256)  # over waitress's default 16 MiB outbuf_high_watermark
READERS = 30  # a class of phones; run.py here has 4 worker threads (conftest's start_server)
REQUESTS = {
    # the attack of issue 15: two requests in one packet, nothing read
    "pipelined": "GET /objects/{sha} HTTP/1.1\r\nHost: x\r\n\r\n" * 2,
    # a phone's video player on a congested Wi-Fi: one Range request, read slowly (here: not at all)
    "range": "GET /objects/{sha} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\n\r\n",
}


def stalled_readers(url: str, request: str, count: int) -> list[socket.socket]:
    """`count` connections that send `request` and never read: their receive windows fill and stay full."""
    host, port = url.removeprefix("http://").split(":")
    readers = []
    for _ in range(count):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills at once, as a phone far from the AP
        sock.settimeout(5)
        sock.connect((host, int(port)))
        sock.sendall(request.encode())
        readers.append(sock)
    return readers


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(REQUESTS))
def test_slow_readers_of_a_big_object_leave_pages_answering(start_server, make_library, kind):
    library = make_library([lesson_spec("film", attachments={"film.mp4": BIG})])
    server = start_server(starter=str(library))
    assert server.get("/objects/" + sha(BIG), {"Range": "bytes=0-9"})[2] == BIG[:10]
    readers = stalled_readers(server.url, REQUESTS[kind].format(sha=sha(BIG)), READERS)
    try:
        # The readers' 30 requests queue for the 4 threads and each fills its socket's buffers first; today
        # the threads then stay blocked and no page answers again while the readers stay connected.
        assert server.get("/", timeout=10)[0] == 200
        for _attempt in range(3):
            started = time.monotonic()
            status, _, body = server.get("/", timeout=5)
            assert status == 200 and b"<html" in body
            assert time.monotonic() - started < 2, f"a page took {time.monotonic() - started:.1f}s"
            time.sleep(0.5)
    finally:
        for sock in readers:
            sock.close()


def read_response(reader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length from a socket's file."""
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, reader.read(int(headers["content-length"]))


@pytest.mark.slow
def test_pipelined_requests_for_a_big_object_are_answered_whole_and_in_order(start_server, make_library):
    """The second request waits, parked, while the first answer is read; then it is answered on the same socket."""
    library = make_library([lesson_spec("film", attachments={"film.mp4": BIG})])
    server = start_server(starter=str(library))
    url = "/objects/" + sha(BIG)
    status, headers, body = server.get(url, {"Range": "bytes=5000000-5000099"})
    assert status == 206 and body == BIG[5000000:5000100] and headers["Content-Length"] == "100"
    assert server.get(url, {"If-None-Match": f'"{sha(BIG)}"'})[0] == 304
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock, sock.makefile("rb") as reader:
        sock.sendall(
            (
                f"GET {url} HTTP/1.1\r\nHost: x\r\n\r\n"
                f"GET {url} HTTP/1.1\r\nHost: x\r\nRange: bytes=-1000\r\n\r\n"
                f"GET {url} HTTP/1.1\r\nHost: x\r\nRange: bytes=1000000-\r\n\r\n"
            ).encode()
        )
        assert read_response(reader)[::2] == (200, BIG)
        assert read_response(reader)[::2] == (206, BIG[-1000:])
        assert read_response(reader)[::2] == (206, BIG[1000000:])
