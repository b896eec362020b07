"""A channel's storage files and html5 app zips: verified before use, nothing outside the channel, no bombs."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
from pathlib import Path

import pytest
from kolibri_maker import md5, storage_path

from contentserver.kolibri.appzip import MAX_ENTRIES, MemberNotFound, check_zip, read_member
from contentserver.kolibri.errors import ChannelError
from contentserver.kolibri.storage import ChannelStorage, MissingFile, NotEnoughSpace, require_space


def _stored(root: Path, data: bytes, extension: str = "mp4", name: str | None = None) -> str:
    checksum = name or md5(data)
    path = storage_path(root, checksum, extension)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return checksum


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def test_a_good_file_is_verified_and_named_for_the_object_store(tmp_path):
    data = b"a small video" * 1000
    checksum = _stored(tmp_path, data)
    verified = ChannelStorage(tmp_path).verify(checksum, "mp4")
    assert verified.size == len(data) and verified.sha256 == hashlib.sha256(data).hexdigest()
    assert verified.path == storage_path(tmp_path, checksum, "mp4")


def test_a_file_whose_md5_does_not_match_its_name_is_refused_after_reading(tmp_path):
    checksum = _stored(tmp_path, b"swapped content", name=md5(b"original content"))
    storage = ChannelStorage(tmp_path)
    with pytest.raises(ChannelError, match="does not match its md5 name"):
        storage.verify(checksum, "mp4")
    read = storage.chunks(checksum, "mp4")
    assert next(read) == b"swapped content"  # handed out, but the end of the read refuses it
    with pytest.raises(ChannelError, match=f"content/storage/{checksum[0]}/{checksum[1]}/{checksum}.mp4"):
        next(read)


def test_a_missing_file_is_reported_as_missing(tmp_path):
    storage = ChannelStorage(tmp_path)
    with pytest.raises(MissingFile, match="is missing from the drive"):
        storage.locate(md5(b"never written"), "pdf")
    _stored(tmp_path, b"other")
    with pytest.raises(MissingFile):
        storage.verify(md5(b"never written"), "pdf")


@pytest.mark.parametrize(
    ("checksum", "extension"),
    [
        ("../../../../etc/passwd", "mp4"),
        ("0123456789abcdef0123456789abcdef", "../../x"),
        ("0123456789abcdef0123456789abcdef", "mp4/.."),
        ("0123456789ABCDEF0123456789ABCDEF", "mp4"),
        ("", "mp4"),
        ("0123456789abcdef0123456789abcdef", ""),
    ],
)
def test_names_from_the_database_that_could_leave_storage_are_refused(tmp_path, checksum, extension):
    with pytest.raises(ChannelError, match="is not an md5|is not a plain extension"):
        ChannelStorage(tmp_path).locate(checksum, extension)


def test_symlinks_in_storage_are_never_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"outside the channel")
    checksum = md5(secret.read_bytes())
    link = storage_path(tmp_path / "one", checksum, "txt")
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    with pytest.raises(ChannelError, match="is a symbolic link; not followed"):
        ChannelStorage(tmp_path / "one").verify(checksum, "txt")
    real = storage_path(tmp_path / "real", checksum, "txt")
    real.parent.mkdir(parents=True)
    real.write_bytes(secret.read_bytes())
    linked_dir = tmp_path / "two" / "content" / "storage" / checksum[0]
    linked_dir.parent.mkdir(parents=True)
    linked_dir.symlink_to(real.parent.parent)
    with pytest.raises(ChannelError, match=f"content/storage/{checksum[0]} is a symbolic link"):
        ChannelStorage(tmp_path / "two").locate(checksum, "txt")


def test_a_folder_where_a_file_should_be_is_refused(tmp_path):
    checksum = md5(b"x")
    storage_path(tmp_path, checksum, "mp4").mkdir(parents=True)
    with pytest.raises(ChannelError, match="is not a regular file"):
        ChannelStorage(tmp_path).locate(checksum, "mp4")


def test_space_is_refused_before_copying_when_the_disk_cannot_take_it(tmp_path):
    free = os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize
    with pytest.raises(NotEnoughSpace, match="nothing was copied") as caught:
        require_space(free + (10 << 30), tmp_path)
    assert caught.value.status == 507
    require_space(1000, tmp_path, reserve=0)


# --- html5 app zips ----------------------------------------------------------------------------------------


def test_an_app_is_served_from_its_zip_member_by_member(tmp_path):
    app = _zip(tmp_path / "app.zip", {"index.html": b"<h1>app</h1>", "js/app.js": b"1+1", "css/a.css": b"p{}"})
    checked = check_zip(app)
    assert checked.has_index and checked.entries == 3 and checked.unpacked == 18
    assert read_member(app, "") == (b"<h1>app</h1>", "text/html")
    assert read_member(app, "/js/app.js") == (b"1+1", "text/javascript")
    assert read_member(app, "css/a.css")[1] == "text/css"
    with pytest.raises(MemberNotFound) as caught:
        read_member(app, "missing.png")
    assert caught.value.status == 404
    for bad in ("../app.zip", "js/../../x", "C:/windows", "a\\b"):
        with pytest.raises(MemberNotFound):
            read_member(app, bad)
    assert not any(p.name != "app.zip" for p in tmp_path.iterdir())  # nothing unpacked


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.js", "climbs out of the archive"),
        ("js/../../evil.js", "climbs out of the archive"),
        ("..\\evil.js", "climbs out of the archive"),
        ("/etc/cron.d/evil", "is an absolute path"),
        ("C:/Windows/evil.dll", "is an absolute path"),
    ],
)
def test_an_app_with_an_entry_that_climbs_out_is_refused(tmp_path, name, reason):
    app = _zip(tmp_path / "app.zip", {"index.html": b"ok", name: b"evil"})
    with pytest.raises(ChannelError, match=reason):
        check_zip(app)


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path):
    app = _zip(tmp_path / "bomb.zip", {"index.html": b"ok", "zeros.bin": bytes(8 << 20)})
    assert app.stat().st_size < 64 << 10
    with pytest.raises(ChannelError, match="a zip bomb"):
        check_zip(app)


def test_a_member_whose_header_declares_a_huge_size_is_refused(tmp_path):
    app = _zip(tmp_path / "liar.zip", {"index.html": b"ok", "big.bin": b"0123456789"}, zipfile.ZIP_STORED)
    raw = bytearray(app.read_bytes())
    directory = raw.rfind(b"PK\x01\x02")  # the central directory entry of the last member
    struct.pack_into("<I", raw, directory + 24, 600 << 20)
    app.write_bytes(bytes(raw))
    with pytest.raises(ChannelError, match="unpacks to 629145600 bytes"):
        check_zip(app)


@pytest.mark.slow
def test_a_zip_of_100000_entries_is_refused(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(100_000):
            archive.writestr(f"f{i}.txt", b"")
    with pytest.raises(ChannelError, match=f"has 100000 entries; at most {MAX_ENTRIES}"):
        check_zip(path)


def test_a_zip_whose_end_record_declares_too_many_entries_is_refused_before_parsing(tmp_path):
    path = _zip(tmp_path / "app.zip", {"index.html": b"ok"})
    raw = bytearray(path.read_bytes())
    end = raw.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", raw, end + 8, 60_000, 60_000)
    path.write_bytes(bytes(raw))
    with pytest.raises(ChannelError, match="has 60000 entries"):
        check_zip(path)


def test_not_a_zip_and_a_damaged_member_are_refused_clearly(tmp_path):
    (tmp_path / "text.zip").write_bytes(b"plain text, not a zip" * 10)
    with pytest.raises(ChannelError, match="is not a zip archive"):
        check_zip(tmp_path / "text.zip")
    app = _zip(tmp_path / "app.zip", {"index.html": b"hello world " * 10}, zipfile.ZIP_STORED)
    raw = app.read_bytes().replace(b"hello world", b"HELLO world", 1)
    app.write_bytes(raw)
    check_zip(app)
    with pytest.raises(ChannelError, match="cannot be read"):
        read_member(app, "index.html")


def test_a_symlink_entry_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16) | 0
        archive.writestr(info, "/etc/passwd")
    (tmp_path / "link.zip").write_bytes(buffer.getvalue())
    with pytest.raises(ChannelError, match="is a symbolic link"):
        check_zip(tmp_path / "link.zip")


def test_a_folder_swapped_for_a_symlink_after_planning_is_refused_when_verifying(tmp_path):
    data = b"first seen as a real folder"
    checksum = _stored(tmp_path / "stick", data)
    storage = ChannelStorage(tmp_path / "stick")
    storage.locate(checksum, "mp4")  # the a/b folders are now known to be real folders
    elsewhere = tmp_path / "elsewhere"
    real_b = storage_path(tmp_path / "stick", checksum, "mp4").parent
    real_b.rename(elsewhere)
    real_b.symlink_to(elsewhere)
    with pytest.raises(ChannelError, match=f"content/storage/{checksum[0]}/{checksum[1]} is a symbolic link"):
        storage.verify(checksum, "mp4")
