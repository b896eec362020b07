"""Morphology test of the Kazakh stemmer on inflection tables generated from hunspell-kk's affix rules.

python -m bench.kazakh_morphology [--lemmas N] [--held-out]
For a sample of the dictionary's nouns and verbs, every form its suffix rules make (plural, possessives, cases;
verbs: converb, past, present, persons, imperative) is stemmed. Conflation: the share of forms whose key is their
lemma's key. Over-conflation: the share of lemmas whose key is also another sampled lemma's key. --held-out takes
the sampled lemmas out of the stem lexicon first, so the figures are those of words the lexicon does not know.
Compared with: no stemming (the folded word), the first five letters, and the stemmer before this work.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.kazakh_hunspell import DIC, VERB_FLAGS, expand, read_entries, read_rules, verb_root
from contentserver.search import kazakh_lexicon, kazakh_stem
from contentserver.search.folding import fold

Stemmer = Callable[[str], str]
OLD_STEMMER_COMMIT = "1be3f3f"  # main before issue 18


FRONT, BACK = set("әеөүі"), set("аоұы")
DOUBLE_PLURAL = re.compile(r"(лар|лер|дар|дер|тар|тер).*(лар|лер|дар|дер|тар|тер)")


def sound(lemma: str, form: str) -> bool:
    """A form the dictionary's rules make by mistake: its suffix breaks vowel harmony (айлакерлармен) or holds
    two plurals (мектептерлерде). Those are left out of the tables."""
    suffix = form[len(lemma) :] if form.startswith(lemma) else form[-3:]
    vowel = next((ch for ch in reversed(lemma) if ch in FRONT | BACK), None)
    if vowel is not None and set(suffix) & (BACK if vowel in FRONT else FRONT):
        return False
    return not DOUBLE_PLURAL.search(suffix)


def tables(lemmas: int) -> list[tuple[str, str, list[str]]]:
    """(lemma, its citation form, forms) for every n-th noun and verb of the dictionary that the stem list keeps
    (hunspell-kk also lists inflected forms as entries and inflects them again: адвокаттыңмен)."""
    entries, rules = read_entries(), read_rules()
    stems = set(kazakh_lexicon.read_words(kazakh_lexicon.FILES[0]))
    candidates = [
        (w, f)
        for w, f in entries.items()
        if f and len(w) >= 2 and w.isalpha() and (w in stems or (f"{verb_root(w)}-" in stems and set(f) & VERB_FLAGS))
    ]
    step = max(1, len(candidates) // lemmas)
    out = []
    for word, flags in candidates[::step][:lemmas]:
        made = {form for found in expand(word, flags, rules).values() for form in found} - {word}
        forms = sorted(form for form in made if sound(word if form.startswith(word) else word[:-1], form))
        if forms:
            verb = bool(set(flags) & VERB_FLAGS)
            out.append((verb_root(word) if verb else word, word, forms))
    return out


def measure(stemmer: Stemmer, data: list[tuple[str, str, list[str]]]) -> dict[str, float]:
    conflated = total = 0
    key_of: dict[str, str] = {}
    for lemma, citation, forms in data:
        key = stemmer(citation)
        key_of[lemma] = key
        for form in forms:
            total += 1
            conflated += stemmer(form) == key
    lemmas_by_key: dict[str, set[str]] = defaultdict(set)
    for lemma, key in key_of.items():
        lemmas_by_key[key].add(lemma)
    collided = sum(1 for lemma, key in key_of.items() if len(lemmas_by_key[key]) > 1)
    return {"conflation": conflated / total, "over_conflation": collided / len(key_of), "forms": total}


def old_stemmer() -> Stemmer | None:
    """kazakh_stem.py as it was before this work, loaded from git (None outside a git checkout)."""
    repo = Path(__file__).resolve().parents[1]
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_STEMMER_COMMIT}:contentserver/search/kazakh_stem.py"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("contentserver.search._kazakh_stem_before", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "contentserver.search"
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, "kazakh_stem_before.py", "exec"), module.__dict__)
    return lambda word: fold(module.stem(word))


def held_out(data: list[tuple[str, str, list[str]]]) -> None:
    """Take the sampled lemmas (and their forms) out of the lexicon the stemmer reads."""
    from contentserver.search.folding import fold_latin, to_latin_lower

    full, _folded = kazakh_lexicon.stems()
    gone = {to_latin_lower(w) for lemma, citation, forms in data for w in (lemma, citation, *forms)}
    words, roots = full.words - gone, full.roots - gone
    reduced = (
        kazakh_lexicon.Known(words, roots),
        kazakh_lexicon.Known(frozenset(map(fold_latin, words)), frozenset(map(fold_latin, roots))),
    )
    kazakh_stem.kazakh_lexicon = _Reduced(reduced)  # type: ignore[assignment]
    kazakh_stem.clear_caches()


class _Reduced:
    """Stands for the kazakh_lexicon module, with a smaller lexicon."""

    SHORT_ROOT = kazakh_lexicon.SHORT_ROOT

    def __init__(self, known):
        self.known = known

    def stems(self):
        return self.known


def rows(data: list[tuple[str, str, list[str]]]) -> list[tuple[str, dict[str, float]]]:
    def ours(word: str) -> str:
        return fold(kazakh_stem.stem(word))

    def without(option: str) -> Stemmer:
        def run(word: str) -> str:
            kazakh_stem.OPTIONS[option] = False
            try:
                return fold(kazakh_stem.stem(word))
            finally:
                kazakh_stem.OPTIONS[option] = True

        return run

    found = [
        ("no stemming (folded word)", measure(fold, data)),
        ("first 5 letters", measure(lambda w: fold(w)[:5], data)),
    ]
    before = old_stemmer()
    if before is not None:
        found.append(("stemmer before (main)", measure(before, data)))
    for option in ("lexicon", "restore"):
        kazakh_stem.clear_caches()
        found.append((f"this stemmer without {option}", measure(without(option), data)))
        kazakh_stem.clear_caches()
    found.append(("this stemmer", measure(ours, data)))
    return found


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lemmas", type=int, default=1500)
    parser.add_argument("--held-out", action="store_true", help="sampled lemmas taken out of the lexicon")
    args = parser.parse_args([] if argv is None else argv)
    if not DIC.exists():
        print(f"skipped: {DIC} is missing (make system-deps installs hunspell-kk)")
        return {}
    data = tables(args.lemmas)
    if args.held_out:
        held_out(data)
    kinds = Counter("verb" if lemma != citation else "noun" for lemma, citation, _ in data)
    print(f"{len(data)} lemmas ({dict(kinds)}), lexicon {'without' if args.held_out else 'with'} them")
    print(f"  {'stemmer':<34}{'forms':>7}{'conflation':>12}{'over-conflation':>17}")
    result = {}
    for name, figures in rows(data):
        print(
            f"  {name:<34}{int(figures['forms']):>7}{figures['conflation']:>12.3f}{figures['over_conflation']:>17.3f}"
        )
        result = figures
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
