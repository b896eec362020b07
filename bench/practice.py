"""A class answering at the same moment: 40 devices post a quiz answer together, round after round (issue 21).

python -m bench.practice [--devices 40] [--rounds 10]: run.py with real waitress over a one-lesson library; each
device has its own address (127.0.0.x, as each phone on the box's Wi-Fi), its own progress cookie and answers
question r in round r, all released by one barrier. Reports the latency median and p99, errors, and whether the
results table counted every answer exactly once.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sqlite3
import statistics
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from .servers import HOST, contentserver_command, free_port, serving

QUESTIONS = 10
FORM_RE = re.compile(r'id="quiz-0-(\d+)">\s*<input type="hidden" name="token" value="([^"]+)">')


def _library(root: Path) -> Path:
    lines = ["+++", 'title = "Practice"', 'lang = "en"', 'script = "Latn"', 'subject = "science"', "grade = 5", "+++"]
    lines += ["# Practice", "", "```quiz"]
    for number in range(QUESTIONS):
        lines += [f"? Question {number}", "= Astana", ""]
    lines += ["```", ""]
    (root / "practice").mkdir(parents=True)
    (root / "practice" / "lesson.md").write_text("\n".join(lines), "utf-8")
    (root / "library.toml").write_text(
        'library_id = "bench-practice"\ntitle = "Practice"\nversion = 1\ncreated = "2026-12-01T00:00:00Z"\n', "utf-8"
    )
    return root


def _post(port: int, source: str, token: str, cookie: str, answer: str = "астана") -> tuple[int, float, str]:
    body = urllib.parse.urlencode({"token": token, "answer": answer})
    connection = http.client.HTTPConnection(HOST, port, timeout=30, source_address=(source, 0))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Accept-Language": "en"}
    started = time.perf_counter()
    connection.request("POST", "/practice/answer", body, headers)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    set_cookie = response.getheader("Set-Cookie") or ""
    connection.close()
    return response.status, elapsed, set_cookie.split(";", 1)[0] or cookie


def _round(
    port: int, token: str, cookies: list[str], timings: list[float], statuses: dict[int, int], wrong: int
) -> None:
    """Every device answers the same question, released together by one barrier; the first `wrong` devices type
    a wrong answer of their own (each a new row of the most common wrong answers, up to the cap)."""
    barrier = threading.Barrier(len(cookies))
    lock = threading.Lock()

    def device(index: int) -> None:
        barrier.wait()
        answer = f"Almaty {index}" if index < wrong else "астана"
        status, elapsed, cookie = _post(port, f"127.0.0.{index + 2}", token, cookies[index], answer)
        cookies[index] = cookie
        with lock:
            timings.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=device, args=(i,)) for i in range(len(cookies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.practice", description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=QUESTIONS)
    parser.add_argument("--wrong", type=int, default=0, help="devices that answer wrong (distinct texts)")
    args = parser.parse_args(argv)
    rounds = min(args.rounds, QUESTIONS)
    with tempfile.TemporaryDirectory(prefix="bench-practice-") as tmp:
        library, data = _library(Path(tmp) / "library"), Path(tmp) / "data"
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
        env["CONTENTSERVER_STARTER_LIBRARY"] = str(library)
        with serving("practice", contentserver_command(data, port), port, "/lessons/practice", env=env):
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            connection.request("GET", "/lessons/practice")
            tokens = dict(FORM_RE.findall(connection.getresponse().read().decode()))
            cookies = [""] * args.devices
            timings: list[float] = []
            statuses: dict[int, int] = {}
            for round_number in range(rounds):
                _round(port, tokens[str(round_number)], cookies, timings, statuses, args.wrong)
            alone = []  # one answer at a time (new devices): the service time without a queue
            for index in range(args.devices):
                alone.append(_post(port, f"127.0.1.{index + 2}", tokens["0"], "")[1])
            with sqlite3.connect(data / "library.sqlite") as db:
                counted = db.execute("SELECT SUM(attempts), SUM(correct) FROM quiz_result_days").fetchone()
                wrong_counted = db.execute("SELECT SUM(count) FROM quiz_wrong_answer_days").fetchone()
    timings.sort()
    p99 = timings[max(0, int(len(timings) * 0.99) - 1)]
    figures = {
        "answers": float(len(timings)),
        "median_ms": statistics.median(timings) * 1000,
        "p99_ms": p99 * 1000,
        "max_ms": timings[-1] * 1000,
        "one_at_a_time_median_ms": statistics.median(alone) * 1000,
        "non_200": float(sum(n for status, n in statuses.items() if status != 200)),
        "counted": float(counted[0] or 0),
        "counted_right": float(counted[1] or 0),
        "wrong_counted": float(wrong_counted[0] or 0),
    }
    print(f"{args.devices} devices × {rounds} rounds, answering together (load average {os.getloadavg()[0]:.1f})")
    for name, value in figures.items():
        print(f"  {name:24} {value:10.1f}")
    return figures


if __name__ == "__main__":
    main()
