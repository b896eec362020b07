"""No IP address anywhere in the data folder after a day's traffic (issue 23): students from their own addresses
read, search and find nothing, a teacher mistypes a password and logs in, the admin reads the dashboard; then
every file the server wrote — the SQLite database and its WAL included — is searched for those addresses."""

from __future__ import annotations

import shutil
import urllib.parse

from conftest import stop_process
from teach_http import PASSWORD, Client, add_user

ADDRESSES = [f"127.0.{a}.{b}" for a, b in ((23, 45), (77, 101), (98, 7), (201, 33))]  # distinctive in any file


def _forms(address: str) -> list[bytes]:
    """The address as text, and its four bytes (an address stored packed would show so)."""
    return [address.encode(), address.encode("utf-16-le"), bytes(int(part) for part in address.split("."))]


def test_a_days_traffic_leaves_no_client_address_in_the_data_folder(start_server, starter_data, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(starter_data, data_dir)  # content/ imported, as run.py's first start leaves it
    add_user(data_dir, "boss", admin=True)
    add_user(data_dir, "tina")
    server = start_server(data_dir=data_dir)
    for n, address in enumerate(ADDRESSES):
        student = Client(server.url, source=address)
        for lesson in ("math-circle-kk", "geo-balkhash-kk", "no-such-lesson"):
            student.get(f"/lessons/{lesson}")
        for words in ("Балқаш", "qwzxv", f"сұрақ {n}"):
            assert student.get("/search?" + urllib.parse.urlencode({"q": words})).status == 200
        student.get("/")
        student.get("/api/search?q=su")
    teacher = Client(server.url, source=ADDRESSES[1])
    assert teacher.login("tina", "wrong password").status == 401
    assert teacher.login("tina", PASSWORD).status == 303
    admin = Client(server.url, source=ADDRESSES[2])
    assert admin.login("boss", PASSWORD).status == 303
    page = admin.get("/admin/").text
    assert "qwzxv" in page, "the traffic was counted"
    stop_process(server.proc)  # SIGTERM: the counts are written
    assert server.proc.returncode == 0

    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.name == "library.sqlite" for path in files)
    found = [
        (str(path.relative_to(data_dir)), address)
        for path in files
        for address in ADDRESSES
        if any(form in path.read_bytes() for form in _forms(address))
    ]
    assert not found, f"client addresses stored in the data folder: {found}"
