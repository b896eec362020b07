"""Running a search: rank, prefer the query's language, drop lessons no longer published, group versions."""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import select
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.query import And, Query, Term
from whoosh.searching import Searcher

from ..db import db
from ..library.objects import ObjectStore
from ..models import Lesson
from .folding import fold
from .indexer import Indexer
from .query import Plan, build
from .snippets import make_snippet

CANDIDATES = 200
LANG_BOOST = 1.6            # a lesson in the query's language ranks above other versions of the same topic
COVERAGE_FLOOR = 0.35       # a lesson matching one word of three keeps this share of its score (plus the rest)
FEW_RESULTS = 3             # fewer topics than this: try a "did you mean"


@dataclass(frozen=True)
class Filters:
    subject: str | None = None
    grade: int | None = None
    lang: str | None = None
    kind: str | None = None

    def query(self) -> Query | None:
        terms = [Term(name, str(value)) for name, value in (("subject", self.subject), ("grade", self.grade),
                                                              ("lang", self.lang), ("kinds", self.kind)) if value]
        return And(terms) if terms else None


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
    text: str = ""
    snippet: Markup = Markup("")
    also_in: list["Hit"] = field(default_factory=list)


@dataclass
class Results:
    query: str
    lang: str | None = None
    hits: list[Hit] = field(default_factory=list)     # this page, one per topic
    ranked: list[Hit] = field(default_factory=list)   # every visible hit in rank order, before grouping
    total: int = 0                                    # topics found
    page: int = 1
    per_page: int = 10
    suggestion: str | None = None
    timed_out: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _visible(ids: list[str], store: ObjectStore) -> set[str]:
    """Ids that are published in the database now, with their body present (architecture invariant 3)."""
    rows = db.session.execute(select(Lesson.id, Lesson.body_sha256)
                              .where(Lesson.id.in_(ids), Lesson.status == "published")).all()
    return {lesson_id for lesson_id, sha in rows if store.has(sha)}


def _ranked(searcher: Searcher, plan: Plan, filters: Filters, budget: float) -> tuple[list[Hit], bool]:
    collector = searcher.collector(limit=CANDIDATES, filter=filters.query(), terms=True)
    timed = TimeLimitCollector(collector, timelimit=budget, use_alarm=False)
    timed_out = False
    try:
        searcher.search_with_collector(plan.query, timed)
    except TimeLimit:
        timed_out = True
    hits = []
    for hit in timed.results():
        matched = {plan.term_word.get((f, t.decode("utf-8") if isinstance(t, bytes) else t))
                   for f, t in hit.matched_terms()} - {None}
        coverage = len(matched) / len(plan.words)
        score = hit.score * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage ** 2)
        if hit["lang"] == plan.lang:
            score *= LANG_BOOST
        hits.append(Hit(hit["id"], hit["title"], hit["lang"], hit["script"], hit["subject"], int(hit["grade"]),
                        hit["topic"], score, hit.get("text", "")))
    hits.sort(key=lambda h: -h.score)
    return hits, timed_out


def _group(hits: list[Hit]) -> list[Hit]:
    """One hit per topic, best first; the topic's other versions become its 'also in'."""
    groups: dict[str, Hit] = {}
    for hit in hits:
        head = groups.get(hit.topic)
        if head is None:
            groups[hit.topic] = hit
            hit.also_in = []
        else:
            head.also_in.append(hit)
    return list(groups.values())


def _add_versions(searcher: Searcher, heads: list[Hit], store: ObjectStore) -> None:
    """Every other version of each topic on the page joins its 'also in', not only those that matched."""
    for head in heads:
        shown = {head.id} | {other.id for other in head.also_in}
        extra = [doc for doc in searcher.search(Term("topic", head.topic), limit=20) if doc["id"] not in shown]
        visible = _visible([doc["id"] for doc in extra], store) if extra else set()
        head.also_in.extend(Hit(doc["id"], doc["title"], doc["lang"], doc["script"], doc["subject"],
                                int(doc["grade"]), doc["topic"], 0.0) for doc in extra if doc["id"] in visible)


def _suggest(searcher: Searcher, plan: Plan) -> str | None:
    """The query with unknown words replaced by the closest indexed words, or None."""
    reader = searcher.reader()
    corrector = searcher.corrector("body_exact")
    changed, out = False, []
    for word in plan.words:
        known = reader.doc_frequency("body_key", fold(word)) or reader.doc_frequency("title_key", fold(word))
        if not known and len(word) >= 4:
            best = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
            if best and best[0] != word:
                out.append(best[0])
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else None


def search(indexer: Indexer, text: str, filters: Filters = Filters(), page: int = 1, per_page: int = 10,
           budget: float = 2.0, max_chars: int = 200, snippets: bool = True) -> Results:
    """One page of results for what the user typed (grouped by topic), with a correction when few are found."""
    text = text[:max_chars]
    results = Results(text, page=page, per_page=per_page)
    with indexer.searcher() as searcher:
        plan = build(text, searcher)
        results.lang = plan.lang
        if plan.empty:
            return results
        hits, results.timed_out = _ranked(searcher, plan, filters, budget)
        visible = _visible([h.id for h in hits], indexer.store) if hits else set()
        results.ranked = [h for h in hits if h.id in visible]
        groups = _group(results.ranked)
        results.total = len(groups)
        results.hits = groups[(page - 1) * per_page: page * per_page]
        _add_versions(searcher, results.hits, indexer.store)
        if snippets:
            for hit in results.hits:
                hit.snippet = make_snippet(hit.text, hit.lang, plan.keys)
        if results.total < FEW_RESULTS and not results.timed_out:
            suggestion = _suggest(searcher, plan)
            if suggestion:
                better = build(suggestion, searcher)
                found, _ = _ranked(searcher, better, filters, budget)
                if len(_group([h for h in found if h.id in _visible([h.id for h in found], indexer.store)])) \
                        > results.total:
                    results.suggestion = suggestion
    return results
