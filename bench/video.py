"""Video figures (issue 22): transcode speed (× real time) and sizes for a 1080p 3-minute clip made from ffmpeg's
test sources, its quality (SSIM/PSNR), browsing p99 while a transcode runs vs idle, and bytes low-only vs all.

python -m bench video [--seconds 180] [--keep DIR]: the source clip is made once and kept in DIR
(default /tmp/contentserver-bench-video) since making it takes a minute.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .load import ROUNDS, SECONDS, load_tool, median_result, run_load
from .servers import contentserver_command, free_port, serving

SOURCE_KBIT = 13_000  # a modern phone's 1080p30 recording: 180 s at 13 Mbit/s is ~300 MB, as in the issue
MAX_PIXELS = 8192 * 4320


def make_source(out: Path, seconds: int) -> Path:
    """testsrc2 (moving colour bars, a clock and noise-free detail) with a 440 Hz tone, 1080p30."""
    if out.exists():
        return out
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"]
    command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds)]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-b:v", f"{SOURCE_KBIT}k", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-b:a", "128k", "-shortest", str(out) + ".part.mp4"]
    subprocess.run(command, check=True)
    Path(str(out) + ".part.mp4").rename(out)
    return out


def quality(low: Path, source: Path, seconds: float = 20) -> tuple[float, float]:
    """SSIM and PSNR (dB) of the low rendition against the source scaled to the same size, over its first seconds."""
    figures = []
    for metric, pattern in (("ssim", r"All:([0-9.]+)"), ("psnr", r"average:([0-9.inf]+)")):
        graph = f"[1:v]scale=640:360:flags=bicubic[ref];[0:v][ref]{metric}"
        done = subprocess.run(
            ["ffmpeg", "-v", "info", "-t", str(seconds), "-i", str(low), "-t", str(seconds), "-i", str(source)]
            + ["-lavfi", graph, "-f", "null", "-"],
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.findall(pattern, done.stderr)
        figures.append(float(found[-1]) if found else float("nan"))
    return figures[0], figures[1]


def transcode(source: Path, out_dir: Path, processes: list | None = None) -> dict:
    """The worker's own steps (probe, poster, low) on the source; wall time and sizes."""
    from contentserver.video import transcode as steps
    from contentserver.video.probe import probe

    info = probe(source, MAX_PIXELS, 4 * 3600)
    low, poster = out_dir / "low.mp4", out_dir / "poster.jpg"
    started, cpu_before = time.monotonic(), _children_cpu()
    steps.make_poster(source, poster, info, MAX_PIXELS)
    steps.make_low(source, low, info, MAX_PIXELS, lambda fraction: None, processes)
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu_before
    return {
        "duration_s": info.duration,
        "wall_s": wall,
        "speed_x_realtime": info.duration / wall,
        # the machine is shared and ffmpeg runs at SCHED_IDLE, so wall time says how busy the others were;
        # CPU time says what one free core would do
        "cpu_s": cpu,
        "speed_x_realtime_per_free_core": info.duration / cpu if cpu else float("nan"),
        "source_bytes": source.stat().st_size,
        "low_bytes": low.stat().st_size,
        "poster_bytes": poster.stat().st_size,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def browsing_during_transcode(source: Path, work: Path) -> dict:
    """Lesson pages under wrk load (the starter library on run.py), idle rounds then rounds while the transcode
    runs (the same low-priority ffmpeg the worker starts), alternated; p99 medians."""
    port = free_port()
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    paths = ["/", "/subjects/science", "/lessons/sci-day-night-kk", "/lessons/geo-balkhash-kk", "/grades/5"]
    idle, busy = [], []
    with serving("contentserver", contentserver_command(data, port), port) as server:
        run_load(server.base_url, paths, 2)  # warm the page cache
        for _ in range(ROUNDS):
            idle.append(run_load(server.base_url, paths))
        processes: list = []
        thread = threading.Thread(target=_quiet_transcode, args=(source, work / "busy", processes), daemon=True)
        thread.start()
        while not processes and thread.is_alive():
            time.sleep(0.1)
        time.sleep(2)  # past the probe and poster: the long x264 run
        for _ in range(ROUNDS):
            busy.append(run_load(server.base_url, paths))
        for child in list(processes):
            child.kill()
        thread.join(60)
        for _ in range(ROUNDS):
            idle.append(run_load(server.base_url, paths))
    quiet, loaded = median_result(idle), median_result(busy)
    return {
        "idle_p99_ms": quiet.p99_ms,
        "transcode_p99_ms": loaded.p99_ms,
        "p99_ratio": loaded.p99_ms / quiet.p99_ms if quiet.p99_ms else float("nan"),
        "idle_rps": quiet.rps,
        "transcode_rps": loaded.rps,
        "idle_p50_ms": quiet.p50_ms,
        "transcode_p50_ms": loaded.p50_ms,
    }


def _quiet_transcode(source: Path, out_dir: Path, processes: list) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        transcode(source, out_dir, processes)
    except Exception:  # killed on purpose when the loaded rounds are done
        pass


def clip_arguments(prog: str, doc: str, argv: list[str] | None) -> tuple[argparse.Namespace, Path]:
    """--seconds and --keep, and the source clip kept there (made on the first run): shared by the video benches."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=180, help="length of the 1080p test clip (default 180)")
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "contentserver-bench-video")
    args = parser.parse_args(argv)
    args.keep.mkdir(parents=True, exist_ok=True)
    return args, make_source(args.keep / f"source-1080p-{args.seconds}s.mp4", args.seconds)


def main(argv: list[str] | None = None) -> dict:
    started = time.monotonic()
    _args, source = clip_arguments("python -m bench video", __doc__ or "", argv)
    print(f"source: {source.stat().st_size / 1e6:.0f} MB, made in {time.monotonic() - started:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-video-") as tmp:
        work = Path(tmp)
        alone = transcode(source, work)
        ssim, psnr = quality(work / "low.mp4", source)
        browsing = browsing_during_transcode(source, work)
    low_only = alone["low_bytes"] + alone["poster_bytes"]
    everything = low_only + alone["source_bytes"]
    figures = {
        **alone,
        "ssim": ssim,
        "psnr_db": psnr,
        **browsing,
        "pull_low_only_bytes": low_only,
        "pull_all_bytes": everything,
        "load_tool": load_tool(),
        "rounds": ROUNDS,
        "round_seconds": SECONDS,
    }
    print(
        f"transcode: {alone['duration_s']:.0f} s of 1080p in {alone['wall_s']:.0f} s = "
        f"{alone['speed_x_realtime']:.2f}× real time (one thread, SCHED_IDLE on a shared machine); "
        f"{alone['cpu_s']:.0f} CPU s = {alone['speed_x_realtime_per_free_core']:.2f}× real time on a free core"
    )
    print(
        f"sizes: source {alone['source_bytes'] / 1e6:.1f} MB → low {alone['low_bytes'] / 1e6:.1f} MB "
        f"+ poster {alone['poster_bytes'] / 1e3:.0f} KB; SSIM {ssim:.4f}, PSNR {psnr:.1f} dB (first 20 s)"
    )
    print(
        f"browsing p99: idle {browsing['idle_p99_ms']:.1f} ms, during a transcode "
        f"{browsing['transcode_p99_ms']:.1f} ms ({browsing['p99_ratio']:.2f}×); "
        f"rps {browsing['idle_rps']:.0f} vs {browsing['transcode_rps']:.0f} ({load_tool()}, median of {ROUNDS})"
    )
    print(
        f"objects a school keeps: low only {low_only / 1e6:.1f} MB, all renditions {everything / 1e6:.1f} MB "
        "(a real pull on the wire: python -m bench video_pull)"
    )
    return figures


if __name__ == "__main__":
    main()
