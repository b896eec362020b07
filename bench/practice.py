"""A class answering at the same moment: 40 devices post a quiz answer together, round after round (issue 21).

python -m bench.practice [--devices 40] [--rounds 10] [--wrong N] [--threads 24]: run.py with real waitress over a
one-lesson library; each device has its own address (127.0.0.x, as each phone on the box's Wi-Fi), its own progress
cookie and answers question r in round r on a new connection, all released by one barrier. Reports the latency
median and p99, the p99 over 40 single answers' time, the server's and the bench's own CPU per answer, the load
average before and after (the machine is shared: docs/performance.md), errors, and whether the results table counted
every answer exactly once.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from .servers import HOST, WAITRESS_THREADS, contentserver_command, free_port, serving

QUESTIONS = 10
LENGTH_RE = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
COOKIE_RE = re.compile(rb"\r\nset-cookie:\s*([^;\r\n]+)", re.IGNORECASE)
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


def _request(port: int, token: str, cookie: str, answer: str) -> bytes:
    """The bytes of one answer's POST, as a phone's browser sends it (the bench's own CPU kept out of the timing)."""
    body = urllib.parse.urlencode({"token": token, "answer": answer}).encode()
    head = [
        "POST /practice/answer HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body)}",
        "Accept-Language: en",
    ]
    if cookie:
        head.append(f"Cookie: {cookie}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _post(port: int, source: str, token: str, cookie: str, answer: str = "астана") -> tuple[int, float, str]:
    """One answer on a new connection from `source`: (status, seconds from connecting to the last byte, the
    progress cookie to send next). Plain sockets: http.client's header parsing is CPU that the 40 devices take in
    this process's one GIL, on the cores the server uses (docs/performance.md, "Practice answers")."""
    request = _request(port, token, cookie, answer)
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=30, source_address=(source, 0)) as connection:
        connection.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection before its answer's headers")
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = int(LENGTH_RE.search(head).group(1)) if LENGTH_RE.search(head) else 0
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection before the end of its answer")
            body += chunk
    elapsed = time.perf_counter() - started
    status = int(head.split(b" ", 2)[1])
    set_cookie = COOKIE_RE.search(head)
    return status, elapsed, set_cookie.group(1).decode() if set_cookie else cookie


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
    parser.add_argument("--threads", type=int, default=WAITRESS_THREADS, help="run.py's waitress threads")
    args = parser.parse_args(argv)
    rounds = min(args.rounds, QUESTIONS)
    with tempfile.TemporaryDirectory(prefix="bench-practice-") as tmp:
        library, data = _library(Path(tmp) / "library"), Path(tmp) / "data"
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
        env["CONTENTSERVER_STARTER_LIBRARY"] = str(library)
        command = contentserver_command(data, port, args.threads)
        load_before = os.getloadavg()[0]
        with serving("practice", command, port, "/lessons/practice", env=env) as server:
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            connection.request("GET", "/lessons/practice")
            tokens = dict(FORM_RE.findall(connection.getresponse().read().decode()))
            cookies = [""] * args.devices
            timings: list[float] = []
            statuses: dict[int, int] = {}
            server_cpu, client_cpu = server.cpu_s(), time.process_time()
            for round_number in range(rounds):
                _round(port, tokens[str(round_number)], cookies, timings, statuses, args.wrong)
            server_cpu, client_cpu = server.cpu_s() - server_cpu, time.process_time() - client_cpu
            alone = []  # one answer at a time (new devices): the service time without a queue
            for index in range(args.devices):
                alone.append(_post(port, f"127.0.1.{index + 2}", tokens["0"], "")[1])
            with sqlite3.connect(data / "library.sqlite") as db:
                counted = db.execute("SELECT SUM(attempts), SUM(correct) FROM quiz_result_days").fetchone()
                wrong_counted = db.execute("SELECT SUM(count) FROM quiz_wrong_answer_days").fetchone()
                mastered = db.execute("SELECT SUM(mastered) FROM quiz_mastery_days").fetchone()
    timings.sort()
    p99 = timings[max(0, int(len(timings) * 0.99) - 1)]
    single = statistics.median(alone)
    figures = {
        "answers": float(len(timings)),
        "median_ms": statistics.median(timings) * 1000,
        "p99_ms": p99 * 1000,
        "max_ms": timings[-1] * 1000,
        "one_at_a_time_median_ms": single * 1000,
        # what the queue adds: 1.0 would be the last of the class served right after 39 others, one at a time
        "p99_per_devices_x_single": p99 / (args.devices * single),
        "server_cpu_ms_per_answer": server_cpu / len(timings) * 1000,  # less moved by a busy machine than wall
        "bench_cpu_ms_per_answer": client_cpu / len(timings) * 1000,  # the 40 devices' share of the same cores
        "non_200": float(sum(n for status, n in statuses.items() if status != 200)),
        "counted": float(counted[0] or 0),
        "counted_right": float(counted[1] or 0),
        "wrong_counted": float(wrong_counted[0] or 0),
        "mastered": float(mastered[0] or 0),  # every device, when it answered all the rounds (do_all)
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }
    print(f"{args.devices} devices × {rounds} rounds, answering together, {args.threads} waitress threads")
    for name, value in figures.items():
        print(f"  {name:26} {value:10.2f}")
    return figures


if __name__ == "__main__":
    main()
