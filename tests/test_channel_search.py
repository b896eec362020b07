"""Channel resources in the one search: titles, descriptions, tags, subtitles, PDF text and exercise questions,
Kazakh analysis, links to resource pages, and a source filter."""

from __future__ import annotations

import os
import re

import pytest
from channel_support import school_channel
from click.testing import CliRunner

from contentserver.channels.textindex import FOLDER
from contentserver.cli import main

EN = {"Accept-Language": "en"}


@pytest.fixture
def channel(app, tmp_path, monkeypatch):
    """Imported with `contentserver import`, which builds the channel's search index too."""
    for key in list(os.environ):
        if key.startswith("CONTENTSERVER_"):
            monkeypatch.delenv(key)
    builder = school_channel(tmp_path / "stick")
    done = CliRunner().invoke(main, ["import", str(tmp_path / "stick"), "--data", app.config["DATA_DIR"]])
    assert done.exit_code == 0, done.output
    assert "search index built for 1 channel(s)" in done.output
    assert len(list((tmp_path / "data" / FOLDER).iterdir())) == 1
    return builder


def _found(client, query: str, **args) -> list[str]:
    html = client.get("/search", query_string={"q": query, **args}, headers=EN).get_data(as_text=True)
    return re.findall(r'href="(/channels/[^"]+)"', html)


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("айналым", "Судың айналымы"),  # a Kazakh stem of the title's word
        ("бұлттар", "Судың айналымы"),  # the tag and description's word, inflected
        ("вода", "Судың айналымы"),  # the Russian subtitle track's text
        ("condensation", "Су айналымы (PDF)"),  # the PDF's text
        ("дала", "Дала әні"),
    ],
)
def test_a_search_finds_channel_resources_and_links_to_their_pages(client, channel, query, title):
    url = f"/channels/{channel.channel_id}/{channel.node_id(title)}"
    assert url in _found(client, query)


def test_the_source_filter_keeps_or_leaves_out_channels(client, channel):
    video = f"/channels/{channel.channel_id}/{channel.node_id('Судың айналымы')}"
    assert video in _found(client, "айналым", source="channels")
    assert video not in _found(client, "айналым", source="lessons")
    assert video not in _found(client, "айналым", source="books")
    page = client.get("/search", query_string={"q": "су"}, headers=EN).get_data(as_text=True)
    assert '<option value="channels"' in page and "Channels only" in page


def test_an_exercise_is_found_by_its_questions_and_a_filter_by_grade_leaves_channels_out(client, channel):
    exercise = f"/channels/{channel.channel_id}/{channel.node_id('Санау')}"
    assert exercise in _found(client, "Санау")
    assert exercise not in _found(client, "Санау", grade="5")


def test_importing_again_builds_no_second_index(app, channel, tmp_path):
    done = CliRunner().invoke(main, ["import", str(tmp_path / "stick"), "--data", app.config["DATA_DIR"]])
    assert done.exit_code == 0 and "already installed" in done.output and "search index built" not in done.output


def test_as_you_type_suggests_channel_resource_titles(client, channel):
    video = f"/channels/{channel.channel_id}/{channel.node_id('Судың айналымы')}"
    found = client.get("/api/suggest", query_string={"q": "судың айна"}).get_json()["suggestions"]
    assert {"title": "Судың айналымы", "url": video} in [{"title": s["title"], "url": s["url"]} for s in found]
    opensearch = client.get("/api/suggest", query_string={"q": "дала", "format": "opensearch"}).get_json()
    assert "Дала әні" in opensearch[1]


def test_a_resource_without_a_language_is_stemmed_in_its_topics_or_the_channels_language(app, tmp_path):
    """`lang` null on the resource: the nearest topic's language (the root's is the channel's) is taken at import,
    and an older tree without it is indexed in the language most of the channel's resources name."""
    from channel_support import install_channel
    from kolibri_maker import ChannelBuilder

    from contentserver.channels.catalog import list_channels, load_tree
    from contentserver.channels.textindex import channel_lang, document, index_channels

    builder = ChannelBuilder(tmp_path / "stick", name="Су")
    builder.nodes[0]["lang_id"] = "kk"
    russian = builder.topic("Вода", lang_id="ru")
    kazakh = builder.resource("document", "Судың айналымы", files=[("document", "pdf", b"%PDF-1.4 a")])
    water = builder.resource("document", "Круговорот воды", russian, files=[("document", "pdf", b"%PDF-1.4 b")])
    own = builder.resource("document", "Water", russian, files=[("document", "pdf", b"%PDF-1.4 c")], lang_id="en")
    builder.write()
    install_channel(app, tmp_path / "stick")
    with app.app_context():
        store = app.extensions["object_store"]
        (channel,) = list_channels(store)
        tree = load_tree(store, channel)
        assert [tree.nodes[i].lang for i in (kazakh, water, own)] == ["kk", "ru", "en"]
        index_channels(app.config["DATA_DIR"], store)
        # a tree written before resources inherited a language: the channel's most common one
        old = tree.nodes[kazakh]
        old.lang = None
        assert channel_lang(tree.resources()) in ("kk", "ru", "en")
        assert "title_stem_kk" in document(tree.id, old, store, channel_lang="kk")
        assert not any(key.startswith("title_stem") for key in document(tree.id, old, store))
        old.lang = "kk"
    with app.test_client() as client:
        assert f"/channels/{channel.id}/{kazakh}" in _found(client, "айналым")  # a stem, not the surface form
        assert f"/channels/{channel.id}/{water}" in _found(client, "воду")


def test_a_language_other_than_kazakh_russian_and_english_is_searched_by_folded_forms(app, tmp_path):
    """Swahili has no stemmer here: its words are indexed as folded surface forms (case, accents), and found."""
    from channel_support import install_channel
    from kolibri_maker import ChannelBuilder

    from contentserver.channels.catalog import list_channels, load_tree
    from contentserver.channels.textindex import document, index_channels

    builder = ChannelBuilder(tmp_path / "stick", name="Hadithi")
    story = builder.resource("document", "Hadithi za Wanyama", files=[("document", "pdf", b"%PDF-1.4 s")],
                             lang_id="sw", description="Sungura na Kobe")  # fmt: skip
    builder.write()
    install_channel(app, tmp_path / "stick")
    with app.app_context():
        store = app.extensions["object_store"]
        (channel,) = list_channels(store)
        indexed = document(channel.id, load_tree(store, channel).nodes[story], store)
        assert indexed["lang"] == "sw" and indexed["title_key"] == "Hadithi za Wanyama"
        assert not [key for key in indexed if "_stem_" in key]
        index_channels(app.config["DATA_DIR"], store)
    with app.test_client() as client:
        for query in ("wanyama", "SUNGURA", "hadithi"):
            assert f"/channels/{channel.id}/{story}" in _found(client, query), query
