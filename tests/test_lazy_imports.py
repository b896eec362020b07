"""A school's server that students use never loads what only logins, a hub's pushes and the printed poster need
(argon2, PyNaCl, fpdf2): each is resident memory of every worker (docs/performance.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

CHECK = """
import sys
from contentserver import create_app
app = create_app({"DATA_DIR": sys.argv[1], "STARTER_LIBRARY": "", "TESTING": True})
client = app.test_client()
assert client.get("/").status_code == 200
assert client.get("/lessons/none-such").status_code == 404
print(" ".join(sorted(name for name in ("argon2", "fpdf", "nacl") if name in sys.modules)))
from contentserver.accounts.users import verify_login
with app.app_context():
    assert verify_login("nobody", "wrong password") is None
print(" ".join(sorted(name for name in ("argon2", "fpdf", "nacl") if name in sys.modules)))
"""


def test_serving_students_loads_no_argon2_pynacl_or_fpdf_and_a_login_loads_argon2_only(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path / "data")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    before_login, after_login = done.stdout.splitlines()
    assert before_login == ""
    assert after_login == "argon2"
