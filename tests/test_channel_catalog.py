"""Kolibri channels in the OPDS catalog (issue 17), read by a real Atom/OPDS parser: a "Channels" section, one
feed a topic in the channel's order, each resource with its page, licence, thumbnail and (documents, video,
audio) its file to download."""

from __future__ import annotations

import pytest
from channel_support import PDF, install_channel, installed_school_channel
from test_books_catalog import feed

OPEN_ACCESS = "http://opds-spec.org/acquisition/open-access"


@pytest.fixture
def channel(app, tmp_path):
    return installed_school_channel(app, tmp_path / "stick")


def test_the_catalog_lists_channels_and_walks_their_topics_to_files(app, channel):
    client = app.test_client()
    root = feed(client, "/catalog/")
    sections = {entry.title: entry.links[0].href for entry in root.entries}
    assert sections["Channels"] == "/catalog/channels"
    channels = feed(client, "/catalog/channels")
    (listed,) = channels.entries
    links = {link.rel: link.href for link in listed.links}
    assert listed.title == "Табиғат" and links["subsection"] == f"/catalog/channels/{channel.channel_id}/"
    assert links["alternate"] == f"/channels/{channel.channel_id}/"

    top = feed(client, links["subsection"])
    assert [e.title for e in top.entries] == ["Жаратылыстану"]
    science = feed(client, top.entries[0].links[0].href)
    titles = [e.title for e in science.entries]
    assert titles[:5] == ["Су", "Дала әні", "Дала кітабы", "Тәжірибе", "Санау"]  # the channel's order
    water = feed(client, science.entries[0].links[0].href)
    assert [link.href for link in water.feed.links if link.rel == "up"] == [top.entries[0].links[0].href]
    by_title = {e.title: e for e in water.entries}
    pdf = by_title["Су айналымы (PDF)"]
    download = next(link for link in pdf.links if link.rel == OPEN_ACCESS)
    assert download.type == "application/pdf" and int(download.length) == len(PDF)
    with client.get(download.href) as answer:
        assert answer.status_code == 200 and answer.data == PDF
    video = by_title["Судың айналымы"]
    video_links = {link.rel: link for link in video.links}
    assert video_links[OPEN_ACCESS].type == "video/mp4" and video.author == "Айгүл"
    assert video.rights == "CC BY-SA — Khan Academy" and video.dcterms_language == "kk"
    assert video_links["http://opds-spec.org/image/thumbnail"].type == "image/png"
    assert video_links["alternate"].href == f"/channels/{channel.channel_id}/{channel.node_id('Судың айналымы')}"
    app_entry = {e.title: e for e in science.entries}["Тәжірибе"]  # an app is a page, not a file to take
    assert [(link.rel, link.type) for link in app_entry.links if link.rel == OPEN_ACCESS] == [
        (OPEN_ACCESS, "text/html")
    ]


def test_a_big_topic_is_paged_and_unknown_channel_paths_are_404(app, channel, tmp_path):
    from kolibri_maker import ChannelBuilder

    builder = ChannelBuilder(tmp_path / "big", name="Big")
    for number in range(60):
        builder.resource("document", f"Doc {number}", files=[("document", "pdf", b"%%PDF-1.4 %d" % number)])
    builder.write()
    install_channel(app, tmp_path / "big")
    client = app.test_client()
    first = feed(client, f"/catalog/channels/{builder.channel_id}/")
    following = [link.href for link in first.feed.links if link.rel == "next"]
    assert len(first.entries) == 50 and following == [f"/catalog/channels/{builder.channel_id}/?page=2"]
    assert [e.title for e in feed(client, following[0]).entries] == [f"Doc {n}" for n in range(50, 60)]
    resource = channel.node_id("Дала әні")
    other = f"/catalog/channels/{channel.channel_id}"
    for path in (f"/catalog/channels/{'0' * 32}/", f"{other}/{resource}", f"{other}/x~y",
                 f"/catalog/channels/{builder.channel_id}/?page=3"):  # fmt: skip
        assert client.get(path).status_code == 404, path
