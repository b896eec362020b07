"""markdown_html: Markdown becomes HTML that can never run script or load anything from outside the box."""

from __future__ import annotations

import pytest
from conftest import URL_ATTRIBUTES, Elements, points_elsewhere, url_scheme, xss_vectors

from contentserver.library.markdown_html import render_markdown

SHA = "ab" * 32
URL = f"/objects/{SHA}"
DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "svg",
    "math",
    "base",
    "meta",
    "form",
    "input",
    "button",
    "link",
    "frame",
    "frameset",
    "applet",
    "body",
    "html",
    "head",
    "title",
    "noscript",
    "template",
    "textarea",
    "select",
    "details",
}


def assert_harmless(rendered: str) -> None:
    for tag, attrs in Elements(rendered).elements:
        assert tag not in DANGEROUS_TAGS, (tag, rendered)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, rendered)
            assert name != "style", rendered
            if name in URL_ATTRIBUTES and value is not None:
                assert url_scheme(value) not in ("javascript", "data", "vbscript", "file"), (tag, name, rendered)


@pytest.mark.parametrize("vector", xss_vectors())
def test_xss_vector_in_a_lesson_body_renders_harmless(vector):
    assert_harmless(render_markdown(vector))
    assert_harmless(render_markdown(f"# Title\n\nSome text {vector} more text.\n\n- item {vector}\n"))


@pytest.mark.parametrize("vector", xss_vectors())
def test_xss_vector_as_an_attachment_reference_renders_harmless(vector):
    assert_harmless(
        render_markdown(f"![{vector}](leaf.png) [{vector}](sheet.pdf)", {"leaf.png": URL, "sheet.pdf": URL})
    )


def test_the_vector_list_is_read_from_shared_and_not_empty():
    vectors = xss_vectors()
    assert len(vectors) >= 30 and "<script>alert(1)</script>" in vectors


def test_checker_itself_notices_script_and_handlers():
    with pytest.raises(AssertionError):
        assert_harmless('<p><a href=" JaVa&#x53;cript:alert(1)">x</a></p>')
    with pytest.raises(AssertionError):
        assert_harmless('<img src="/objects/x" onerror="alert(1)">')
    with pytest.raises(AssertionError):
        assert_harmless("<script>alert(1)</script>")


def test_tables_render_as_html_tables():
    out = render_markdown("| Unit | Size |\n|---|---|\n| 1 cm² | small |\n| 1 ha | big |\n")
    elements = [tag for tag, _ in Elements(out).elements]
    assert elements.count("table") == 1 and elements.count("th") == 2 and elements.count("td") == 4
    assert "<td>1 cm²</td>" in out


def test_lists_render_as_html_lists():
    out = render_markdown("Intro\n\n- one\n- two\n\n1. first\n2. second\n")
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in out
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in out


def test_headings_emphasis_and_code_survive_sanitizing():
    out = render_markdown("# Сабақ\n\n**bold** *it* `code`\n\n```\nx = 1\n```\n")
    for fragment in ("<h1>Сабақ</h1>", "<strong>bold</strong>", "<em>it</em>", "<code>code</code>", "<pre>"):
        assert fragment in out


def test_attachment_names_are_rewritten_to_object_urls():
    out = render_markdown(
        "![a leaf](leaf.png)\n\n[worksheet](./sheet.pdf)\n", {"leaf.png": URL, "sheet.pdf": f"/objects/{'cd' * 32}"}
    )
    attrs = {tag: a for tag, a in Elements(out).elements}
    assert attrs["img"]["src"] == f"/objects/{SHA}" and attrs["img"]["alt"] == "a leaf"
    assert attrs["a"]["href"] == f"/objects/{'cd' * 32}"


def test_link_to_a_page_of_an_attached_pdf_keeps_the_page():
    out = render_markdown("[page 2](sheet.pdf#page=2)", {"sheet.pdf": URL})
    assert f'href="/objects/{SHA}#page=2"' in out


@pytest.mark.parametrize(
    "source",
    [
        "http://example.com/tracker.png",
        "https://cdn.example.org/a.png",
        "//evil.example/a.png",
        "ftp://x/a.png",
        "other.png",
        "../leaf.png",
        "/static/../etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
    ],
)
def test_images_never_load_from_outside_the_box(source):
    out = render_markdown(f"![x]({source}) <img src=\"{source}\">", {"leaf.png": URL})
    images = [attrs for tag, attrs in Elements(out).elements if tag == "img"]
    assert images and all(attrs.get("src") in (None,) or attrs["src"].startswith("/objects/") for attrs in images)


@pytest.mark.parametrize(
    "href",
    [
        "https://example.org/",
        "http://example.org/x",
        "HTTP://EXAMPLE.ORG",
        "//example.org/x",
        "/\\example.org",
        "\\\\example.org",
        "/\t/example.org",
        "ftp://example.org/",
        "file:///etc/passwd",
    ],
)
def test_links_to_other_hosts_are_dropped_keeping_their_text(href):
    out = render_markdown(f'[the site]({href}) <a href="{href}">raw</a>')
    links = [attrs for tag, attrs in Elements(out).elements if tag == "a"]
    assert len(links) == 2 and not any(points_elsewhere(attrs.get("href")) for attrs in links)
    assert "href" not in links[1]
    assert "the site" in out and "raw" in out


@pytest.mark.parametrize(
    "href", ["/lessons/sci-water-states-kk", "#formulas", "?page=2", "mailto:teacher@school.kz", "other-lesson"]
)
def test_links_within_the_box_are_kept(href):
    (attrs,) = [a for tag, a in Elements(render_markdown(f"[x]({href})")).elements if tag == "a"]
    assert attrs["href"] == href


def test_links_get_no_referrer_and_no_opener():
    out = render_markdown("[site](/lessons/x)")
    ((tag, attrs),) = Elements(out).elements[1:]
    assert tag == "a" and set(attrs["rel"].split()) == {"noopener", "noreferrer"}


def test_raw_html_comments_and_styles_are_dropped():
    out = render_markdown("<!-- secret --><p style=\"position:fixed\">x</p>")
    assert "secret" not in out and "style" not in out and "<p>x</p>" in out


def test_nothing_of_one_body_carries_over_into_the_next():
    first = render_markdown("*[HTML]: Hyper Text\n\nHTML here.\n\n```\nopen fence")
    assert '<abbr title="Hyper Text">HTML</abbr>' in first
    assert render_markdown("HTML here.\n") == "<p>HTML here.</p>"
    assert render_markdown("[x]: /lessons/a\n") == "" and render_markdown("[y][x]") == "<p>[y][x]</p>"
