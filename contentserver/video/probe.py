"""What a video file really is, asked of ffprobe under caps, and refusals of what must not reach ffmpeg: not a
video, cut short, or a decompression bomb (absurd picture size or duration), before any frame is allocated."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import runner

PROBE_SECONDS = 30.0  # ffprobe reads headers and a few packets: well under a second for a sane file
PICTURE_SIZE_RE = re.compile(r"Picture size (\d+)x(\d+)")
SLACK_BYTES = 64 * 1024  # the container's own boxes, beyond the samples it lists


class VideoRefused(Exception):
    """The file cannot be converted; `code` is one of messages.MESSAGES, `detail` a number or size it names."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    duration: float
    video_codec: str
    pix_fmt: str
    profile: str
    audio_codec: str | None
    bit_rate: int  # of the whole file, bits a second (0 when the container does not say)
    format_name: str


def _number(value: object, default: float = 0.0) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def probe(path: Path, max_pixels: int, max_seconds: float) -> VideoInfo:
    """The video's facts, or VideoRefused. ffprobe decodes at most one frame, refusing one above `max_pixels`
    (its own -max_pixels, so the decoder never allocates it), under a memory and a time cap."""
    command = ["ffprobe", "-v", "error", "-max_pixels", str(max_pixels), "-print_format", "json"]
    command += ["-show_streams", "-show_format", "--", str(path)]
    try:
        done = runner.run(command, PROBE_SECONDS)
    except runner.Timeout:
        raise VideoRefused("not_video") from None
    if match := PICTURE_SIZE_RE.search(done.stderr):
        raise VideoRefused("too_big", f"{match[1]}×{match[2]}")
    try:
        report = json.loads(done.stdout or b"{}")
    except ValueError:
        report = {}
    streams = report.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover(s)), None)
    if done.returncode != 0 or video is None or "format" not in report:
        raise VideoRefused("not_video")
    width, height = int(_number(video.get("width"))), int(_number(video.get("height")))
    if width <= 0 or height <= 0:
        raise VideoRefused("not_video")
    if width * height > max_pixels:
        raise VideoRefused("too_big", f"{width}×{height}")
    fmt = report["format"]
    duration = max([_number(fmt.get("duration"))] + [_number(s.get("duration")) for s in streams])
    if duration > max_seconds:
        raise VideoRefused("too_long", f"{duration / 3600:.1f}")
    if duration <= 0:
        raise VideoRefused("not_video")
    # An MP4 lists every sample's size: when they add up to more than the file holds, its end was cut off.
    listed = sum(_number(s.get("bit_rate")) * _number(s.get("duration")) / 8 for s in streams)
    if listed > path.stat().st_size + SLACK_BYTES:
        raise VideoRefused("truncated")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    return VideoInfo(
        width=width,
        height=height,
        duration=duration,
        video_codec=str(video.get("codec_name", "")),
        pix_fmt=str(video.get("pix_fmt", "")),
        profile=str(video.get("profile", "")),
        audio_codec=str(audio.get("codec_name", "")) if audio else None,
        bit_rate=int(_number(fmt.get("bit_rate"))),
        format_name=str(fmt.get("format_name", "")),
    )


def _is_cover(stream: dict) -> bool:
    """A still picture attached to an audio file (cover art) is not a video."""
    return bool((stream.get("disposition") or {}).get("attached_pic"))
