"""Upload refusals over real HTTP: wrong type, too large, disk too full, interrupted — nothing half-written."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
from conftest import pdf_bytes, png_bytes, sha
from teach_http import RawUpload, create_lesson, multipart, start_site

from contentserver.authoring.uploads import SpoolFile, store_upload
from contentserver.library.format import object_relpath

PNG_HEAD = b"\x89PNG\r\n\x1a\n"
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def stored_files(data_dir: Path) -> set[str]:
    """Every file under objects/ and staging/ (the object store's two folders)."""
    return {
        str(p.relative_to(data_dir))
        for folder in ("objects", "staging")
        for p in (data_dir / folder).rglob("*")
        if p.is_file()
    }


def upload(client, lesson_id: str, name: str, data: bytes):
    client.get(f"/teach/lessons/{lesson_id}")
    return client.post(f"/teach/lessons/{lesson_id}/files", files={"file": (name, data)})


@pytest.fixture
def site(start_server, tmp_path):
    env = {
        "CONTENTSERVER_UPLOAD_MAX_IMAGE_BYTES": "4000",
        "CONTENTSERVER_UPLOAD_MAX_VIDEO_BYTES": "300000",
        "CONTENTSERVER_UPLOAD_MAX_AUDIO_BYTES": "300000",
        "CONTENTSERVER_UPLOAD_MAX_PDF_BYTES": "300000",
    }
    return start_site(start_server, tmp_path / "site", env=env)


def test_a_file_that_is_no_accepted_type_gets_422_whatever_its_name(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    before = stored_files(site.data_dir)
    for name, data in [
        ("picture.png", b"<html><script>alert(1)</script></html>"),
        ("setup.pdf", b"MZ\x90\x00"),
        ("empty.mp4", b""),
    ]:
        reply = upload(anna, lesson_id, name, data)
        assert reply.status == 422 and "This kind of file is not accepted" in reply.text, name
    assert stored_files(site.data_dir) == before
    assert "picture.png" not in anna.get(f"/teach/lessons/{lesson_id}").text


def test_a_file_named_wrongly_is_stored_as_what_it_is(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    assert upload(anna, lesson_id, "worksheet.png", pdf_bytes()).status == 303
    page = anna.get(f"/teach/lessons/{lesson_id}").text
    assert "worksheet-png.pdf" in page and "application/pdf" in page


def test_an_image_over_the_image_limit_gets_a_friendly_413(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    before = stored_files(site.data_dir)
    reply = upload(anna, lesson_id, "big.png", PNG_HEAD + os.urandom(6000))
    assert reply.status == 413
    assert "File too large" in reply.text and "files of this kind may be at most 4 KB" in reply.text
    assert stored_files(site.data_dir) == before
    assert upload(anna, lesson_id, "video.mp4", MP4_HEAD + os.urandom(6000)).status == 303, "videos may be larger"


def test_a_request_over_every_limit_is_refused_before_it_is_read(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    before = stored_files(site.data_dir)
    reply = upload(anna, lesson_id, "huge.mp4", MP4_HEAD + bytes(2 * 1024 * 1024))
    assert reply.status == 413 and "This upload is too large" in reply.text
    assert stored_files(site.data_dir) == before


def test_an_interrupted_upload_leaves_no_stray_files(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    anna.get(f"/teach/lessons/{lesson_id}")
    before = stored_files(site.data_dir)
    body, content_type = multipart({"csrf_token": anna.token}, {"file": ("cut.mp4", MP4_HEAD + bytes(250_000))})
    cookie = "; ".join(f"{c.name}={c.value}" for c in anna.jar)
    host, port = urllib.parse.urlsplit(site.url).netloc.split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            (
                f"POST /teach/lessons/{lesson_id}/files HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
        )
        sock.sendall(body[: len(body) // 2])
    time.sleep(0.5)
    assert stored_files(site.data_dir) == before
    assert "cut.mp4" not in anna.get(f"/teach/lessons/{lesson_id}").text
    assert upload(anna, lesson_id, "whole.mp4", MP4_HEAD + bytes(1000)).status == 303


def test_an_upload_is_written_once_and_renamed_into_the_store(make_app):
    app = make_app()
    store = app.extensions["object_store"]
    with app.app_context():
        for attempt in ("first", "same again"):
            spool = SpoolFile(store.staging)
            spool.write(png_bytes())
            spooled = spool.path.stat().st_ino
            stored = store_upload(spool, "leaf.png", store, app.config)
            spool.close()
            if attempt == "first":
                assert store.path(stored.sha256).stat().st_ino == spooled  # the spool itself, renamed: no copy
            assert store.read_bytes(stored.sha256) == png_bytes() and list(store.staging.rglob("*")) == []


# --- a disk that is too full: a small tmpfs mounted for the test ----------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MiB tmpfs as the data folder (set up before the server, so it is unmounted after it stops)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill the disk needs root")
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mountpoint)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mountpoint / "data"
    finally:
        subprocess.run(["umount", str(mountpoint)], check=False)
        if os.path.ismount(mountpoint):
            subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def chunked_upload(client, lesson_id: str, name: str, data: bytes) -> tuple[int, str]:
    """POST without a Content-Length (chunked), so no size is known before the bytes arrive; (0, "") if the server
    dropped the connection."""
    client.get(f"/teach/lessons/{lesson_id}")
    body, content_type = multipart({"csrf_token": client.token}, {"file": (name, data)})
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar)
    host, port = urllib.parse.urlsplit(client.base).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(
            (
                f"POST /teach/lessons/{lesson_id}/files HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
                f"Accept-Language: en\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n"
                f"Connection: close\r\n\r\n"
            ).encode()
        )
        answer = b""
        try:
            for start in range(0, len(body), 65536):
                chunk = body[start : start + 65536]
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
            while data_in := sock.recv(65536):
                answer += data_in
        except (ConnectionResetError, BrokenPipeError):
            return 0, ""
    head, _, page = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), page.decode("utf-8", "replace")


@pytest.mark.needs_root
def test_upload_below_the_disk_reserve_is_refused_and_nothing_is_written(small_disk, start_server):
    site = start_site(start_server, small_disk, env={"CONTENTSERVER_DISK_RESERVE_BYTES": str(16 * 2**20)})
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    before = stored_files(site.data_dir)
    reply = upload(anna, lesson_id, "film.mp4", MP4_HEAD + os.urandom(10 * 2**20))
    assert reply.status == 507
    assert "disk is too full" in reply.text and "Nothing was saved" in reply.text
    assert stored_files(site.data_dir) == before
    assert upload(anna, lesson_id, "leaf.png", png_bytes()).status == 303, "small files still fit"


@pytest.mark.needs_root
def test_a_body_the_disk_reserve_has_no_room_for_is_not_spooled_either(small_disk, start_server):
    """waitress's spool in tmp/ keeps DISK_RESERVE_BYTES free too: the body is thrown away as it arrives (it was
    stored there whole before the app's 507), and the teacher still gets the page."""
    site = start_site(start_server, small_disk, env={"CONTENTSERVER_DISK_RESERVE_BYTES": str(16 * 2**20)})
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    upload = RawUpload(site, anna, lesson_id, MP4_HEAD + os.urandom(10 * 2**20))
    free_before = shutil.disk_usage(small_disk).free
    upload.send(upload.head + upload.body[: 6 * 2**20])
    time.sleep(0.5)  # the server has read what it was sent
    spooled = free_before - shutil.disk_usage(small_disk).free
    upload.send(upload.body[6 * 2**20 :])
    status, text = upload.reply()
    assert spooled < 2**20, f"{spooled} bytes spooled past the disk reserve"
    assert status == 507 and "disk is too full" in text and "Nothing was saved" in text


@pytest.mark.needs_root
def test_disk_filling_up_during_an_upload_gives_a_clear_message_and_leaves_nothing(small_disk, start_server):
    site = start_site(start_server, small_disk, env={"CONTENTSERVER_DISK_RESERVE_BYTES": "0"})
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    before = stored_files(site.data_dir)
    free_before = shutil.disk_usage(small_disk).free
    status, page = chunked_upload(anna, lesson_id, "film.mp4", MP4_HEAD + os.urandom(30 * 2**20))
    # waitress spools the body in the data folder (contentserver/serving.py) before the app sees it: the disk fills
    # there, and waitress drops the connection; a body that fits there but not twice gets the app's 507 page
    assert status == 0 or (status == 507 and "disk is too full" in page and "Nothing was saved" in page), page
    assert stored_files(site.data_dir) == before
    assert shutil.disk_usage(small_disk).free >= free_before - 2**20, "the partial spool was freed"
    status, page = chunked_upload(anna, lesson_id, "film.mp4", MP4_HEAD + os.urandom(14 * 2**20))
    assert status == 507 and "disk is too full" in page and "Nothing was saved" in page
    assert stored_files(site.data_dir) == before
    assert shutil.disk_usage(small_disk).free >= free_before - 2**20, "both spools were freed"
    video = MP4_HEAD + os.urandom(9 * 2**20)  # waitress's spool and the app's, renamed into the store: 2 copies
    status, _page = chunked_upload(anna, lesson_id, "video.mp4", video)
    assert status == 303
    assert stored_files(site.data_dir) - before == {object_relpath(sha(video))}
