"""The ffmpeg commands that make a video's low rendition and its poster (the figures behind each choice are in
docs/performance.md "Video")."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from . import runner
from .probe import VideoInfo, VideoRefused

LOW_SIDE = 360  # the short side: a 2016 phone's screen, and what fits the 20 MB push of a 3-minute lesson
CRF = 23  # x264's quality target: SSIM 0.994 / PSNR 41 dB against the source at 360p on the test clips
MAXRATE_KBIT = 700  # the cap: (700 + 64) kbit/s × 180 s = 17 MB at worst for a 3-minute clip
AUDIO_KBIT = 64  # AAC-LC stereo: speech and classroom sound, 1.4 MB for 3 minutes
MAX_FPS = 30  # 60 fps phone clips halve; old phones' decoders are rated for 30
# x264's veryfast: 2.8x the speed of medium for ~10% more bytes at this CRF; on one core a 3-minute 1080p
# lesson converts in a few minutes (bench/video.py)
PRESET = "veryfast"
POSTER_QUALITY = 5  # mjpeg's qscale (2 best … 31): ~15 KB at 640×360


def _even(limit: int, side: str) -> str:
    return f"trunc(min({limit},{side})/2)*2"


def scale_filter(side: int = LOW_SIDE) -> str:
    """The short side at most `side` pixels, never enlarged, both sides even (H.264 4:2:0 needs it)."""
    width = f"if(gte(iw,ih),-2,{_even(side, 'iw')})"
    height = f"if(gte(iw,ih),{_even(side, 'ih')},-2)"
    return f"scale=w='{width}':h='{height}',format=yuv420p"


def original_will_do(info: VideoInfo, size: int) -> bool:
    """An original that old phones play and that is no bigger than the low rendition would be is its own low one."""
    return (
        info.video_codec == "h264"
        and info.pix_fmt == "yuv420p"
        and info.profile in ("Constrained Baseline", "Baseline", "Main")
        and min(info.width, info.height) <= LOW_SIDE
        and info.audio_codec in (None, "aac")
        and "mp4" in info.format_name
        and size * 8 <= (MAXRATE_KBIT + AUDIO_KBIT) * 1000 * info.duration
    )


class Interrupted(Exception):
    """ffmpeg was killed from outside (the OOM killer, an administrator): the job is worth another try."""


def _run(command: list[str], seconds: float, what: str, **kwargs) -> None:
    """Run one ffmpeg and judge it (below); past its time cap it is killed and the job failed."""
    try:
        done = runner.run(command, seconds, **kwargs)
    except runner.Timeout:
        raise VideoRefused("failed", f"{what}: took longer than {seconds:.0f} s") from None
    _check(done, what)


def _check(done: runner.Finished, what: str) -> None:
    """A failed or damaged run as a refusal with its reason; a full disk said as such."""
    if done.returncode < 0:
        raise Interrupted(what)
    if "No space left on device" in done.stderr:
        raise VideoRefused("disk_full")
    if "partial file" in done.stderr:
        raise VideoRefused("truncated")
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise VideoRefused("failed", f"{what}: {last[0][:150]}")


def make_poster(source: Path, out: Path, info: VideoInfo, max_pixels: int) -> None:
    """One JPEG frame a tenth of the way in (past a fade from black), at most 5 s in, sized as the low rendition."""
    at = min(info.duration / 10, 5.0)
    command = ["ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-max_pixels", str(max_pixels)]
    command += ["-ss", f"{at:.3f}", "-i", str(source), "-frames:v", "1", "-an", "-sn"]
    command += ["-vf", scale_filter(), "-c:v", "mjpeg", "-q:v", str(POSTER_QUALITY), "-f", "image2", "-update", "1"]
    command += ["-y", str(out)]
    _run(command, 120.0, "poster")
    if not out.is_file() or out.stat().st_size == 0:
        raise VideoRefused("not_video")


def make_low(
    source: Path,
    out: Path,
    info: VideoInfo,
    max_pixels: int,
    on_progress: Callable[[float], None],
    processes: list[subprocess.Popen] | None = None,
) -> None:
    """The low rendition: H.264 main at ≤ 360p, AAC, faststart (plays while it downloads), one thread."""
    command = ["ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-max_pixels", str(max_pixels)]
    command += ["-i", str(source), "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1"]
    command += ["-vf", scale_filter(), "-filter_threads", "1", "-fpsmax", str(MAX_FPS)]
    command += ["-c:v", "libx264", "-preset", PRESET, "-profile:v", "main", "-level:v", "3.1", "-crf", str(CRF)]
    command += ["-maxrate", f"{MAXRATE_KBIT}k", "-bufsize", f"{2 * MAXRATE_KBIT}k", "-threads", "1"]
    command += ["-c:a", "aac", "-b:a", f"{AUDIO_KBIT}k", "-ac", "2", "-ar", "44100"]
    command += ["-t", f"{info.duration + 1:.3f}", "-movflags", "+faststart", "-f", "mp4"]
    command += ["-progress", "pipe:1", "-nostats", "-y", str(out)]

    def line(text: str) -> None:
        if text.startswith("out_time_us=") and info.duration > 0:
            try:
                on_progress(min(1.0, int(text.split("=", 1)[1]) / 1e6 / info.duration))
            except ValueError:  # "N/A" before the first frame
                pass

    # A cap far above any real run (a free core does 1080p → 360p at ~5× real time), in wall time, and generous
    # because SCHED_IDLE may wait long on a busy box (a fifth of a core at load 20 here): only a stuck ffmpeg ends
    _run(command, 3600.0 + 60 * info.duration, "low", on_line=line, processes=processes)
