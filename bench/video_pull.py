"""Bytes a school pulls for one video (issue 22): a hub whose library holds the 3-minute 1080p test clip with its low
copy and poster listed (format 4), served by a real nginx; one school pulls with VIDEO_PULL=low, one with all.

python -m bench video_pull [--seconds 180] [--keep DIR]: the clip and its copies are the ones `python -m bench video`
makes (kept in DIR); wire bytes are nginx's $bytes_sent (headers and bodies) for each school's first pull.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from nacl.signing import SigningKey

from contentserver.library.bundle import LibraryBundle
from contentserver.library.format import AttachmentEntry, LessonEntry, Manifest, ObjectRef, RenditionEntry
from contentserver.library.publish import publish
from contentserver.video.probe import probe

from .sync_wire import LIMITS, CountingNginx, _pull, _school
from .video import MAX_PIXELS, clip_arguments, transcode

BODY = "# Фильм\n\nОсы сабақтың бейнесі: clip.mp4\n".encode()


def _ref(path: Path, sources: dict[str, Path | bytes]) -> tuple[str, int]:
    with open(path, "rb") as stream:
        sha = hashlib.file_digest(stream, "sha256").hexdigest()
    sources[sha] = path
    return sha, path.stat().st_size


def film_library(source: Path, low: Path, poster: Path, root: Path) -> LibraryBundle:
    """One lesson with the clip, its low copy and its poster listed as the hub's worker would (format 4)."""
    sources: dict[str, Path | bytes] = {}
    body = ObjectRef(hashlib.sha256(BODY).hexdigest(), len(BODY))
    sources[body.sha256] = BODY
    small = probe(low, MAX_PIXELS, 4 * 3600)
    renditions = (
        RenditionEntry("low", *_ref(low, sources), "video/mp4", small.width, small.height),
        RenditionEntry("poster", *_ref(poster, sources), "image/jpeg", small.width, small.height),
    )
    video = AttachmentEntry("clip.mp4", *_ref(source, sources), "video/mp4", renditions=renditions)
    lesson = LessonEntry("film", "Фильм", "kk", "Cyrl", "science", 5, ("bench",), body, (video,))
    manifest = Manifest("bench-video", "Bench video", 1, "2026-12-05T00:00:00Z", (lesson,))
    return LibraryBundle(manifest, "", root, sources)


def pulled_bytes(bundle: LibraryBundle, work: Path) -> dict:
    """Publish `bundle`, then a first pull by a "low" school and by an "all" school: wire bytes each."""
    key = SigningKey.generate()
    hub_dir = work / "hub"
    publish(bundle, hub_dir, key, **LIMITS)
    hub = CountingNginx(hub_dir, work / "nginx", rate="")
    figures = {}
    try:
        for choice in ("low", "all"):
            app = _school(work / f"school-{choice}", hub.url, key, VIDEO_PULL=choice)
            before = hub.sent()
            _pull(app)
            figures[f"pull_{choice}_wire_bytes"] = hub.sent() - before
            shutil.rmtree(work / f"school-{choice}", ignore_errors=True)
    finally:
        hub.stop()
    (video,) = bundle.manifest.lessons[0].attachments
    figures["original_bytes"] = video.size
    figures["copies_bytes"] = sum(r.size for r in video.renditions)
    return figures


def main(argv: list[str] | None = None) -> dict:
    args, source = clip_arguments("python -m bench video_pull", __doc__ or "", argv)
    copies = args.keep / f"copies-{args.seconds}s"
    if not (copies / "low.mp4").is_file() or not (copies / "poster.jpg").is_file():
        copies.mkdir(exist_ok=True)
        transcode(source, copies)
    with tempfile.TemporaryDirectory(prefix="bench-video-pull-") as tmp:
        figures = pulled_bytes(film_library(source, copies / "low.mp4", copies / "poster.jpg", Path(tmp)), Path(tmp))
    low, everything = figures["pull_low_wire_bytes"], figures["pull_all_wire_bytes"]
    print(
        f"clip {figures['original_bytes'] / 1e6:.1f} MB, its low copy and poster {figures['copies_bytes'] / 1e6:.2f} MB"
    )
    print(
        f"first pull on the wire: VIDEO_PULL=low {low / 1e6:.2f} MB, all {everything / 1e6:.1f} MB "
        f"(low is {100 * low / everything:.1f} % of all)"
    )
    return figures


if __name__ == "__main__":
    main()
