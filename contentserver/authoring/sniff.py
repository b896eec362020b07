"""A file's type decided from its first bytes (magic numbers), never from its name or declared type."""

from __future__ import annotations

HEAD_BYTES = 64


def _is_mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (
        len(head) > 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0
    )


def _is_vtt(head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf")
    return text.startswith(b"WEBVTT") and (len(text) == 6 or text[6:7] in (b" ", b"\t", b"\n", b"\r"))


def sniff_media_type(head: bytes) -> str | None:
    """The media type (one of library.format.MEDIA_TYPES) the bytes show, or None if none fits."""
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm" if b"webm" in head[:HEAD_BYTES] else None
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if _is_vtt(head):
        return "text/vtt"
    if _is_mp3(head):
        return "audio/mpeg"
    return None
