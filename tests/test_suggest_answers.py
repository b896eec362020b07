"""/api/suggest answered in front of Flask: the same answer as Flask's, renewed when the library changes, bounded."""

from __future__ import annotations

import pytest
from conftest import eventually

from contentserver.db import db
from contentserver.library.store import bump_data_version
from contentserver.models import Lesson
from contentserver.views.suggest_answers import AnswerCache

EN = {"Accept-Language": "en"}


def titles(response) -> list[str]:
    return [item["title"] for item in response.get_json()["suggestions"]]


@pytest.mark.parametrize(
    "query",
    ["/api/suggest?q=alp", "/api/suggest?q=%D0%B1%D0%B5&format=opensearch", "/api/suggest?q=", "/api/suggest?q=%00Alp"],
)
def test_suggestion_in_front_of_flask_has_flasks_body_and_headers(counted, query):
    client, seen = counted
    fast = [client.get(query, headers=EN) for _ in range(2)]
    assert seen == []
    client.set_cookie("session", "anything")  # a visitor with a session always goes through Flask
    flask = client.get(query, headers=EN)
    assert seen == [1]
    for answer in fast:
        assert answer.status_code == flask.status_code == 200 and answer.get_data() == flask.get_data()
        assert sorted(answer.headers.items()) == sorted(h for h in flask.headers.items() if h[0] != "Date")


def rename_alpha(app) -> None:
    with app.app_context():
        db.session.get(Lesson, "alpha").title = "Alphabet soup"
        bump_data_version()
        db.session.commit()


def test_after_a_publish_the_old_table_answers_at_once_and_the_new_words_follow(counted, sample_app):
    client, seen = counted
    assert titles(client.get("/api/suggest?q=les", headers=EN)) == ["Alpha lesson"]
    rename_alpha(sample_app)
    # at once from the old table's words ("lesson"), the title as it is now; not kept as the new version's answer
    assert titles(client.get("/api/suggest?q=les", headers=EN)) == ["Alphabet soup"] and seen == []
    assert eventually(lambda: titles(client.get("/api/suggest?q=soup", headers=EN)) == ["Alphabet soup"])
    assert "Alphabet soup" not in titles(client.get("/api/suggest?q=les", headers=EN))  # no title word "les…" now


def test_flasks_suggest_view_also_rebuilds_in_a_thread_with_its_app_context(sample_app):
    client = sample_app.test_client()
    client.set_cookie("session", "anything")  # through Flask's view, not the fast path
    assert titles(client.get("/api/suggest?q=alp", headers=EN)) == ["Alpha lesson"]
    rename_alpha(sample_app)
    assert eventually(lambda: titles(client.get("/api/suggest?q=soup", headers=EN)) == ["Alphabet soup"])


def test_text_no_title_starts_with_goes_to_flasks_ranked_search(counted):
    client, seen = counted
    response = client.get("/api/suggest?q=qqqqzz", headers=EN)
    assert response.status_code == 200 and response.get_json()["suggestions"] == [] and seen == [1]


def test_answer_cache_keeps_the_latest_within_its_size_and_empties_on_a_new_version():
    cache = AnswerCache(size=3)
    for n in range(5):
        assert cache.get((f"q{n}",), 1) is None
        cache.put((f"q{n}",), 1, b"answer %d" % n)
    assert len(cache) == 3 and cache.get(("q1",), 1) is None and cache.get(("q4",), 1) == b"answer 4"
    assert cache.get(("q4",), 2) is None and len(cache) == 0
    cache.put(("q4",), 1, b"stale")  # an answer made for the old version is not kept
    assert len(cache) == 0
