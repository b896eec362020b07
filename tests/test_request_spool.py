"""run.py's waitress spools request bodies in the data folder, never in TMPDIR."""

from __future__ import annotations

import hashlib
import os
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
