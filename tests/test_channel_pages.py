"""An installed Kolibri channel as pages: topics with breadcrumbs, resources of every kind, files and the app."""

from __future__ import annotations

import hashlib
import re

import pytest
from channel_support import EPUB, HIGH, LOW, MP3, PDF, install_channel, installed_school_channel
from libmaker import xss_vectors

EN = {"Accept-Language": "en"}


@pytest.fixture
def channel(app, tmp_path):
    return installed_school_channel(app, tmp_path / "stick")


def _fetch(client, url: str, **kw):
    """A file answer read whole and closed (send_file keeps the file open until then)."""
    answer = client.get(url, **kw)
    answer.get_data()
    answer.close()
    return answer


def _links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_the_home_page_and_the_channel_list_link_to_the_channel(client, channel):
    url = f"/channels/{channel.channel_id}/"
    for page in ("/", "/channels/"):
        html = client.get(page).get_data(as_text=True)
        assert url in _links(html) and "Табиғат" in html


def test_topics_are_pages_in_the_channels_order_with_breadcrumbs(client, channel):
    root = client.get(f"/channels/{channel.channel_id}/").get_data(as_text=True)
    science = channel.node_id("Жаратылыстану")
    assert f"/channels/{channel.channel_id}/{science}" in _links(root)
    page = client.get(f"/channels/{channel.channel_id}/{science}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Табиғат туралы сабақтар" in html
    titles = re.findall(r'<li><a href="/channels/[^"]+"[^>]*>([^<]+)</a>', html)
    assert titles == ["Су", "Дала әні", "Дала кітабы", "Тәжірибе", "Санау", titles[-1]]
    water = client.get(f"/channels/{channel.channel_id}/{channel.node_id('Су')}").get_data(as_text=True)
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', water, re.S).group(0)
    assert "/channels/" in crumbs and f"/channels/{channel.channel_id}/" in crumbs and science in crumbs


def test_a_video_page_plays_the_low_resolution_file_with_every_subtitle_track(client, channel):
    video = channel.node_id("Судың айналымы")
    html = client.get(f"/channels/{channel.channel_id}/{video}").get_data(as_text=True)
    low = hashlib.sha256(LOW).hexdigest()
    assert f"/channels/{channel.channel_id}/{video}/files/{low}.mp4" in html
    assert hashlib.sha256(HIGH).hexdigest() not in html
    assert len(re.findall(r"<track kind=\"subtitles\"", html)) == 2 and 'srclang="kk"' in html
    for needed in ("Айгүл", "CC BY-SA", "Khan Academy", "Бұлт пен жаңбыр", "бұлт, су"):
        assert needed in html, needed
    answer = _fetch(client, f"/channels/{channel.channel_id}/{video}/files/{low}.mp4", headers={"Range": "bytes=0-9"})
    assert answer.status_code == 206 and answer.data == LOW[:10] and answer.mimetype == "video/mp4"
    poster = re.search(r'poster="([^"]+)"', html).group(1)
    assert _fetch(client, poster).mimetype == "image/png"
    track = re.search(r'<track kind="subtitles" src="([^"]+)"', html).group(1)
    assert _fetch(client, track).mimetype == "text/vtt"


def test_an_audio_page_has_a_player_of_its_file_with_the_resources_details(client, channel):
    audio = channel.node_id("Дала әні")
    html = client.get(f"/channels/{channel.channel_id}/{audio}", headers=EN).get_data(as_text=True)
    source = re.search(r'<audio controls[^>]* src="([^"]+)"', html)
    assert source and source.group(1).endswith(f"{hashlib.sha256(MP3).hexdigest()}.mp3")
    assert "Licence" in html and "CC BY" in html  # every resource page names its licence
    answer = _fetch(client, source.group(1), headers={"Range": "bytes=0-2"})
    assert answer.status_code == 206 and answer.data == MP3[:3] and answer.mimetype == "audio/mpeg"


def test_a_file_of_another_resource_or_not_in_the_channel_is_not_served(client, channel):
    video, pdf = channel.node_id("Судың айналымы"), channel.node_id("Су айналымы (PDF)")
    low = hashlib.sha256(LOW).hexdigest()
    assert client.get(f"/channels/{channel.channel_id}/{pdf}/files/{low}.mp4").status_code == 404
    assert client.get(f"/channels/{channel.channel_id}/{video}/files/{'0' * 64}.mp4").status_code == 404
    assert client.get(f"/channels/{'0' * 32}/{video}").status_code == 404
    assert client.get(f"/channels/{channel.channel_id}/{'f' * 32}").status_code == 404
    assert client.get(f"/channels/{channel.channel_id}/../../etc").status_code == 404


def test_documents_open_a_pdf_inline_and_offer_an_epub_for_download(client, channel):
    pdf_page = client.get(f"/channels/{channel.channel_id}/{channel.node_id('Су айналымы (PDF)')}")
    url = re.search(r'<a class="button" href="([^"]+)">', pdf_page.get_data(as_text=True)).group(1)
    shown = _fetch(client, url)
    assert shown.data == PDF and shown.mimetype == "application/pdf" and "attachment" not in str(shown.headers)
    epub_page = client.get(f"/channels/{channel.channel_id}/{channel.node_id('Дала кітабы')}")
    url = re.search(r'href="([^"]+\.epub[^"]*)"', epub_page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    got = _fetch(client, url)
    assert got.data == EPUB and got.headers["Content-Disposition"].startswith("attachment")


def test_an_app_is_framed_from_its_zip_under_the_sandbox_policy(client, channel):
    app_id = channel.node_id("Тәжірибе")
    page = client.get(f"/channels/{channel.channel_id}/{app_id}")
    html = page.get_data(as_text=True)
    assert 'sandbox="allow-scripts"' in html and "frame-src 'self'" in page.headers["Content-Security-Policy"]
    member = client.get(f"/channels/{channel.channel_id}/{app_id}/app/")
    assert member.status_code == 200 and b'id="ran"' in member.data
    assert member.headers["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert client.get(f"/channels/{channel.channel_id}/{app_id}/app/../index.html").status_code == 404
    assert client.get(f"/channels/{channel.channel_id}/{app_id}/app/missing.js").status_code == 404
    # another page of the site still may frame nothing
    assert "frame-src 'none'" in client.get("/").headers["Content-Security-Policy"]


def test_channel_text_is_shown_as_text_never_as_markup(client, channel):
    vector = xss_vectors()[0]
    node = channel.node_id(f"XSS {vector}")
    html = client.get(f"/channels/{channel.channel_id}/{node}").get_data(as_text=True)
    assert vector not in html and "&lt;" in html


def test_the_pages_are_small(client, channel):
    for node in ("Судың айналымы", "Жаратылыстану", "Тәжірибе"):
        assert len(client.get(f"/channels/{channel.channel_id}/{channel.node_id(node)}").data) < 20_000


def test_an_exercise_is_a_quiz_with_the_channels_mastery_and_its_unavailable_items_listed(client, channel):
    exercise = channel.node_id("Санау")
    html = client.get(f"/channels/{channel.channel_id}/{exercise}", headers=EN).get_data(as_text=True)
    assert html.count("<form") == 2 + html.count('role="search"')
    assert "2+2?" in html and "3×3?" in html
    assert "1 question of this exercise is not available" in html
    token = re.findall(r'name="token" value="([^"]+)"', html)
    assert len(token) == 2
    # the page carries no answers; answering goes through the lessons' practice path
    right = client.post("/practice/answer", data={"token": token[1], "answer": "9"}, headers=EN)
    assert right.status_code == 200 and "Right!" in right.get_data(as_text=True)
    assert f"/channels/{channel.channel_id}/{exercise}" in right.get_data(as_text=True)
    wrong = client.post("/practice/answer", data={"token": token[1], "answer": "10"}, headers=EN)
    assert "Not quite." in wrong.get_data(as_text=True)
    progress = client.get("/practice/", headers=EN).get_data(as_text=True)
    assert f"/channels/{channel.channel_id}/{exercise}#quiz-0-0" in progress and "Санау" in progress
    assert "Goal: 2 right of your last 3 answers." in right.get_data(as_text=True)


def test_a_tree_deeper_than_pythons_stack_is_shown_with_its_counts_and_breadcrumbs(app, client, tmp_path):
    from kolibri_maker import ChannelBuilder

    builder = ChannelBuilder(tmp_path / "deep", name="Deep")
    parent = builder.root_id
    for depth in range(1500):
        parent = builder.topic(f"Level {depth}", parent)
    builder.resource("document", "At the bottom", parent, files=[("document", "pdf", b"%PDF-1.4 deep")])
    builder.write()
    install_channel(app, tmp_path / "deep")
    root = client.get(f"/channels/{builder.channel_id}/", headers=EN).get_data(as_text=True)
    assert "Level 0" in root and "1 resource" in root
    bottom = builder.node_id("At the bottom")
    page = client.get(f"/channels/{builder.channel_id}/{bottom}", headers=EN)
    assert page.status_code == 200 and page.get_data(as_text=True).count("Level ") == 1500


def test_an_answer_to_an_exercise_that_changed_since_the_page_is_refused_clearly(app, client, channel, tmp_path):
    from channel_support import ASSESSMENT, radio, zip_bytes

    exercise = channel.node_id("Санау")
    html = client.get(f"/channels/{channel.channel_id}/{exercise}", headers=EN).get_data(as_text=True)
    token = re.findall(r'name="token" value="([^"]+)"', html)[0]
    node = next(n for n in channel.nodes if n["id"] == exercise)
    channel.files = [f for f in channel.files if f["contentnode_id"] != exercise]
    channel.assessments = [a for a in channel.assessments if a["contentnode_id"] != exercise]
    channel.add_file(exercise, "exercise", "perseus", zip_bytes({"q1.json": radio("1+1?", "2", "3")}))
    channel.assessments.append({"id": "a" * 32, "contentnode_id": node["id"], **ASSESSMENT})
    channel.channel_version = 2
    channel.write()
    install_channel(app, tmp_path / "stick")
    answer = client.post("/practice/answer", data={"token": token, "answer": "0"}, headers=EN)
    assert answer.status_code == 409 and "The exercise has changed since you opened it" in answer.get_data(as_text=True)
    forged = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]  # a character of the signature changed
    gone = client.post("/practice/answer", data={"token": forged, "answer": "0"}, headers=EN)
    assert gone.status_code == 400


def test_a_channel_whose_tree_object_went_missing_is_a_404_not_a_server_error(app, client, channel):
    import json

    from contentserver.channels.catalog import _trees
    from contentserver.library.manifests import read_manifest
    from contentserver.models import InstalledLibrary

    store = app.extensions["object_store"]
    with app.app_context():
        from contentserver.db import db

        row = db.session.get(InstalledLibrary, f"kolibri-{channel.channel_id}")
        tree_sha = json.loads(read_manifest(store, row.manifest_sha256))["channels"][0]["tree"]["sha256"]
    store.path(tree_sha).unlink()
    _trees.clear()
    assert client.get(f"/channels/{channel.channel_id}/").status_code == 404
    assert client.get("/").status_code == 200


def test_topics_and_resources_are_listed_interleaved_as_the_channel_orders_them(app, client, tmp_path):
    from kolibri_maker import ChannelBuilder

    builder = ChannelBuilder(tmp_path / "mixed", name="Mixed")
    builder.resource("document", "First, a document", files=[("document", "pdf", b"%PDF-1.4 a")], sort_order=1.0)
    later = builder.topic("Then a topic", sort_order=2.0)
    builder.resource("document", "Inside it", later, files=[("document", "pdf", b"%PDF-1.4 b")])
    builder.resource("document", "Last, a document", files=[("document", "pdf", b"%PDF-1.4 c")], sort_order=3.0)
    builder.write()
    install_channel(app, tmp_path / "mixed")
    html = client.get(f"/channels/{builder.channel_id}/").get_data(as_text=True)
    titles = re.findall(r'<li><a href="/channels/[^"]+"[^>]*>([^<]+)</a>', html)
    assert titles == ["First, a document", "Then a topic", "Last, a document"]
    ((_summary, again),) = install_channel(app, tmp_path / "mixed")
    assert again.unchanged  # the same channel version: nothing copied, nothing changed


def test_topic_listings_show_thumbnails_small_lazy_and_sized_and_the_page_stays_light(app, client, tmp_path):
    """A resource's thumbnail (a video's is its poster) in its topic's list: at most 96 px wide with its height
    from the image's header, loaded lazily; a hundred of them keep the page's HTML and CSS far under 100 KB and
    it works without JavaScript (plain <img> in the links). A thumbnail that is not an image is left out."""
    from kolibri_maker import ChannelBuilder
    from libmaker import png_bytes

    builder = ChannelBuilder(tmp_path / "thumbs", name="Thumbs")
    for number in range(100):
        thumb = png_bytes(400, 225, (number, 100, 200))
        builder.resource("video", f"Video {number}", files=[("low_res_video", "mp4", b"v%d" % number),
                                                            ("video_thumbnail", "png", thumb)])  # fmt: skip
    builder.resource("document", "Not a picture", files=[("document", "pdf", b"%PDF-1.4 n"),
                                                         ("document_thumbnail", "png", b"not a png")])  # fmt: skip
    builder.write()
    install_channel(app, tmp_path / "thumbs")
    page = client.get(f"/channels/{builder.channel_id}/", headers=EN)
    html = page.get_data(as_text=True)
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 100 and "<script" not in html.split("</header>")[-1]
    assert all('loading="lazy"' in tag and 'width="96" height="54"' in tag and 'alt=""' in tag for tag in images)
    css = _fetch(client, "/static/style.css").data
    assert len(page.data) + len(css) < 100_000
    first = re.search(r'src="([^"]+)"', images[0]).group(1)
    answer = _fetch(client, first)
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    second = client.get(f"/channels/{builder.channel_id}/?page=2", headers=EN).get_data(as_text=True)
    assert re.search(r'<a href="[^"]+">Not a picture</a>', second) and "<img" not in second.split("<main")[-1]


def test_a_videos_poster_is_its_thumbnail_in_the_listing_too(client, channel):
    water = client.get(f"/channels/{channel.channel_id}/{channel.node_id('Су')}").get_data(as_text=True)
    (tag,) = re.findall(r"<img [^>]*>", water)
    assert 'width="4" height="3"' in tag and 'loading="lazy"' in tag
    video = client.get(f"/channels/{channel.channel_id}/{channel.node_id('Судың айналымы')}").get_data(as_text=True)
    assert re.search(r'src="([^"]+)"', tag).group(1) in re.search(r'poster="([^"]+)"', video).group(1)
