"""Smaller copies of big lesson images, made once at import, so a phone on slow Wi-Fi never fetches megabytes.

A variant is an ordinary object in the store (named by its own sha256) recorded in `image_variants` against
the original; lesson pages show the variant, the original stays downloadable. Made inside the import's
transaction, so the rows appear together with the lessons that use them.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable

from sqlalchemy import select

from ..db import db
from ..models import ImageVariant
from .objects import ObjectStore

MAX_WIDTH = 960  # the page is at most 46rem wide; 960 px is sharp on a 2x phone screen
MAX_BYTES = 150 * 1024  # smaller images are shown as they are, whatever their size in pixels
MAX_PIXELS = 60_000_000  # bigger images are refused by Pillow's bomb check and left without a variant
FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "image/jpeg": ("JPEG", {"quality": 80, "progressive": True, "optimize": True}),
    "image/png": ("PNG", {"optimize": True}),
    "image/webp": ("WEBP", {"quality": 80}),
}  # GIFs may be animated: left as they are


def _shrink(data: io.BufferedReader, media_type: str) -> tuple[bytes, int, int] | None:
    """The image at most MAX_WIDTH wide in its own format, or None when it is not worth it or unreadable."""
    from PIL import Image, ImageOps  # only an import that brings big images needs Pillow: serving never does

    kind, options = FORMATS[media_type]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(data) as image:
                if image.format != kind or image.width <= MAX_WIDTH:
                    return None
                image.draft("RGB", (MAX_WIDTH, MAX_WIDTH * image.height // image.width))  # JPEG: decode small
                small = ImageOps.exif_transpose(image)
                small.thumbnail((MAX_WIDTH, MAX_WIDTH * 8), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                small.save(out, kind, **options)
                return out.getvalue(), small.width, small.height
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            return None


def make_variants(store: ObjectStore, images: Iterable[tuple[str, str, int]]) -> None:
    """For each (sha256, media type, size) of an image too big for a phone, store a smaller copy once."""
    wanted = {sha: (media_type, size) for sha, media_type, size in images if media_type in FORMATS and size > MAX_BYTES}
    if not wanted:
        return
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    done = set(db.session.scalars(select(ImageVariant.sha256).where(ImageVariant.sha256.in_(list(wanted)))))
    for sha, (media_type, size) in wanted.items():
        if sha in done:
            continue
        with open(store.path(sha), "rb") as stream:
            shrunk = _shrink(stream, media_type)
        if shrunk is None or len(shrunk[0]) >= size:
            continue
        data, width, height = shrunk
        db.session.add(ImageVariant(sha256=sha, variant_sha256=store.put_bytes(data), width=width, height=height))
        done.add(sha)


def variants_of(shas: Iterable[str]) -> dict[str, ImageVariant]:
    """The variant rows of these original objects."""
    shas = list(shas)
    if not shas:
        return {}
    return {v.sha256: v for v in db.session.scalars(select(ImageVariant).where(ImageVariant.sha256.in_(shas)))}


def original_of(variant_sha256: str) -> str | None:
    """The original object a variant was made from (to serve the variant only while its original is visible)."""
    return db.session.scalar(select(ImageVariant.sha256).where(ImageVariant.variant_sha256 == variant_sha256).limit(1))
