"""ZIM files for tests: the real ones in ../shared/zim/ (read in place) and small ones made with libzim's writer."""

from __future__ import annotations

from pathlib import Path

from libmaker import SHARED
from libzim.writer import Creator, Hint, Item, StringProvider  # type: ignore[import-untyped]

ZIMS = SHARED / "zim"
RAY = ZIMS / "zimfile.zim"  # English Wikipedia subset, old namespace layout, 129 articles
BELARUSIAN = ZIMS / "nons" / "wikibooks_be_all_nopic_2017-02.zim"
SPLIT_FIRST = ZIMS / "nons" / "wikibooks_be_all_nopic_2017-02_splitted.zimaa"
CORNER = ZIMS / "corner_cases#&.zim"
INVALID = sorted((ZIMS / "invalid").glob("*.zim"))


class _Entry(Item):
    def __init__(self, path: str, title: str, mimetype: str, content: bytes | str, front: bool):
        super().__init__()
        self._path, self._title, self._mimetype = path, title, mimetype
        self._content = content.encode("utf-8") if isinstance(content, str) else content
        self._front = front

    def get_path(self) -> str:
        return self._path

    def get_title(self) -> str:
        return self._title

    def get_mimetype(self) -> str:
        return self._mimetype

    def get_contentprovider(self):
        return StringProvider(self._content)

    def get_hints(self):
        return {Hint.FRONT_ARTICLE: self._front, Hint.COMPRESS: self._mimetype.startswith("text/")}


def make_zim(
    path: Path,
    entries: list[tuple[str, str, str, bytes | str]],
    name: str = "test_book",
    title: str = "Test book",
    language: str = "eng",
    main: str | None = None,
    redirects: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> Path:
    """A ZIM of (path, title, mimetype, content) entries; HTML entries are front articles."""
    with Creator(str(path)).config_indexing(False, language).config_verbose(False) as creator:
        for key, value in {
            "Name": name,
            "Title": title,
            "Language": language,
            "Creator": "tests",
            "Date": "2026-12-05",
        }.items():
            creator.add_metadata(key, value)
        for entry_path, entry_title, mimetype, content in entries:
            creator.add_item(_Entry(entry_path, entry_title, mimetype, content, mimetype == "text/html"))
        for source, target_title, target in redirects:
            creator.add_redirection(source, target_title, target, {Hint.FRONT_ARTICLE: True})
        if main:
            creator.set_mainpath(main)
    return path
