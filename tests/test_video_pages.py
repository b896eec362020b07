"""Issue 22 on the pages, over a real server (run.py, waitress, its worker converting with real ffmpeg): the teacher
sees the queue and why a file cannot be converted; the lesson page offers the small copy to phones, with a poster
and a data-saver link, without script."""

from __future__ import annotations

import html
import re

from conftest import eventually
from teach_http import create_lesson, start_site
from video_support import make_clip

NOT_A_VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"a teacher's renamed document" * 200


def _files_section(page: str) -> str:
    return html.unescape(page.split('id="files"', 1)[1].split("</section>", 1)[0])


def test_a_teachers_video_is_queued_converted_and_offered_small_to_phones(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    lesson_id = create_lesson(anna, body="# Film\n\n![The experiment](experiment.mp4)\n")
    video = make_clip(tmp_path / "experiment.mp4", 1280, 720, 4)
    anna.get(f"/teach/lessons/{lesson_id}")
    reply = anna.post(f"/teach/lessons/{lesson_id}/files", files={"file": ("experiment.mp4", video)})
    assert reply.status == 303, reply.text
    page = anna.get(f"/teach/lessons/{lesson_id}").text
    assert re.search(r"Waiting to make a small copy|Making a small copy|Small copy for phones: ready", page), page

    assert eventually(lambda: "Small copy for phones: ready." in anna.get(f"/teach/lessons/{lesson_id}").text, 120)

    status, _headers, body = site.server.get(f"/lessons/{lesson_id}", {"Accept-Language": "en"})
    lesson = body.decode()
    assert status == 200
    sources = re.findall(r'<source src="/objects/([0-9a-f]{64})" type="video/mp4"( media="[^"]+")?>', lesson)
    assert len(sources) == 3, lesson
    (low, phone_only), (original, _), (fallback, _) = sources
    assert phone_only == ' media="(max-width: 40em)"' and low == fallback != original
    assert re.search(r'<video controls preload="none" playsinline poster="/objects/[0-9a-f]{64}">', lesson)
    saver = re.search(r'Data saver: <a href="/objects/([0-9a-f]{64})" type="video/mp4">small video \(360p, ', lesson)
    assert saver and saver[1] == low
    assert "<script" not in lesson.split("<main", 1)[-1].split("</main>", 1)[0], "no script needed"
    status, headers, data = site.server.get(f"/objects/{low}")
    assert status == 200 and headers["Content-Type"] == "video/mp4" and len(data) < len(video) / 4


def test_a_file_that_cannot_be_converted_is_said_to_the_teacher_and_stays(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    anna.get(f"/teach/lessons/{lesson_id}")
    reply = anna.post(f"/teach/lessons/{lesson_id}/files", files={"file": ("film.mp4", NOT_A_VIDEO)})
    assert reply.status == 303, reply.text
    wanted = "This file is not a video that can be read (or it is damaged)"
    assert eventually(lambda: wanted in _files_section(anna.get(f"/teach/lessons/{lesson_id}").text), 60)
    files = _files_section(anna.get(f"/teach/lessons/{lesson_id}").text)
    assert "film.mp4" in files, "the file stays attached: it is the teacher's only copy"
    status, _headers, body = site.server.get(f"/lessons/{lesson_id}")
    assert status == 200 and b"Data saver" not in body
