"""Files named in Markdown as they were uploaded: labels, the references found, the safe-name export."""

from __future__ import annotations

from dataclasses import dataclass

from contentserver.authoring.references import (
    export_body,
    markdown_for,
    missing_references,
    references,
    upload_label,
)


@dataclass
class File:
    name: str
    sha256: str
    label: str | None


NEST = File("Qarlygash-uyasy.png", "a" * 64, "Қарлығаш ұясы.png")


def test_the_label_is_the_uploaded_name_without_folders_or_control_characters():
    assert upload_label("C:\\Users\\a\\Қарлығаш ұясы.png", "Qarlygash-uyasy.png") == "Қарлығаш ұясы.png"
    assert upload_label("a/b/сурет\x07 1.PNG", "suret-1.png") == "сурет 1.PNG"
    assert upload_label("photo", "photo.jpg") == "photo.jpg", "the ending its bytes show"
    assert upload_label("\x00", "file.pdf") == "file.pdf"


def test_the_body_may_name_a_file_by_its_label_plain_bracketed_or_escaped():
    refs = references([NEST])
    for target in ("Қарлығаш ұясы.png", "Қарлығаш%20ұясы.png", "Qarlygash-uyasy.png"):
        assert refs[target] == NEST.sha256
    body = "![a](<Қарлығаш ұясы.png>) ![b](./Қарлығаш ұясы.png#x) [c](Жоқ файл.pdf) [d](https://x.org/a.pdf) [e](#top)"
    assert missing_references(body, refs) == ["Жоқ файл.pdf"]


def test_markdown_for_a_file_keeps_spaces_in_brackets():
    assert markdown_for("Қарлығаш ұясы.png", "image") == "![Қарлығаш ұясы](<Қарлығаш ұясы.png>)"
    assert markdown_for("sheet.pdf", "pdf") == "[sheet](sheet.pdf)"


def test_an_export_names_files_by_their_safe_names_and_leaves_the_rest():
    body = '![a](<Қарлығаш ұясы.png> "nest") [x](other.pdf) Қарлығаш ұясы.png'
    assert export_body(body, [NEST]) == '![a](Qarlygash-uyasy.png "nest") [x](other.pdf) Қарлығаш ұясы.png'


def test_a_pushed_lesson_names_its_files_by_their_safe_names(app):
    from contentserver.db import db
    from contentserver.models import Attachment, Lesson
    from contentserver.outbox import lesson_entry

    store = app.extensions["object_store"]
    picture = store.put_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    body = "# Ұя\n\n![Ұя](<Қарлығаш ұясы.png>)\n"
    with app.app_context():
        lesson = Lesson(
            id="t-nest-abc123",
            title="Ұя",
            lang="kk",
            script="Cyrl",
            subject="science",
            grade=5,
            body_sha256=store.put_bytes(body.encode()),
            origin="local",
            status="published",
        )
        lesson.attachments = [
            Attachment(
                position=0,
                name="Qarlygash-uyasy.png",
                label="Қарлығаш ұясы.png",
                sha256=picture,
                size=48,
                media_type="image/png",
                kind="image",
            )
        ]
        db.session.add(lesson)
        db.session.commit()
        entry = lesson_entry(lesson, store)
    sent = store.read_bytes(entry["body"]["sha256"]).decode()
    assert sent == "# Ұя\n\n![Ұя](Qarlygash-uyasy.png)\n"
    assert store.read_bytes(lesson.body_sha256).decode() == body, "the teacher's own text is unchanged"
