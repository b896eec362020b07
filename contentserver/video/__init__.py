"""Videos made fit for old phones and weak links: probe, a durable queue, a low-priority ffmpeg worker.

docs/video.md says how the parts fit."""
