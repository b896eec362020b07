"""A teacher's whole day over real HTTP: log in, write, upload, publish, search, edit, restore, delete, recover."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from conftest import png_bytes
from teach_http import LESSON, create_lesson, in_search, start_site


@pytest.fixture
def site(start_server, tmp_path):
    return start_site(start_server, tmp_path / "site")


def edit_form(client, lesson_id: str) -> dict[str, str]:
    """The lesson's current form values, read back from its edit page."""
    page = client.get(f"/teach/lessons/{lesson_id}").text
    title = re.search(r'name="title"[^>]*value="([^"]*)"', page).group(1)
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    return {**LESSON, "title": title, "body": body}


def test_teacher_writes_uploads_publishes_and_students_find_it(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna, status="draft", body="# Photosynthesis\n\n![leaf](leaf.png)\n")
    assert re.fullmatch(r"t-photosynthesis-[0-9a-f]{6}", lesson_id)
    assert site.server.get(f"/lessons/{lesson_id}")[0] == 404, "a draft is not visible to students"
    assert not in_search(site, "Photosynthesis", lesson_id)

    anna.get(f"/teach/lessons/{lesson_id}")
    reply = anna.post(f"/teach/lessons/{lesson_id}/files", files={"file": ("leaf.png", png_bytes())}, follow=True)
    assert reply.status == 200 and "leaf.png" in reply.text

    anna.post(f"/teach/lessons/{lesson_id}", {**edit_form(anna, lesson_id), "status": "published"})
    status, _headers, body = site.server.get(f"/lessons/{lesson_id}")
    assert status == 200
    sha = re.search(r'<img[^>]*src="/objects/([0-9a-f]{64})"', body.decode()).group(1)
    assert site.server.get(f"/objects/{sha}")[2] == png_bytes()
    assert in_search(site, "Photosynthesis", lesson_id)


def test_published_edit_is_searchable_within_a_second_and_restore_brings_back_the_old_text(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    anna.get(f"/teach/lessons/{lesson_id}")
    reply = anna.post(f"/teach/lessons/{lesson_id}", {**LESSON, "body": "Chlorophyll absorbs light.\n"})
    assert reply.status == 303
    # The save updates the index before it answers, so the very next search finds the edit
    # (bench/teach.py measures the delay: well under the 1 s the issue asks for).
    assert in_search(site, "Chlorophyll", lesson_id), "the edit was not searchable as soon as it was saved"
    assert b"Chlorophyll" in site.server.get(f"/lessons/{lesson_id}")[2]

    history = anna.get(f"/teach/lessons/{lesson_id}/history").text
    assert f"/teach/lessons/{lesson_id}/history/1" in history
    assert anna.post(f"/teach/lessons/{lesson_id}/restore/1").status == 303, "unconfirmed: to the version's page"
    assert anna.get(f"/teach/lessons/{lesson_id}/history").text.count("<tr>") == 1 + 2, "nothing restored yet"
    anna.get(f"/teach/lessons/{lesson_id}/history/1")
    reply = anna.post(f"/teach/lessons/{lesson_id}/restore/1", {"confirm": "1", "keep_status": "1", "keep_files": "1"})
    assert reply.status == 303
    page = site.server.get(f"/lessons/{lesson_id}")[2].decode()
    assert "Plants make sugar" in page and "Chlorophyll" not in page
    assert in_search(site, "sugar", lesson_id) and not in_search(site, "Chlorophyll", lesson_id)
    assert anna.get(f"/teach/lessons/{lesson_id}/history").text.count("<tr>") == 1 + 3, "restore is a revision too"


def test_unpublishing_and_deleting_hide_at_once_and_admin_recovers(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    assert in_search(site, "Photosynthesis", lesson_id)
    anna.get(f"/teach/lessons/{lesson_id}")
    anna.post(f"/teach/lessons/{lesson_id}", {**LESSON, "status": "draft"})
    assert not in_search(site, "Photosynthesis", lesson_id)
    assert site.server.get(f"/lessons/{lesson_id}")[0] == 404
    anna.post(f"/teach/lessons/{lesson_id}", {**LESSON, "status": "published"})
    assert site.server.get(f"/lessons/{lesson_id}")[0] == 200

    anna.get(f"/teach/lessons/{lesson_id}")
    assert anna.post(f"/teach/lessons/{lesson_id}/delete", {"confirm": "1"}).status == 303
    assert site.server.get(f"/lessons/{lesson_id}")[0] == 404
    assert not in_search(site, "Photosynthesis", lesson_id)
    assert lesson_id not in anna.get("/teach/").text
    assert anna.get(f"/teach/lessons/{lesson_id}").status == 404

    boss = site.client("boss")
    assert lesson_id in boss.get("/admin/deleted").text
    assert boss.post(f"/admin/lessons/{lesson_id}/recover").status == 303
    assert site.server.get(f"/lessons/{lesson_id}")[0] == 200
    assert in_search(site, "Photosynthesis", lesson_id)


def test_preview_renders_without_saving(site):
    anna = site.client("anna")
    anna.get("/teach/new")
    reply = anna.post("/teach/new", {**LESSON, "action": "preview", "body": "| a | b |\n|---|---|\n| 1 | 2 |\n"})
    assert reply.status == 200 and "<table>" in reply.text and "<td>1</td>" in reply.text
    assert "Photosynthesis" not in anna.get("/teach/").text


def test_share_with_hub_mark_queues_the_lesson(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    anna.get(f"/teach/lessons/{lesson_id}")
    anna.post(f"/teach/lessons/{lesson_id}/share", {"share": "1"})
    assert "Waiting to be sent to the hub" in anna.get(f"/teach/lessons/{lesson_id}").text
    assert lesson_id in site.client("boss").get("/admin/shares").text
    anna.post(f"/teach/lessons/{lesson_id}/share", {"share": "0"})
    assert lesson_id not in site.client("boss").get("/admin/shares").text
    anna.post(f"/teach/lessons/{lesson_id}/share", {"share": "1"})
    anna.post(f"/teach/lessons/{lesson_id}/delete", {"confirm": "1"})
    assert lesson_id not in site.client("boss").get("/admin/shares").text, "a deleted lesson is not pushed"


def share_states(site) -> dict[str, str]:
    with sqlite3.connect(site.data_dir / "library.sqlite") as conn:
        states = dict(conn.execute("SELECT lesson_id, state FROM share_queue"))
    conn.close()
    return states


def test_fixing_a_typo_in_a_lesson_already_sent_to_the_hub_queues_it_again(site):
    anna = site.client("anna")
    typo = {**LESSON, "body": "# Photosynthesis\n\nPlants make suger from light.\n"}
    lesson_id = create_lesson(anna, body=typo["body"])
    anna.get(f"/teach/lessons/{lesson_id}")
    anna.post(f"/teach/lessons/{lesson_id}/share", {"share": "1"})
    with sqlite3.connect(site.data_dir / "library.sqlite") as conn:  # as a push the hub committed marks it
        conn.execute("UPDATE share_queue SET state = 'sent'")
    conn.close()
    assert lesson_id not in site.client("boss").get("/admin/shares").text
    assert "Sent to the hub." in share_note(anna, lesson_id), "no push recorded the time: sent, without a date"

    anna.get(f"/teach/lessons/{lesson_id}")
    anna.post(f"/teach/lessons/{lesson_id}", {**typo, "status": "draft"})  # nothing new for the hub
    anna.post(f"/teach/lessons/{lesson_id}", typo)
    assert share_states(site) == {lesson_id: "sent"}
    anna.post(f"/teach/lessons/{lesson_id}", LESSON)  # "suger" -> "sugar"
    assert share_states(site) == {lesson_id: "queued"}, "the fix must reach the hub with the next push"
    assert lesson_id in site.client("boss").get("/admin/shares").text


def share_note(client, lesson_id: str) -> str:
    """The text of the edit page's share section, tags and spacing dropped."""
    section = re.search(r'<section id="share".*?</section>', client.get(f"/teach/lessons/{lesson_id}").text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", section.group(0)).split())


def test_share_section_says_sent_with_the_push_time_and_waiting_again_after_an_edit(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    anna.get(f"/teach/lessons/{lesson_id}")
    anna.post(f"/teach/lessons/{lesson_id}/share", {"share": "1"})
    assert "Waiting to be sent to the hub" in share_note(anna, lesson_id)
    entries = json.dumps([{"id": lesson_id, "title": LESSON["title"]}], ensure_ascii=False, sort_keys=True)
    with sqlite3.connect(site.data_dir / "library.sqlite") as conn:  # what outbox.committed leaves behind
        conn.execute(
            "INSERT INTO outgoing_pushes (push_id, hub_url, lessons_json, created_at, committed_at, accepted)"
            " VALUES ('p1', 'http://hub.test/', ?, '2026-03-05 09:00:00', '2026-03-05 09:30:00', 1)",
            (entries,),
        )
        conn.execute("UPDATE share_queue SET state = 'sent'")
    conn.close()

    note = share_note(anna, lesson_id)
    assert "Sent to the hub on 3/5/26, 2:30 PM." in note, note  # 09:30 UTC in Asia/Almaty (UTC+5)
    assert "Waiting" not in note and "queued" not in note
    assert "Do not share" in note, "a sent lesson can still be unshared"
    anna.post(f"/teach/lessons/{lesson_id}", {**LESSON, "body": LESSON["body"] + "\nOne more line.\n"})
    note = share_note(anna, lesson_id)
    assert "Waiting to be sent to the hub" in note and "Sent to the hub on" not in note, note
    anna.post(f"/teach/lessons/{lesson_id}/share", {"share": "0"})
    assert "Share with the hub" in share_note(anna, lesson_id) and share_states(site) == {}


def test_a_long_lesson_in_cyrillic_saves(site):
    anna = site.client("anna")
    body = "Фотосинтез — өсімдіктердің қоректенуі. " * 4000
    lesson_id = create_lesson(anna, body=body, lang="kk", script="Cyrl")
    assert body.strip() in site.server.get(f"/lessons/{lesson_id}")[2].decode()
