"""Running a search: rank, prefer the query's language, drop lessons no longer published, group versions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from markupsafe import Markup

from ..db import db
from ..library.objects import ObjectStore
from ..library.store import data_version, published_among
from ..lru import LRU
from ..models import Lesson
from .extract import markdown_text, title_free
from .indexer import Indexer
from .query import Plan, build
from .scoring import Ranker, SnapshotSearcher
from .snippets import Marker, make_snippet

CANDIDATES = 100
LANG_BOOST = 1.6  # a lesson in the query's language ranks above other versions of the same topic
VERSION_KINDS = 4  # kk Cyrillic, kk Latin, ru, en
VERSION_SCAN = 60  # versions of a topic looked at for "also in"
FEW_RESULTS = 1  # fewer topics than this: try a "did you mean" (with results, a half-corrected query misled)
SNIPPET_MARKDOWN_BYTES = 8000  # snippets are looked for in the start of a lesson (snippets.SCAN_CHARS of text)


@dataclass(frozen=True)
class Filters:
    subject: str | None = None
    grade: int | None = None
    lang: str | None = None
    kind: str | None = None

    def terms(self) -> list[tuple[str, str]]:
        return [
            (name, str(value))
            for name, value in (
                ("subject", self.subject),
                ("grade", self.grade),
                ("lang", self.lang),
                ("kinds", self.kind),
            )
            if value
        ]


@dataclass
class Hit:
    id: str
    title: str
    lang: str
    script: str
    subject: str
    grade: int
    topic: str
    score: float
    snippet: Markup = Markup("")  # noqa: RUF009
    also_in: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    query: str
    lang: str | None = None
    hits: list[Hit] = field(default_factory=list)  # this page, one per topic
    ranked: list[Hit] = field(default_factory=list)  # every visible hit in rank order (not kept in the cache)
    total: int = 0  # topics found
    page: int = 1
    per_page: int = 10
    suggestion: str | None = None
    timed_out: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _visible(ids: list[str], store: ObjectStore) -> dict[str, str]:
    """Ids that are published in the database now, with their body present (architecture invariant 3), and
    their body objects."""
    published = published_among(db.session.connection(), ids, Lesson.body_sha256)
    return {lesson_id: sha for lesson_id, sha in published.items() if store.has(sha)}


def _hit(fields: dict, score: float) -> Hit:
    return Hit(
        fields["id"],
        fields["title"],
        fields["lang"],
        fields["script"],
        fields["subject"],
        int(fields["grade"]),
        fields["topic"],
        score,
    )


def ranker(searcher: SnapshotSearcher) -> Ranker:
    """The scoring state the indexer keeps with each snapshot's searcher."""
    return searcher.ranker


def _ranked(searcher: SnapshotSearcher, plan: Plan, filters: Filters, budget: float) -> tuple[list[Hit], bool]:
    scoring = ranker(searcher)
    allowed = scoring.docs(filters.terms()) if filters.terms() else None
    top, timed_out = scoring.top(plan.terms, CANDIDATES, allowed, budget)
    hits = []
    for docnum, score in top:
        fields = scoring.stored(docnum)
        hits.append(_hit(fields, score * (LANG_BOOST if fields["lang"] == plan.lang else 1.0)))
    hits.sort(key=lambda h: -h.score)
    return hits, timed_out


def _snippet_text(store: ObjectStore, sha: str, title: str) -> str:
    """The start of a lesson's text, read from its body object (the index stores no text); none if the object
    went since the visibility check."""
    try:
        with open(store.filename(sha), "rb") as body:
            markdown = body.read(SNIPPET_MARKDOWN_BYTES).decode("utf-8", "ignore")
    except FileNotFoundError:
        return ""
    return title_free(markdown_text(markdown), title)


def _group(hits: list[Hit]) -> list[Hit]:
    """One hit per topic, best first; one other version per language and script becomes its 'also in'."""
    groups: dict[str, Hit] = {}
    for hit in hits:
        head = groups.get(hit.topic)
        if head is None:
            groups[hit.topic] = hit
            hit.also_in = []
        elif (hit.lang, hit.script) not in {(h.lang, h.script) for h in [head, *head.also_in]}:
            head.also_in.append(hit)
    return list(groups.values())


def _add_versions(searcher: SnapshotSearcher, heads: list[Hit], store: ObjectStore) -> None:
    """Each topic on the page shows its versions in every other language and script, matched or not."""
    candidates: dict[str, list[Hit]] = {}
    scoring = ranker(searcher)
    for head in heads:
        seen = {(h.lang, h.script) for h in [head, *head.also_in]}
        for checked, docnum in enumerate(scoring.term_docs("topic", head.topic)):
            if checked >= VERSION_SCAN or len(seen) >= VERSION_KINDS:
                break
            doc = scoring.stored(docnum)
            if (doc["lang"], doc["script"]) not in seen:
                seen.add((doc["lang"], doc["script"]))
                candidates.setdefault(head.id, []).append(_hit(doc, 0.0))
    visible = _visible([h.id for found in candidates.values() for h in found], store) if candidates else {}
    for head in heads:
        head.also_in.extend(h for h in candidates.get(head.id, []) if h.id in visible)


def _suggest(searcher: SnapshotSearcher, plan: Plan) -> str | None:
    """The query with the words the library does not know replaced by the closest indexed words, or None: the
    most frequent word one edit away (found while building the query), else two edits away."""
    if not plan.unknown:
        return None
    reader = searcher.reader()  # (the searcher lends its reader's methods at run time, unannotated)
    corrector = reader.corrector("body_exact")
    changed, out = False, []
    for word in plan.words:
        near = plan.near.get(word)
        if near:
            best = [max(near, key=lambda term: (reader.doc_frequency("body_exact", term), term))]
        else:
            best = corrector.suggest(word, limit=1, maxdist=2, prefix=1) if word in plan.unknown else []
        changed = changed or bool(best and best[0] != word)
        out.append(best[0] if best else word)
    return " ".join(out) if changed else None


class ResultCache:
    """Recent results, keyed by the query and the state of the index and the lesson rows: a class searching
    the same words at once costs one search. Only the page is kept (~20 KB an entry)."""

    def __init__(self, size: int = 128):
        self.size = size
        self._entries: LRU[tuple, Results] = LRU(size)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> Results | None:
        return self._entries.get(key)

    def put(self, key: tuple, results: Results) -> None:
        self._entries.put(key, results)


def search(
    indexer: Indexer,
    text: str,
    filters: Filters = Filters(),
    page: int = 1,
    per_page: int = 10,
    budget: float = 2.0,
    max_chars: int = 200,
    snippets: bool = True,
    cache: ResultCache | None = None,
    cached_only: bool = False,
    library_version: int | None = None,
) -> Results | None:
    """One page of results for what the user typed (grouped by topic), with a correction when few are found.

    With a cache, recent results are reused while the index and the lesson rows stay the same; `cached_only`
    answers None instead of searching. `library_version` is the lesson rows' data_version if the caller
    already knows it (else it is read)."""
    text = text[:max_chars]
    with indexer.searcher() as searcher:
        version = data_version() if library_version is None and cache is not None else library_version
        key = (text, filters, page, per_page, snippets, indexer.state(searcher), version)
        cached = cache.get(key) if cache is not None else None
        if cached is not None or cached_only:
            return cached
        with ranker(searcher).lock:
            results = _search(indexer, searcher, text, filters, page, per_page, budget, snippets)
        if cache is not None and not results.timed_out:
            cache.put(key, replace(results, ranked=[]))
        return results


def _search(
    indexer: Indexer,
    searcher: SnapshotSearcher,
    text: str,
    filters: Filters,
    page: int,
    per_page: int,
    budget: float,
    snippets: bool,
) -> Results:
    results = Results(text, page=page, per_page=per_page)
    plan = build(text, searcher)
    results.lang = plan.lang
    if plan.empty:
        return results
    hits, results.timed_out = _ranked(searcher, plan, filters, budget)
    visible = _visible([h.id for h in hits], indexer.store) if hits else {}
    results.ranked = [h for h in hits if h.id in visible]
    groups = _group(results.ranked)
    results.total = len(groups)
    results.hits = groups[(page - 1) * per_page : page * per_page]
    _add_versions(searcher, results.hits, indexer.store)
    if snippets:
        markers: dict[str, Marker] = {}
        for hit in results.hits:
            matches = markers.setdefault(hit.lang, Marker(hit.lang, plan.keys))
            hit.snippet = make_snippet(_snippet_text(indexer.store, visible[hit.id], hit.title), matches)
    if results.total < FEW_RESULTS and not results.timed_out:
        suggestion = _suggest(searcher, plan)
        if suggestion:
            better = build(suggestion, searcher)
            found, _ = _ranked(searcher, better, filters, budget)
            visible = _visible([h.id for h in found], indexer.store) if found else {}
            if len({h.topic for h in found if h.id in visible}) > results.total:
                results.suggestion = suggestion
    return results
