"""A Kolibri channel with one resource of every kind the server shows, installed into an app or a data folder."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from kolibri_maker import ChannelBuilder
from libmaker import pdf_bytes, png_bytes, xss_vectors

from contentserver.kolibri.install import install_export
from contentserver.library.importer import ImportLimits

LOW, HIGH = b"low resolution video" * 10, b"high resolution video" * 100
PDF = pdf_bytes("evaporation and condensation")
EPUB = b"PK epub of the steppe"
MP3 = b"ID3 a song of the steppe"
APP = """<!doctype html><html><head><title>App</title></head><body><p id="ran">no</p>
<script>document.getElementById("ran").textContent = "yes";
try { document.getElementById("ran").textContent += ":" + document.cookie; }
catch (e) { document.getElementById("ran").textContent += ":blocked"; }</script></body></html>"""


def zip_bytes(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def radio(prompt: str, right: str, wrong: str) -> str:
    widget = {"type": "radio", "options": {"choices": [{"content": right, "correct": True}, {"content": wrong}]}}
    return json.dumps({"question": {"content": f"{prompt} [[☃ radio 1]]", "widgets": {"radio 1": widget}}})


def numeric(prompt: str, value: float) -> str:
    widget = {"type": "numeric-input", "options": {"answers": [{"value": value, "status": "correct"}]}}
    return json.dumps(
        {"question": {"content": f"{prompt} [[☃ numeric-input 1]]", "widgets": {"numeric-input 1": widget}}}
    )


GRAPH = json.dumps({"question": {"content": "Plot it [[☃ interactive-graph 1]]", "widgets": {}}})
ASSESSMENT = {
    "assessment_item_ids": '["q1", "q2", "q3"]',
    "number_of_assessments": 3,
    "mastery_model": '{"type": "m_of_n", "m": 2, "n": 3}',
    "randomize": False,
    "is_manipulable": False,
}


def school_channel(root: Path, name: str = "Табиғат") -> ChannelBuilder:
    """Topics two deep; a video (two renditions, two subtitle tracks), audio, a PDF, an EPUB, an app, an exercise,
    and a resource whose title and description are script-injection vectors."""
    builder = ChannelBuilder(root, name=name)
    science = builder.topic("Жаратылыстану", description="Табиғат туралы сабақтар")
    water = builder.topic("Су", science)
    builder.resource(
        "video", "Судың айналымы", water,
        files=[("high_res_video", "mp4", HIGH), ("low_res_video", "mp4", LOW),
               ("video_subtitle", "vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nсу".encode(), "kk"),
               ("video_subtitle", "vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nвода".encode(), "ru"),
               ("video_thumbnail", "png", png_bytes(4, 3))],
        description="Бұлт пен жаңбыр", author="Айгүл", license_name="CC BY-SA", license_owner="Khan Academy",
        tags=["су", "бұлт"], lang_id="kk",
    )  # fmt: skip
    builder.resource("audio", "Дала әні", science, files=[("audio", "mp3", MP3)], lang_id="kk")
    builder.resource("document", "Су айналымы (PDF)", water, files=[("document", "pdf", PDF)])
    builder.resource("document", "Дала кітабы", science, files=[("epub", "epub", EPUB)])
    builder.resource("html5", "Тәжірибе", science, files=[("html5_zip", "zip", zip_bytes({"index.html": APP}))])
    exercise = zip_bytes({"q1.json": radio("2+2?", "4", "5"), "q2.json": numeric("3×3?", 9), "q3.json": GRAPH})
    builder.resource("exercise", "Санау", science, files=[("exercise", "perseus", exercise)], assessment=ASSESSMENT)
    vector = xss_vectors()[0]
    builder.resource("document", f"XSS {vector}", science, files=[("document", "pdf", b"%PDF-1.4 x")],
                     description=vector)  # fmt: skip
    builder.write()
    return builder


def install_channel(app, root: Path):
    with app.app_context():
        store = app.extensions["object_store"]
        return install_export(root, store, ImportLimits.from_config(app.config))


def installed_school_channel(app, root: Path) -> ChannelBuilder:
    """school_channel() written under `root` and installed into `app`: the builder, to look its nodes up."""
    builder = school_channel(root)
    install_channel(app, root)
    return builder
