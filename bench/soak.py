"""`make soak`: a school's day compressed, with power cuts; invariants checked throughout and at the end.

Students browse and search, a teacher writes, edits, uploads and shares lessons, the sync job pulls from a hub
(nginx over a published folder, pushes proxied to a contentserver in hub mode) and pushes back every few minutes,
and the school's server and the sync job are killed with SIGKILL at random moments. Checked: no 5xx except while
the server restarts, no teacher edit that was answered "saved" is lost, the installed library is always a version
the hub published, and the server's RSS stays flat. Not in CI (it runs for 30 minutes); figures in
docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .servers import HOST, REPO, contentserver_command, free_port, get, rss_kib, serving
from .teach import PASSWORD, Session

CLI = [str(Path(sys.executable).parent / "contentserver")]
NGINX = """daemon off; master_process on; worker_processes 1; user root; pid {run}/nginx.pid;
error_log {run}/error.log warn; events {{ worker_connections 64; }}
http {{ access_log off; client_body_temp_path {run}/body; proxy_temp_path {run}/proxy;
  fastcgi_temp_path {run}/f; uwsgi_temp_path {run}/u; scgi_temp_path {run}/s; client_max_body_size 64m;
  server {{ listen {host}:{port};
    location /hub/push/ {{ proxy_pass http://{host}:{hub_port}; }}
    location /hub/ {{ alias {published}/; }} }} }}
"""
WORDS = ("steppe", "river", "мектеп", "өзен", "школа", "energy", "тау", "вода", "kitap", "dala")


@dataclass
class Record:
    """What the soak saw: answers by status, violations, the teacher's saved words, RSS samples."""

    statuses: dict[int, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    saved: dict[str, str] = field(default_factory=dict)  # edit path -> the word in its last saved version
    rss_mib: list[float] = field(default_factory=list)
    restarts: int = 0
    sync_runs: dict[str, int] = field(default_factory=dict)
    published: set[int] = field(default_factory=set)
    restarting: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, status: int, what: str) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500 and not self.restarting.is_set():
                self.violations.append(f"{status} on {what} while the server was up")


def run(command: list[str], data: Path, stdin: str | None = None) -> str:
    """A `contentserver` verb on a data folder; its output."""
    done = subprocess.run(
        [*command, "--data", str(data)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return done.stdout


def publish(root: Path, hub_data: Path, published: Path, version: int, record: Record) -> None:
    """The starter library with one lesson changed, published as `version` by the hub's key."""
    source = root / f"source-{version}"
    shutil.copytree(REPO / "content", source)
    header = source / "library.toml"
    header.write_text(re.sub(r"(?m)^version = \d+", f"version = {version}", header.read_text("utf-8")), "utf-8")
    lesson = next(path for path in sorted(source.glob("*/lesson.md")))
    lesson.write_text(lesson.read_text("utf-8") + f"\n\nRevision {version}.\n", "utf-8")
    run([*CLI, "publish", str(source), "--out", str(published), "--key", str(hub_data / "keys" / "hub.key")], hub_data)
    record.published.add(version)


def installed_version(school: Path) -> int | None:
    with sqlite3.connect(f"file:{school / 'library.sqlite'}?mode=ro", uri=True, timeout=10) as db:
        row = db.execute("SELECT version FROM installed_library WHERE library_id = 'kz-starter'").fetchone()
    return row[0] if row else None


def student(base: str, lessons: list[str], record: Record, stop: threading.Event) -> None:
    """Pages and searches as fast as one phone clicks."""
    rng = random.Random()
    while not stop.is_set():
        path = rng.choice([*lessons, f"/search?q={urllib.parse.quote(rng.choice(WORDS))}", "/"])
        try:
            status, _ = get(base, path, timeout=20)
        except OSError:
            status = 0  # refused or reset: only while restarting, checked by the 5xx rule's twin below
            if not record.restarting.is_set():
                record.violations.append(f"connection failed on {path} while the server was up")
        record.answer(status, path)
        time.sleep(rng.uniform(0.05, 0.3))


def teacher(port: int, record: Record, stop: threading.Event) -> None:
    """New lessons and edits, each with a fresh word; a share now and then."""
    rng, session, lessons = random.Random(), None, []
    while not stop.is_set():
        try:
            if session is None:
                session = Session(port)
                session.send("GET", "/auth/login")
                session.form("/auth/login", {"username": "teacher", "password": PASSWORD})
            word = "soak" + uuid.uuid4().hex[:10]
            fields = {"title": f"Soak {word}", "lang": "en", "script": "Latn", "subject": "science", "grade": "5"}
            fields |= {"tags": "soak", "body": f"The word {word}.", "status": "published", "action": "save"}
            if lessons and rng.random() < 0.7:
                path = rng.choice(lessons)
                session.send("GET", path)
                status, _location, _ = session.form(path, fields)
            else:
                session.send("GET", "/teach/new")
                status, location, _ = session.form("/teach/new", fields)
                path = urllib.parse.urlsplit(location).path
                if status == 303:
                    lessons.append(path)
            record.answer(status, "teacher save")
            if status == 303:
                with record.lock:
                    record.saved[path] = word
            if lessons and rng.random() < 0.2:
                session.send("GET", path)
                session.form(path + "/share", {"share": "1"})
        except (OSError, ValueError):
            session = None  # the server went away mid-request: what was not answered "saved" may be lost
        time.sleep(rng.uniform(1, 3))


def sync_job(school: Path, record: Record, kill_share: float) -> None:
    """`python -m sync pull` then `push`, SIGKILLed at a random moment in a share of runs."""
    for verb in ("pull", "push"):
        proc = subprocess.Popen(
            [sys.executable, "-m", "sync", verb, "--quiet", "--data", str(school)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        killed = random.random() < kill_share
        try:
            proc.wait(timeout=random.uniform(0.2, 3) if killed else 300)
            outcome = f"{verb} exit {proc.returncode}"
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            outcome = f"{verb} killed"
        record.sync_runs[outcome] = record.sync_runs.get(outcome, 0) + 1


def check_library(school: Path, record: Record) -> None:
    version = installed_version(school)
    if version is not None and version not in record.published:
        record.violations.append(f"installed version {version} was never published")


def final_checks(base: str, record: Record) -> None:
    """Every edit answered 'saved' shows its last word; RSS did not grow (last third vs the second)."""
    for path, word in record.saved.items():
        lesson_id = path.rstrip("/").rsplit("/", 1)[-1]
        status, body = get(base, f"/lessons/{lesson_id}", timeout=20)
        if status != 200 or word.encode() not in body:
            record.violations.append(f"lost edit: {path} ({status}) does not show {word}")
    third = len(record.rss_mib) // 3
    if third >= 2:
        middle, last = statistics.median(record.rss_mib[third : 2 * third]), statistics.median(record.rss_mib[-third:])
        if last > middle * 1.25:
            record.violations.append(f"RSS grew: {middle:.1f} -> {last:.1f} MiB")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30, help="how long (default 30)")
    parser.add_argument("--sync-every", type=float, default=120, help="seconds between sync runs (default 120)")
    parser.add_argument("--kill-every", type=float, default=240, help="mean seconds between server kills")
    parser.add_argument("--students", type=int, default=6, help="concurrent student loops (default 6)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        figures = soak(Path(tmp), args)
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    verdict = "PASS" if not figures["violations"] else "FAIL"
    print(
        f"soak {verdict}: {figures['minutes']} min, {sum(figures['statuses'].values())} answers, "
        f"{len(figures['violations'])} violations, {figures['restarts']} server kills"
    )
    return figures


def setup(root: Path, record: Record) -> tuple[Path, Path, Path, str]:
    """(hub data, published folder, school data, hub public key): keys made, the school registered both ways."""
    hub, published, school = root / "hub", root / "published", root / "school"
    hub_key = run([*CLI, "keygen"], hub).split()[-1]
    starter = re.search(r"(?m)^version = (\d+)", (REPO / "content" / "library.toml").read_text("utf-8"))
    record.published.add(int(starter.group(1)))  # the school's first start installs the starter library
    publish(root, hub, published, 2, record)
    school_key = run([*CLI, "keygen", "--name", "school"], school).split()[-1]
    run([*CLI, "school", "add", "Soak school", "--key", school_key], hub)
    run([*CLI, "user", "add", "teacher", "--password-stdin"], school, stdin=PASSWORD + "\n")
    return hub, published, school, hub_key


def soak(root: Path, args: argparse.Namespace) -> dict:
    record, stop = Record(), threading.Event()
    hub, published, school, hub_key = setup(root, record)
    hub_port, front_port, port = free_port(), free_port(), free_port()
    (root / "nginx").mkdir()
    conf = root / "nginx" / "nginx.conf"
    conf.write_text(
        NGINX.format(run=root / "nginx", host=HOST, port=front_port, hub_port=hub_port, published=published)
    )
    front = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(root / "nginx")], stderr=subprocess.DEVNULL)
    run([*CLI, "hub", "add", f"http://{HOST}:{front_port}/hub/", "--key", hub_key], school)
    hub_env = {"CONTENTSERVER_HUB_MODE": "true", "CONTENTSERVER_STARTER_LIBRARY": "", "PATH": "/usr/bin:/bin"}
    started = time.monotonic()
    with serving("hub", contentserver_command(hub, hub_port), hub_port, env=hub_env):
        server = subprocess.Popen(contentserver_command(school, port), cwd=REPO, stdout=subprocess.DEVNULL)
        _wait(f"http://{HOST}:{port}")
        base = f"http://{HOST}:{port}"
        lessons = [f"/lessons/{path.parent.name}" for path in (REPO / "content").glob("*/lesson.md")]
        workers = [threading.Thread(target=student, args=(base, lessons, record, stop)) for _ in range(args.students)]
        workers.append(threading.Thread(target=teacher, args=(port, record, stop)))
        for worker in workers:
            worker.start()
        try:
            server = _drive(root, args, record, school, server, base, hub, published, started)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=30)
        sync_job(school, record, kill_share=0)
        check_library(school, record)
        final_checks(base, record)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    front.send_signal(signal.SIGQUIT)
    front.wait(timeout=10)
    return {
        "minutes": round((time.monotonic() - started) / 60, 1),
        "statuses": record.statuses,
        "restarts": record.restarts,
        "sync_runs": record.sync_runs,
        "edits_saved": len(record.saved),
        "installed_version": installed_version(school),
        "published_versions": sorted(record.published),
        "rss_mib_first_median_last": [
            round(record.rss_mib[0], 1),
            round(statistics.median(record.rss_mib), 1),
            round(record.rss_mib[-1], 1),
        ]
        if record.rss_mib
        else [],
        "violations": record.violations[:50],
    }


def _wait(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get(base, "/", timeout=5)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not come up")


def _drive(root, args, record, school, server, base, hub, published, started) -> subprocess.Popen:
    """The clock: RSS every 10 s, a sync run every --sync-every, a SIGKILL of the server about every --kill-every."""
    next_sync = next_rss = time.monotonic()
    next_kill = time.monotonic() + random.expovariate(1 / args.kill_every)
    version = 2
    while time.monotonic() - started < args.minutes * 60:
        now = time.monotonic()
        if now >= next_rss:
            record.rss_mib.append(rss_kib(server.pid) / 1024)
            next_rss = now + 10
        if now >= next_sync:
            if record.sync_runs.get("pull exit 0", 0) % 2 == 0:  # every other run finds a new version
                version += 1
                publish(root, hub, published, version, record)
            sync_job(school, record, kill_share=0.3)
            check_library(school, record)
            next_sync = time.monotonic() + args.sync_every
        if now >= next_kill:
            record.restarting.set()
            server.send_signal(signal.SIGKILL)
            server.wait()
            record.restarts += 1
            server = subprocess.Popen(
                contentserver_command(school, free_port_for(base)), cwd=REPO, stdout=subprocess.DEVNULL
            )
            _wait(base)
            time.sleep(1)  # answers already in flight when the server died come back as errors meanwhile
            record.restarting.clear()
            record.rss_mib.clear()  # a new process: flatness is measured within the last one's life
            next_kill = time.monotonic() + random.expovariate(1 / args.kill_every)
        time.sleep(0.5)
    return server


def free_port_for(base: str) -> int:
    """The restarted server listens where the students already point."""
    return int(base.rsplit(":", 1)[1])


if __name__ == "__main__":
    main()
