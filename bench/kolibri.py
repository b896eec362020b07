"""Reading and planning a generated Kolibri channel of 20,000 resources (topics 5 levels deep, small media).

python -m bench.kolibri [--resources N] [--repeat R]

The channel is built once with Kolibri's own schema 7 by tests/kolibri_maker.py and cached. Each figure is the
median of R runs in a fresh child process (so its peak RSS and CPU seconds are its own; CPU seconds are the
steadier figure on a shared machine): reading the tree (`nodes()`), planning
(tree + every file looked at + every app zip and exercise opened), planning with `--verify` (every file
hashed against its md5 name), and the whole import into a fresh data folder (plan, every file verified and
stored by sha256, the tree object, the library installed).
`index` builds the channel's search index after the import; `pages` renders (page cache cleared before each)
200 leaf topic pages, 100 resource pages of each kind and 100 starter lessons, and runs 7 searches.
Issue 17's target: the import of this channel (metadata and index) in ≤ 5 minutes; topic pages as fast as lessons.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from bench.cache import cached_folder, digest  # noqa: E402

CHANNEL_FORM = 2  # raise when build_channel() changes what it writes, so the cached channel is built anew
FANOUT = 4  # 4 ** 5 = 1,024 topics at the fifth level hold the resources
DEPTH = 5
KINDS = ("video",) * 8 + ("document",) * 5 + ("audio",) * 2 + ("html5",) * 2 + ("exercise",) * 3
RADIO = {"type": "radio", "options": {"choices": [{"content": "4", "correct": True}, {"content": "5"}]}}
ASSESSMENT = {"number_of_assessments": 2, "mastery_model": '{"type": "m_of_n", "m": 2, "n": 3}', "randomize": True}
CHILD = """
import json, resource, sys, time
from pathlib import Path
from contentserver.kolibri.channel import channel_databases, open_channel
from contentserver.kolibri.plan import plan_import
from contentserver.kolibri.summary import summarize
root, what = Path(sys.argv[1]), sys.argv[2]
if what == "import":
    import tempfile
    from contentserver import create_app
    from contentserver.kolibri.install import install_export
    from contentserver.library.importer import ImportLimits
    data = tempfile.TemporaryDirectory()
    app = create_app({"DATA_DIR": data.name, "STARTER_LIBRARY": "", "TESTING": True})
if what in ("index", "pages"):
    import tempfile
    from contentserver import create_app
    from contentserver.channels.exercises import exercise_text
    from contentserver.channels.textindex import index_channels
    from contentserver.kolibri.install import install_export
    from contentserver.library.importer import ImportLimits, import_library
    data = tempfile.TemporaryDirectory()
    app = create_app({"DATA_DIR": data.name, "STARTER_LIBRARY": "", "TESTING": True, "LIBRARY_CHECK_SECONDS": 3600})
    with app.app_context():
        install_export(root, app.extensions["object_store"], ImportLimits.from_config(app.config))
        import_library(Path("content"), app.extensions["object_store"], ImportLimits.from_config(app.config))
    if what == "pages":
        with app.app_context():
            index_channels(data.name, app.extensions["object_store"], exercise_text)
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu_before = usage.ru_utime + usage.ru_stime
started = time.perf_counter()
if what == "index":
    with app.app_context():
        built = index_channels(data.name, app.extensions["object_store"], exercise_text)
    result = {"indexed_channels": built}
elif what == "pages":
    import statistics
    from contentserver.channels.catalog import list_channels, load_tree
    client, cache = app.test_client(), app.extensions["page_cache"]
    with app.app_context():
        (channel,) = list_channels(app.extensions["object_store"])
        tree = load_tree(app.extensions["object_store"], channel)
        from contentserver.db import db
        from sqlalchemy import text
        lessons = [row[0] for row in db.session.execute(text("SELECT id FROM lessons"))]
    leaves = [n for n in tree.nodes.values() if n.is_topic and n.children and not n.children[0].is_topic][:200]
    kinds = {}
    for node in tree.resources():
        kinds.setdefault(node.kind, []).append(node)
    def timed(urls):
        took = []
        for url in urls:
            cache.clear()  # each page rendered, not replayed
            t = time.perf_counter()
            answer = client.get(url, headers={"Accept-Language": "en"})
            took.append((time.perf_counter() - t) * 1000)
            assert answer.status_code == 200, (url, answer.status_code)
        return round(statistics.median(took), 2), max(len(client.get(urls[0]).data) for _ in [0])
    base = f"/channels/{channel.id}/"
    result = {"topic_ms_bytes": timed([base + n.id for n in leaves])}
    for kind, nodes in sorted(kinds.items()):
        result[f"{kind}_ms_bytes"] = timed([base + n.id for n in nodes[:100]])
    result["lesson_ms_bytes"] = timed([f"/lessons/{i}" for i in lessons][:100])
    words = ["resource", "ресурс", "description", "topic", "1234", "ресурсы", "app"]
    result["search_ms"] = timed([f"/search?q={w}&source=channels" for w in words])[0]
    result["search_all_ms"] = timed([f"/search?q={w}" for w in words])[0]
elif what == "import":
    with app.app_context():
        ((summary, done),) = install_export(root, app.extensions["object_store"], ImportLimits.from_config(app.config))
    result = {"library": done.library_id, "resources": summary.resources}
elif what == "read":
    with open_channel(channel_databases(root)[0]) as channel:
        count = sum(1 for _ in channel.nodes())
    result = {"nodes": count}
else:
    (plan,) = plan_import(root, verify=what == "verify")
    summary = summarize(plan)
    result = {"resources": summary.resources, "skipped": len(plan.skipped), "files": summary.files}
result["seconds"] = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
result["cpu"] = usage.ru_utime + usage.ru_stime - cpu_before
result["rss_mib"] = usage.ru_maxrss / 1024
print(json.dumps(result))
"""


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def build_channel(root: Path, resources: int) -> None:
    from kolibri_maker import ChannelBuilder
    from libmaker import png_bytes

    builder = ChannelBuilder(root, version="7", name="Bench channel", channel_id="b" * 32)
    level = [builder.root_id]
    for depth in range(1, DEPTH + 1):
        level = [builder.topic(f"Topic {depth}.{i}", parent) for i, parent in enumerate(level) for _ in range(FANOUT)]
    for i in range(resources):
        kind, topic = KINDS[i % len(KINDS)], level[i % len(level)]
        title = f"Resource {i} — ресурс {i} — ресурс {i}"
        unique = f"{i}".encode()
        if kind == "video":
            files = [
                ("low_res_video", "mp4", b"low video " + unique),
                ("high_res_video", "mp4", b"high video " + unique),
                ("video_subtitle", "vtt", b"WEBVTT\n\n" + unique, "kk"),
                ("video_thumbnail", "png", png_bytes(160, 90, (i % 256, i // 256 % 256, 7))),  # topic lists show it
            ]
        elif kind == "document":
            files = [("document", "pdf", b"%PDF-1.4 " + unique)]
        elif kind == "audio":
            files = [("audio", "mp3", b"ID3 " + unique)]
        elif kind == "html5":
            files = [("html5_zip", "zip", _zip({"index.html": f"<p>app {i}</p>", "app.js": "1"}))]
        else:
            item = json.dumps({"question": {"content": f"{i}? [[☃ radio 1]]", "widgets": {"radio 1": RADIO}}})
            files = [("exercise", "perseus", _zip({f"q{i}a.json": item, f"q{i}b.json": item}))]
        assessment = {**ASSESSMENT, "assessment_item_ids": json.dumps([f"q{i}a", f"q{i}b"])}
        builder.resource(
            kind,
            title,
            topic,
            files=files,
            description=f"Description of resource {i}",
            author="Bench",
            assessment=assessment if kind == "exercise" else None,
        )
    builder.write()


def _run(root: Path, what: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), what], capture_output=True, text=True, cwd=REPO, timeout=900
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.kolibri", description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    maker = (REPO / "tests" / "kolibri_maker.py").read_bytes()
    inputs = digest(str(CHANNEL_FORM), str(FANOUT), str(DEPTH), repr(KINDS), maker)
    name = f"kolibri-{args.resources}-{inputs}"
    root = cached_folder(name, lambda tmp: build_channel(tmp, args.resources))
    built = time.perf_counter() - started
    figures: dict = {"resources": args.resources, "topics_depth": DEPTH, "cache_s": round(built, 1)}
    print(f"channel: {args.resources} resources, topics {DEPTH} levels deep ({FANOUT} ** {DEPTH} leaf topics)")
    print(f"{'step':<10} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>7} {'peak RSS MiB':>13}  result")
    for what in ("read", "plan", "verify", "import", "index", "pages"):
        runs = [_run(root, what) for _ in range(1 if what == "pages" else args.repeat)]
        seconds = [r["seconds"] for r in runs]
        rss = max(r["rss_mib"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        detail = {k: v for k, v in runs[0].items() if k not in ("seconds", "cpu", "rss_mib")}
        middle = statistics.median(seconds)
        print(f"{what:<10} {middle:>9.2f} {min(seconds):>7.2f} {max(seconds):>7.2f} {cpu:>7.2f} {rss:>13.0f}  {detail}")
        figures[what] = {"median_s": round(middle, 3), "cpu_s": round(cpu, 3), "peak_rss_mib": round(rss), **detail}
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
