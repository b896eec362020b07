"""The books benchmark's ZIM: N articles of realistic text, written with libzim's writer, cached outside the repo.

Sentences come from ../shared/corpus (lessons in Kazakh Cyrillic and Latin, Russian, English) and from the
articles of the real ZIMs in ../shared/zim (English Wikipedia, Belarusian Wikibooks, German): every article is a
seeded draw of those sentences, so the vocabulary is a real one, not one lesson repeated. One in ten articles
also gets a redirect under another title. Full-text and title indexes are written so kiwix-serve can search it.
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from contentserver.books.articles import article_text

from .cache import cached_folder, digest

SHARED = Path(__file__).resolve().parents[2] / "shared"
ZIM_VERSION = "1"  # bump when the articles written below change
NAME = "books_bench"
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>'
    '<nav class="navbar"><a href="index">Home</a></nav><h1>{title}</h1>{paragraphs}'
    "<script>var x = 1;</script></body></html>"
)


def sentences() -> list[str]:
    """Every sentence of the corpus lessons and of the shared ZIMs' articles, in a stable order."""
    pool: list[str] = []
    for line in (SHARED / "corpus" / "lessons.jsonl").read_text("utf-8").splitlines():
        body = json.loads(line)["body"]
        pool += [s for s in SENTENCE_RE.split(re.sub(r"[#*_`>|-]+", " ", body)) if len(s.split()) >= 4]
    from libzim.reader import Archive

    for zim in sorted((SHARED / "zim").rglob("*.zim")):
        if "invalid" in zim.parts:
            continue
        archive = Archive(str(zim))
        for index in range(archive.entry_count):
            entry = archive._get_entry_by_id(index)
            if not entry.is_redirect and entry.get_item().mimetype.startswith("text/html"):
                text = article_text(bytes(entry.get_item().content))
                pool += [s for s in SENTENCE_RE.split(text) if 4 <= len(s.split()) <= 60]
    return [" ".join(s.split()) for s in pool]


def _title(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(2, 3))).capitalize() + f" {n}"


def build(out: Path, articles: int) -> None:
    from libzim.writer import Creator, Hint, Item, StringProvider

    class Page(Item):
        def __init__(self, path: str, title: str, html: str):
            super().__init__()
            self.p, self.t, self.html = path, title, html

        def get_path(self) -> str:
            return self.p

        def get_title(self) -> str:
            return self.t

        def get_mimetype(self) -> str:
            return "text/html"

        def get_contentprovider(self) -> StringProvider:
            return StringProvider(self.html)

        def get_hints(self) -> dict:
            return {Hint.FRONT_ARTICLE: True, Hint.COMPRESS: True}

    pool = sentences()
    words = sorted({w for s in pool for w in re.findall(r"\w{4,}", s)})
    rng = random.Random(16)
    started = time.monotonic()
    print(f"  writing a ZIM of {articles:,} articles from {len(pool):,} sentences (cached for later runs)…")
    with Creator(str(out / f"{NAME}.zim")).config_indexing(True, "eng").config_nbworkers(2) as creator:
        for n in range(articles):
            title = _title(rng, words, n)
            paragraphs = "".join(
                "<p>" + " ".join(rng.choice(pool) for _ in range(rng.randint(2, 5))) + "</p>"
                for _ in range(rng.randint(2, 6))
            )
            creator.add_item(Page(f"a/{n}", title, PAGE.format(title=title, paragraphs=paragraphs)))
            if n % 10 == 0:
                creator.add_redirection(f"r/{n}", _title(rng, words, n), f"a/{n}", {Hint.FRONT_ARTICLE: True})
            if n and n % 50_000 == 0:
                print(f"    {n:,} articles, {time.monotonic() - started:.0f} s", flush=True)
        creator.set_mainpath("a/0")
        for key, value in (("Name", NAME), ("Title", "Bench book"), ("Language", "eng"), ("Creator", "bench")):
            creator.add_metadata(key, value)
        creator.add_metadata("Date", "2026-12-05")
    print(f"  wrote the ZIM in {time.monotonic() - started:.0f} s", flush=True)


def bench_zim(articles: int) -> Path:
    """The cached ZIM of `articles` articles."""
    key = digest(ZIM_VERSION, str(articles), PAGE)
    return cached_folder(f"books-zim-{articles}-{key}", lambda out: build(out, articles)) / f"{NAME}.zim"
