"""mDNS/DNS-SD between two network namespaces the test makes (a veth pair, nothing leaves the machine): run.py
announces the box, a real mDNS client (python-zeroconf's browser, as a phone's) resolves the services and the
name and opens the page; a new address is announced again; a stopped server says goodbye."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from xml.etree import ElementTree

import pytest
from conftest import REPO, free_port

from contentserver.mdns import announcement, start_announcing
from contentserver.settings import load_settings

PROBE = REPO / "tests" / "mdns_probe.py"
KINDS = ("_http._tcp.local.", "_contentserver._tcp.local.")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def namespaces():
    """(box namespace, client namespace, subnet prefix): two namespaces joined by a veth pair, taken down after."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to make network namespaces (CI runs as root)")
    tag = os.getpid() % 100000
    box, client = f"mdb{tag}", f"mdc{tag}"
    _ip("netns", "add", box)
    _ip("netns", "add", client)
    try:
        _ip("link", "add", f"vb{tag}", "netns", box, "type", "veth", "peer", "name", f"vc{tag}", "netns", client)
        for ns, dev, address in ((box, f"vb{tag}", "10.251.7.1/24"), (client, f"vc{tag}", "10.251.7.2/24")):
            _ip("-n", ns, "addr", "add", address, "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        yield box, client, tag
    finally:
        subprocess.run(["ip", "netns", "del", box], capture_output=True)
        subprocess.run(["ip", "netns", "del", client], capture_output=True)


def _in(ns: str, *command: str, **kwargs):
    return subprocess.run(["ip", "netns", "exec", ns, *command], capture_output=True, text=True, **kwargs)


def _resolve(client: str) -> dict:
    done = _in(client, sys.executable, str(PROBE), "resolve", "10.251.7.2", *KINDS, timeout=90)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _lines(proc: subprocess.Popen) -> queue.Queue:
    """The process's output lines as they come, to wait for with a timeout."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        try:
            for line in proc.stdout:
                lines.put(line)
        except (ValueError, OSError):  # closed by the test's clean-up
            pass

    threading.Thread(target=read, daemon=True).start()
    return lines


def _wait_for(path, text: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while text not in path.read_text("utf-8", errors="replace"):
        assert time.monotonic() < deadline, f"no {text!r} in:\n{path.read_text('utf-8', errors='replace')}"
        time.sleep(0.1)


@pytest.mark.needs_root
@pytest.mark.slow
def test_a_phone_in_another_namespace_finds_the_box_by_mdns(tmp_path, namespaces):
    box, client, tag = namespaces
    # a container bridge on the box (Docker's name): no phone is on it, so it is not announced
    _ip("-n", box, "link", "add", "docker0", "type", "veth", "peer", "name", f"dk{tag}")
    _ip("-n", box, "addr", "add", "10.251.9.1/24", "dev", "docker0")
    _ip("-n", box, "link", "set", "docker0", "up")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env.update(
        CONTENTSERVER_STARTER_LIBRARY="",
        CONTENTSERVER_MDNS_NAME="mektep12.local",
        CONTENTSERVER_SCHOOL_NAME="Мектеп № 12",
        CONTENTSERVER_SCHOOL_ID_GOVT="KZ-0012",
        CONTENTSERVER_MDNS_CHECK_SECONDS="1",
    )
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            ["ip", "netns", "exec", box, sys.executable, str(REPO / "run.py"), "--host", "0.0.0.0", "--port",
             str(port), "--data", str(tmp_path / "data"), "--threads", "4"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    watcher = None
    try:
        _wait_for(log, "mDNS: announcing mektep12.local")
        found = _resolve(client)
        services = {s["type"]: s for s in found["services"]}
        assert set(services) == set(KINDS), found
        for service in services.values():
            assert service["name"].startswith("Мектеп № 12.") and service["server"] == "mektep12.local."
            assert service["port"] == port and service["addresses"] == ["10.251.7.1"]
        txt = services["_contentserver._tcp.local."]["txt"]
        assert txt["school_id"] == "KZ-0012" and txt["version"] and "kk" in txt["languages"].split(",")
        assert found["hosts"] == {"mektep12.local.": ["10.251.7.1"]}
        assert found["pages"] == {f"http://10.251.7.1:{port}/": 200}  # the announced address serves the library

        # A second address on the box's interface: announced again within MDNS_CHECK_SECONDS.
        _ip("-n", box, "addr", "add", "10.251.7.3/24", "dev", f"vb{tag}")
        _wait_for(log, "on 10.251.7.1, 10.251.7.3")
        found = _resolve(client)
        assert all(s["addresses"] == ["10.251.7.1", "10.251.7.3"] for s in found["services"]), found

        watcher = subprocess.Popen(
            ["ip", "netns", "exec", client, sys.executable, str(PROBE), "watch", "10.251.7.2", KINDS[1]],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        events = _lines(watcher)
        assert events.get(timeout=30).startswith("Added ")
        server.send_signal(signal.SIGTERM)  # as systemd stops it
        assert server.wait(timeout=30) == 0, log.read_text()
        assert events.get(timeout=10).startswith("Removed "), "no goodbye: phones would keep a dead box listed"
    finally:
        for proc in (server, watcher):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if watcher is not None and watcher.stdout is not None:
            watcher.stdout.close()


def test_no_announcement_when_turned_off_or_avahi_runs_or_serving_on_loopback_alone(tmp_path):
    lines: list[str] = []
    nowhere = tmp_path / "no-avahi.pid"
    assert start_announcing(load_settings({"MDNS_ANNOUNCE": False}, environ={}), "0.0.0.0", 8080) is None
    assert start_announcing(load_settings(environ={}), "127.0.0.1", 8080, lines.append, nowhere) is None
    assert lines == ["mDNS: not announced: serving on loopback only (behind a proxy, set PUBLIC_PORT)"]
    (tmp_path / "avahi.pid").write_text("123\n")
    assert start_announcing(load_settings(environ={}), "0.0.0.0", 8080, lines.append, tmp_path / "avahi.pid") is None
    assert "Avahi runs here" in lines[-1] and "deploy/avahi/contentserver.service" in lines[-1]


def test_the_avahi_service_file_announces_what_run_py_would():
    root = ElementTree.parse(REPO / "deploy" / "avahi" / "contentserver.service").getroot()
    said = announcement(load_settings(environ={}), 8080)
    services = {s.findtext("type") + ".local.": s for s in root.iter("service")}
    assert set(services) == set(KINDS)
    for service in services.values():
        assert service.findtext("port") == str(said.port)
    txt = dict(t.text.split("=", 1) for t in services[KINDS[1]].iter("txt-record"))
    assert set(txt) == set(said.txt) and txt["languages"] == said.txt["languages"]
    assert txt["version"] == said.txt["version"], "update the version in deploy/avahi/contentserver.service"


def test_the_instance_name_is_one_dns_label_cut_between_letters():
    said = announcement(load_settings({"SCHOOL_NAME": "Ә" * 40, "PUBLIC_PORT": 80}, environ={}), 8080)
    assert said.instance == "Ә" * 31 and said.port == 80  # 62 bytes: the 32nd letter would make 64
    assert announcement(load_settings(environ={}), 8080).instance == "school"
