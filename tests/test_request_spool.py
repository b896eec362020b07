"""run.py's waitress spools request bodies in the data folder, never in TMPDIR, and keeps none past its route's cap."""

from __future__ import annotations

import hashlib
import os
import socket
import time

import pytest
from teach_http import RawUpload, create_lesson, start_site

from contentserver.library.format import object_relpath

MIB = 1024**2
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
LIMITS = {
    "CONTENTSERVER_UPLOAD_MAX_VIDEO_BYTES": str(2 * MIB),
    "CONTENTSERVER_UPLOAD_MAX_AUDIO_BYTES": str(MIB),
    "CONTENTSERVER_UPLOAD_MAX_PDF_BYTES": str(MIB),
    "CONTENTSERVER_UPLOAD_MAX_IMAGE_BYTES": str(MIB),
    "CONTENTSERVER_UPLOAD_MAX_SUBTITLES_BYTES": str(MIB),
}
LARGEST_BODY = 3 * MIB  # the 2 MiB video limit and 1 MiB for the form around it


def open_files(pid: int) -> list[str]:
    """What the process has open, as /proc shows it (a deleted temporary file ends in ' (deleted)')."""
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:  # closed meanwhile
            pass
    return targets


@pytest.fixture
def site(start_server, tmp_path):
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    (tmp_path / "site" / "tmp").mkdir(parents=True)
    (tmp_path / "site" / "tmp" / "left-by-a-crash").write_bytes(b"spooled before a power cut")
    return start_site(start_server, tmp_path / "site", env={"TMPDIR": str(tmpdir), **LIMITS})


def test_an_upload_spools_in_the_data_folder_and_never_in_tmpdir(site, tmp_path):
    assert not list((site.data_dir / "tmp").iterdir()), "the start removes what a killed server left"
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    data = MP4_HEAD + os.urandom(MIB + MIB // 2)
    upload = RawUpload(site, anna, lesson_id, data)
    upload.send(upload.head + upload.body[:MIB])  # past waitress's 512 KiB in memory: it spools now
    deadline, spools = time.monotonic() + 15, []
    while not spools and time.monotonic() < deadline:
        spools = [t for t in open_files(site.server.proc.pid) if t.startswith(str(site.data_dir / "tmp") + "/")]
        time.sleep(0.05)
    strays = [t for t in open_files(site.server.proc.pid) if t.startswith(str(tmp_path / "tmpdir"))]
    upload.send(upload.body[MIB:])
    status, text = upload.reply()
    assert status == 303, text
    assert spools and not strays, (spools, strays)
    assert not list((tmp_path / "tmpdir").iterdir())
    assert (site.data_dir / object_relpath(hashlib.sha256(data).hexdigest())).is_file()


def test_a_body_over_every_upload_limit_gets_the_apps_own_413_page_and_leaves_nothing(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    upload = RawUpload(site, anna, lesson_id, MP4_HEAD, pad_to=LARGEST_BODY + MIB)
    upload.send(upload.head + upload.body)  # waitress takes the whole body (spooled in tmp/), then the app refuses
    status, text = upload.reply()
    assert status == 413 and "This upload is too large" in text, text
    assert not list((site.data_dir / "staging").glob("upload-*"))


def spooled_bytes(pid: int, folder) -> int:
    """Bytes the server holds in `folder`: its open files there (deleted or not) and any file left in it."""
    sizes = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(folder) + "/"):
                sizes[f"fd{fd}"] = os.stat(f"/proc/{pid}/fd/{fd}").st_size
        except FileNotFoundError:  # closed meanwhile
            pass
    sizes.update({p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()})
    return sum(sizes.values())


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.parametrize("cookie", ["", "Cookie: session=eyJfdXNlcl9pZCI6IjEifQ.forged.signature\r\n"])
def test_a_big_anonymous_body_is_thrown_away_unstored_and_gets_a_readable_413(site, framing, cookie):
    """Two such posts of 899 MiB to /auth/login put 1.8 GB in DATA/tmp (issue 15); now nothing is kept."""
    pid, folder, size = site.server.proc.pid, site.data_dir / "tmp", 48 * MIB
    host, port = site.url.removeprefix("http://").split(":")
    framing_header = f"Content-Length: {size}" if framing == "content-length" else "Transfer-Encoding: chunked"
    most = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /auth/login HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\n{cookie}"
                f"Content-Type: application/x-www-form-urlencoded\r\n{framing_header}\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        piece = b"username=" + bytes(MIB - 9)
        for _ in range(size // MIB):
            sock.sendall(piece if framing == "content-length" else b"%x\r\n%s\r\n" % (len(piece), piece))
            most = max(most, spooled_bytes(pid, folder))
        if framing == "chunked":
            sock.sendall(b"0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert most < MIB, f"{most} bytes of an anonymous body were kept in {folder}"
    head, _, page = answer.partition(b"\r\n\r\n")
    assert head.split()[1] == b"413", head
    assert b"Nothing was saved" in page and b"log in" in page and b"<html" in page
    assert site.client("anna").get("/teach/").status == 200, "logging in still works"
