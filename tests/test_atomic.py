"""Files written whole or not at all (library/atomic.py), and the copies that use it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contentserver.library.atomic import atomic_file, atomic_write
from contentserver.library.build import write_library
from contentserver.library.bundle import open_library
from contentserver.library.format import MANIFEST_NAME


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path):
    path = tmp_path / "report.json"
    atomic_write(path, b"old")
    with pytest.raises(OSError, match="stick"), atomic_file(path) as out:
        out.write(b"half of the n")
        raise OSError("the stick was pulled out")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    atomic_write(path, b"new", ".part")
    assert path.read_bytes() == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_build_fsyncs_the_manifest_and_its_folder_before_it_counts(make_library, tmp_path, monkeypatch):
    """manifest.json is written last and marks the folder complete: its bytes and its rename must be on disk."""
    bundle = open_library(make_library(["alpha"]), 1024 * 1024, 100)
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    out = tmp_path / "built"
    write_library(bundle, out)
    assert str(out / (MANIFEST_NAME + ".tmp")) in synced  # the bytes, before the rename
    assert synced[-1] == str(out)  # then the folder, so the rename survives a power cut
    assert (out / MANIFEST_NAME).is_file() and not (out / (MANIFEST_NAME + ".tmp")).exists()
