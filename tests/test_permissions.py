"""Every teacher and admin route × every kind of visitor, over real HTTP."""

from __future__ import annotations

import itertools

import pytest
from conftest import png_bytes
from teach_http import LESSON, PASSWORD, Client, create_lesson, start_site

ROLES = ("anonymous", "owner", "other_teacher", "admin", "disabled_teacher")
OWNER_ONLY = {"owner": "ok", "other_teacher": 403, "admin": "ok"}
ANY_TEACHER = {"owner": "ok", "other_teacher": "ok", "admin": "ok"}
ADMIN_ONLY = {"owner": 403, "other_teacher": 403, "admin": "ok"}
ANY_TEACHER_NOT_HERE = {"owner": 404, "other_teacher": 404, "admin": 404}  # no channel on this site: a teacher's 404
CHANNEL_EXERCISE = f"/teach/channels/{'c' * 32}/{'e' * 32}"
_names = itertools.count()
CONSUMING = {"teach.delete", "teach.remove_file", "admin.recover"}  # an allowed call uses its target up

# endpoint, method, path (from the context), form fields, files, who may (others: see expected())
ROUTES = [
    ("teach.index", "GET", "/teach/", None, ANY_TEACHER),
    ("teach.new", "GET", "/teach/new", None, ANY_TEACHER),
    ("teach.new", "POST", "/teach/new", lambda c: LESSON, ANY_TEACHER),
    ("teach.edit", "GET", "/teach/lessons/{lesson}", None, OWNER_ONLY),
    ("teach.edit", "POST", "/teach/lessons/{lesson}", lambda c: LESSON, OWNER_ONLY),
    ("teach.upload", "POST", "/teach/lessons/{lesson}/files", "upload", OWNER_ONLY),
    ("teach.lesson_file", "GET", "/teach/lessons/{lesson}/files/leaf.png", None, OWNER_ONLY),
    ("teach.remove_file", "POST", "/teach/lessons/{lesson}/files/remove", lambda c: {"name": "leaf.png"}, OWNER_ONLY),
    ("teach.results", "GET", "/teach/lessons/{lesson}/results", None, OWNER_ONLY),
    ("teach.results_csv", "GET", "/teach/lessons/{lesson}/results.csv", None, OWNER_ONLY),
    # a published lesson's worksheet is every teacher's to print (a draft's stays its owner's: test_worksheet_http)
    ("teach.worksheet", "GET", "/teach/lessons/{lesson}/worksheet", None, ANY_TEACHER),
    ("teach.channel_exercises", "GET", "/teach/channels/", None, ANY_TEACHER),
    ("teach.channel_results", "GET", f"{CHANNEL_EXERCISE}/results", None, ANY_TEACHER_NOT_HERE),
    ("teach.channel_results_csv", "GET", f"{CHANNEL_EXERCISE}/results.csv", None, ANY_TEACHER_NOT_HERE),
    ("teach.history", "GET", "/teach/lessons/{lesson}/history", None, OWNER_ONLY),
    ("teach.version", "GET", "/teach/lessons/{lesson}/history/1", None, OWNER_ONLY),
    ("teach.restore", "POST", "/teach/lessons/{lesson}/restore/1", lambda c: {"confirm": "1"}, OWNER_ONLY),
    ("teach.share", "POST", "/teach/lessons/{lesson}/share", lambda c: {"share": "1"}, OWNER_ONLY),
    ("teach.delete", "GET", "/teach/lessons/{lesson}/delete", None, OWNER_ONLY),
    ("teach.delete", "POST", "/teach/lessons/{lesson}/delete", lambda c: {"confirm": "1"}, OWNER_ONLY),
    ("admin.index", "GET", "/admin/", None, ADMIN_ONLY),
    (
        "admin.add_user",
        "POST",
        "/admin/users",
        lambda c: {"username": f"new{next(_names)}", "password": PASSWORD},
        ADMIN_ONLY,
    ),
    ("admin.disable_user", "POST", "/admin/users/{victim}/disable", lambda c: {}, ADMIN_ONLY),
    ("admin.enable_user", "POST", "/admin/users/{victim}/enable", lambda c: {}, ADMIN_ONLY),
    ("admin.reset_password", "GET", "/admin/users/{victim}/password", None, ADMIN_ONLY),
    ("admin.reset_password", "POST", "/admin/users/{victim}/password", lambda c: {"password": PASSWORD}, ADMIN_ONLY),
    ("admin.deleted", "GET", "/admin/deleted", None, ADMIN_ONLY),
    ("admin.recover", "POST", "/admin/lessons/{deleted}/recover", lambda c: {}, ADMIN_ONLY),
    ("admin.shares", "GET", "/admin/shares", None, ADMIN_ONLY),
    ("admin.connectivity", "GET", "/admin/connectivity", None, ADMIN_ONLY),
    ("admin.poster", "GET", "/admin/poster", None, ADMIN_ONLY),
]


def test_the_matrix_lists_every_teach_and_admin_route(make_app):
    app = make_app()
    registered = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("teach", "admin")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert registered == {(endpoint, method) for endpoint, method, *_ in ROUTES}


@pytest.fixture(scope="module")
def matrix_site(tmp_path_factory):
    """One server for the whole matrix (it is read mostly; each changing call gets a fresh target)."""
    import conftest

    gen = conftest.start_server.__wrapped__(tmp_path_factory.mktemp("matrix"))
    start = next(gen)
    site = start_site(start, tmp_path_factory.mktemp("matrix-data") / "site")
    boss = site.client("boss")
    for name in ("dora", "vic"):
        boss.get("/admin/")
        boss.post("/admin/users", {"username": name, "password": PASSWORD})
    clients = {
        "anonymous": Client(site.url),
        "owner": site.client("anna"),
        "other_teacher": site.client("boris"),
        "admin": boss,
        "disabled_teacher": site.client("dora"),
    }
    clients["anonymous"].get("/auth/login")
    clients["disabled_teacher"].get("/teach/")
    boss.get("/admin/")
    assert boss.post("/admin/users/4/disable").status == 303
    yield site, clients
    next(gen, None)


def fresh_context(site, clients) -> dict[str, str]:
    """A lesson of the owner's with an image, a deleted lesson, and the throwaway account (id 5)."""
    anna = clients["owner"]
    lesson = create_lesson(anna)
    anna.get(f"/teach/lessons/{lesson}")
    anna.post(f"/teach/lessons/{lesson}/files", files={"file": ("leaf.png", png_bytes())})
    deleted = create_lesson(anna)
    anna.get(f"/teach/lessons/{deleted}")
    anna.post(f"/teach/lessons/{deleted}/delete")
    return {"lesson": lesson, "deleted": deleted, "victim": "5"}


def expected(role: str, allowed: dict) -> str | int:
    if role in ("anonymous", "disabled_teacher"):
        return "login"
    return allowed[role]


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for _e, m, p, *_ in ROUTES])
def test_permission_matrix(matrix_site, route):
    site, clients = matrix_site
    endpoint, method, path, fields, allowed = route
    context = fresh_context(site, clients)
    for role in ROLES:
        if endpoint in CONSUMING:
            context = fresh_context(site, clients)
        client = clients[role]
        url = path.format(**context)
        if method == "GET":
            reply = client.get(url)
        elif fields == "upload":
            reply = client.post(url, files={"file": ("leaf.png", png_bytes())})
        else:
            reply = client.post(url, dict(fields(context)))
        want = expected(role, allowed)
        where = f"{role} {method} {url}: {reply.status} {reply.location}"
        if want == "login":
            assert reply.status == 302 and "/auth/login" in reply.location, where
        elif want == 404:
            assert reply.status == 404, where
        elif want == 403:
            assert reply.status == 403, where
            assert "another teacher" in reply.text or "for administrators" in reply.text, where
        else:
            assert reply.status in (200, 303), where
            assert "/auth/login" not in reply.location, where
