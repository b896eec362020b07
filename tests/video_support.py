"""Real video files for the video tests, made with Debian's ffmpeg from its test sources, and hostile ones made
from them by editing their boxes (a picture size or a duration no camera writes)."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path


def make_clip(
    out: Path,
    width: int = 1280,
    height: int = 720,
    seconds: float = 4,
    fps: int = 25,
    codec: str = "libx264",
    bitrate: str = "8M",
) -> bytes:
    """testsrc2 and a sine tone; moov at the front (faststart), as a phone's upload after a share usually is."""
    if not out.exists():
        command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
        command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds)]
        command += ["-c:v", codec, "-pix_fmt", "yuv420p"]
        command += ["-preset", "ultrafast", "-b:v", bitrate] if codec == "libx264" else ["-q:v", "5"]
        command += ["-c:a", "aac", "-shortest", "-movflags", "+faststart", str(out)]
        subprocess.run(command, check=True)
    return out.read_bytes()


def _box(data: bytearray, name: bytes) -> int:
    """Where a box's type is (its payload starts 4 bytes later)."""
    at = data.find(name)
    assert at > 0, name
    return at


def absurd_picture(mjpeg_mp4: bytes, width: int, height: int) -> bytes:
    """An MJPEG MP4 whose frames and boxes all claim `width`×`height`: a decompression bomb's shape."""
    data = bytearray(mjpeg_mp4)
    at = 0
    while (at := data.find(b"\xff\xc0\x00\x11\x08", at)) >= 0:  # each JPEG's SOF0: height, then width
        struct.pack_into(">HH", data, at + 5, height, width)
        at += 5
    struct.pack_into(">HH", data, _box(data, b"mp4v") + 4 + 8 + 16, width, height)  # the sample entry
    struct.pack_into(">II", data, _box(data, b"tkhd") + 4 + 24 + 8 + 8 + 36, width << 16, height << 16)
    return bytes(data)


def absurd_duration(mp4: bytes, hours: int) -> bytes:
    """An MP4 whose movie header claims `hours` hours (a small file that says it plays for days)."""
    data = bytearray(mp4)
    mvhd = _box(data, b"mvhd")
    timescale = struct.unpack_from(">I", data, mvhd + 16)[0]
    struct.pack_into(">I", data, mvhd + 20, min(hours * 3600 * timescale, 2**32 - 1))
    return bytes(data)


def moov_first(mp4: bytes) -> bool:
    """faststart: the index (moov) comes before the samples (mdat), so a player starts before the download ends."""
    return 0 < mp4.find(b"moov") < mp4.find(b"mdat")


def probe_streams(path: Path) -> dict[str, str]:
    """codec/profile/size/level of the first video stream and the first audio codec, as ffprobe reads them."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)], check=True, capture_output=True
    ).stdout
    facts: dict[str, str] = {}
    for stream in json.loads(out)["streams"]:
        for key in ("codec_name", "profile", "width", "height", "level"):
            if key in stream:
                facts.setdefault(f"{stream['codec_type']}.{key}", str(stream[key]))
    return facts
