"""The index schema and how a lesson row becomes an index document."""

from __future__ import annotations

import re

from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Frequency

from ..library.objects import ObjectStore
from ..models import Lesson
from .analysis import LANGS, exact_analyzer, key_analyzer, pair_keys, stem_analyzer
from .extract import markdown_text, pdf_text, title_free, vtt_text
from .facet_words import facet_words

# Bump when the schema or the analysis changes: an index of another format is rebuilt at start.
# 2: no lesson text stored (snippets read the body object), segments written as separate files.
# 3: the subject's and grade's names (kk, ru, en) indexed with the tags (facet_words.py).
# 4: Kazakh morphology with a stem lexicon, per-language stopwords, Roman numerals, hyphenated words joined;
#    a "pairs" field of neighbouring stems (proximity).
INDEX_FORMAT = 4
TEXT_PARTS = ("title", "body", "tags", "extra")  # extra: PDF text and subtitles
EXACT_PARTS = ("title", "body")
TOPIC_RE = re.compile(r"-(en|ru|kk)(-(latn|cyrl))?(-\d+)?$")


def _text(analyzer) -> TEXT:
    """A scored text field without positions: BM25F needs frequencies, not phrases."""
    return TEXT(analyzer=analyzer, phrase=False, vector=None)


def build_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True),
        "lang": ID(stored=True),
        "script": ID(stored=True),
        "subject": ID(stored=True),
        "grade": ID(stored=True),
        "topic": ID(stored=True),
        "kinds": KEYWORD(commas=False),
        "title": STORED(),
    }
    for part in EXACT_PARTS:
        fields[f"{part}_exact"] = _text(exact_analyzer())
    for part in TEXT_PARTS:
        fields[f"{part}_key"] = _text(key_analyzer())
        for lang in LANGS:
            fields[f"{part}_stem_{lang}"] = _text(stem_analyzer(lang))
    fields["pairs"] = _text(SpaceSeparatedTokenizer())  # analysis.pair_keys of title and body, in the lesson's lang
    schema = Schema(**fields)
    for name in schema.names():
        if isinstance(schema[name], TEXT):
            schema[name].format = Frequency()
    return schema


def topic_of(lesson_id: str) -> str:
    """Versions of one lesson in other languages share an id apart from a -en/-ru/-kk(-latn) ending."""
    return TOPIC_RE.sub("", lesson_id)


def extra_text(lesson: Lesson, store: ObjectStore) -> str:
    """Text of the lesson's PDFs and subtitles."""
    parts = []
    for attachment in lesson.attachments:
        if attachment.kind == "pdf" and store.has(attachment.sha256):
            parts.append(pdf_text(store.read_bytes(attachment.sha256)))
        elif attachment.kind == "subtitles" and store.has(attachment.sha256):
            parts.append(vtt_text(store.read_bytes(attachment.sha256)))
    return "\n".join(parts)


def lesson_document(lesson: Lesson, store: ObjectStore) -> dict | None:
    """The index document of a published lesson, or None when its body object is missing."""
    if not store.has(lesson.body_sha256):
        return None
    body = title_free(markdown_text(store.read_bytes(lesson.body_sha256).decode("utf-8", "replace")), lesson.title)
    tags = " ".join([*lesson.tags, facet_words(lesson.subject, lesson.grade)])
    extra = extra_text(lesson, store)
    kinds = {"text"} | {a.kind for a in lesson.attachments if a.kind != "subtitles"}
    doc = {
        "id": lesson.id,
        "lang": lesson.lang,
        "script": lesson.script,
        "subject": lesson.subject,
        "grade": str(lesson.grade),
        "topic": topic_of(lesson.id),
        "kinds": " ".join(sorted(kinds)),
        "title": lesson.title,
    }
    texts = {"title": lesson.title, "body": body, "tags": tags, "extra": extra}
    if lesson.lang in LANGS:
        doc["pairs"] = " ".join(pair_keys(f"{lesson.title}\n{body}", lesson.lang))
    for part, value in texts.items():
        if not value:
            continue
        if part in EXACT_PARTS:
            doc[f"{part}_exact"] = value
        doc[f"{part}_key"] = value
        doc[f"{part}_stem_{lesson.lang}"] = value
    return doc
