"""kiwix-serve as the peer: a ZIM of the same synthetic lessons (full-text and title indexes), served on 127.0.0.1.

The ZIM is written with the `libzim` package (the `bench` extra) from the built library folder, each lesson's
Markdown rendered by the project's own renderer into a small HTML page, and cached outside the repo like the
libraries. kiwix-serve comes from Debian's kiwix-tools (`make bench-deps`).
"""

from __future__ import annotations

import html
import json
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from contentserver.library.format import MANIFEST_NAME, object_relpath
from contentserver.library.markdown_html import render_markdown

from .cache import cached_folder, digest
from .servers import HOST, Server, free_port, serving

ZIM_VERSION = "2"  # bump when the pages written below change
ZIM_NAME = "lessons"  # kiwix-serve 3.3 names the book after the file: /lessons/<path>
PAGE = (
    '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body>{body}</body></html>'
)


def have_kiwix() -> bool:
    return shutil.which("kiwix-serve") is not None


def _items(library: Path) -> Iterator[tuple[str, str, str, bytes, bool]]:
    """(path, title, mimetype, content, is_article) of every lesson page and every object a page shows."""
    manifest = json.loads((library / MANIFEST_NAME).read_bytes())
    images: set[tuple[str, str]] = set()
    for entry in manifest["lessons"]:
        urls = {a["name"]: f"../objects/{a['sha256']}" for a in entry.get("attachments", ())}  # relative to lessons/
        images.update((a["sha256"], a["type"]) for a in entry.get("attachments", ()))
        text = (library / object_relpath(entry["body"]["sha256"])).read_text(encoding="utf-8")
        body = render_markdown(text, urls)
        page = PAGE.format(lang=entry["lang"], title=html.escape(entry["title"]), body=body)
        yield f"lessons/{entry['id']}", entry["title"], "text/html", page.encode("utf-8"), True
    for sha256, media_type in sorted(images):
        yield f"objects/{sha256}", "", media_type, (library / object_relpath(sha256)).read_bytes(), False


def build_zim(library: Path, out: Path) -> None:
    """Write library's lessons to out/lessons.zim with libzim, indexed for full text and titles."""
    from libzim.writer import Creator, Hint, Item, StringProvider  # the bench extra; imported only to build

    class Page(Item):
        def __init__(self, path: str, title: str, mimetype: str, content: bytes, article: bool):
            super().__init__()
            self.path, self.title, self.mimetype, self.content, self.article = path, title, mimetype, content, article

        def get_path(self) -> str:
            return self.path

        def get_title(self) -> str:
            return self.title

        def get_mimetype(self) -> str:
            return self.mimetype

        def get_contentprovider(self) -> StringProvider:
            return StringProvider(self.content)

        def get_hints(self) -> dict:
            return {Hint.FRONT_ARTICLE: self.article, Hint.COMPRESS: self.mimetype.startswith("text/")}

    started = time.monotonic()
    print(f"  writing a ZIM of {library.name} with libzim (cached for later runs)…", flush=True)
    first = None
    with Creator(str(out / f"{ZIM_NAME}.zim")).config_indexing(True, "eng").config_nbworkers(2) as creator:
        for path, title, mimetype, content, article in _items(library):
            first = first or path
            creator.add_item(Page(path, title, mimetype, content, article))
        creator.set_mainpath(first)
        for name, value in (
            ("Name", "contentserver-bench"),
            ("Title", "Synthetic lessons"),
            ("Language", "kaz,rus,eng"),
            ("Creator", "contentserver bench"),
            ("Publisher", "contentserver bench"),
            ("Date", "2026-11-25"),
            ("Description", f"{library.name}: the contentserver bench's synthetic lessons"),
        ):
            creator.add_metadata(name, value)
    print(f"  wrote the ZIM in {time.monotonic() - started:.0f} s", flush=True)


def zim_of(library: Path) -> Path:
    """The cached ZIM file of a built library."""
    key = digest((library / MANIFEST_NAME).read_bytes(), ZIM_VERSION, PAGE)
    return cached_folder(f"zim-{library.name}-{key}", lambda out: build_zim(library, out)) / f"{ZIM_NAME}.zim"


def article_path(lesson_id: str) -> str:
    return f"/{ZIM_NAME}/lessons/{lesson_id}"


def search_path(query: str) -> str:
    """kiwix-serve's full-text search page over the one book."""
    return "/search?" + urllib.parse.urlencode({"content": ZIM_NAME, "pattern": query})


def suggest_path(query: str) -> str:
    """Title suggestions (never loaded concurrently: kiwix-serve 3.3.0 crashes on overlapping /suggest)."""
    return "/suggest?" + urllib.parse.urlencode({"content": ZIM_NAME, "term": query})


@contextmanager
def kiwix_serving(zim: Path, ready_lesson: str) -> Iterator[Server]:
    """kiwix-serve on a free 127.0.0.1 port over one ZIM, ready once a lesson page answers."""
    port = free_port()
    command = ["kiwix-serve", "--address", HOST, "--port", str(port), str(zim)]
    with serving("kiwix-serve", command, port, ready_path=article_path(ready_lesson)) as server:
        yield server


if __name__ == "__main__":
    from .synthetic import synthetic_library

    print(zim_of(synthetic_library(20_000)))
