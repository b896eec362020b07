"""Debian's Kazakh Hunspell dictionary (hunspell-kk) read in Python: its word list, its suffix rules, the compact
stem list the stemmer ships (contentserver/search/kazakh_stems.txt), and inflection tables for the morphology test.

python -m bench.kazakh_hunspell write   (rewrites kazakh_stems.txt from /usr/share/hunspell/kk_KZ.{dic,aff})
The box gets the dictionary from `make system-deps` (apt: hunspell-kk); the server itself only reads the text file.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DIC = Path("/usr/share/hunspell/kk_KZ.dic")
AFF = Path("/usr/share/hunspell/kk_KZ.aff")
STEMS = Path(__file__).resolve().parents[1] / "contentserver" / "search" / "kazakh_stems.txt"
VERB_FLAGS = set("MmNnOoPpQqRrSsTtUuVvWwXxYyZz")  # hunspell-kk's verb paradigms: entries are verbal nouns in -у/-ю
PLURAL_FLAGS = set("Abcdefghijkl")  # noun paradigms: the plural and the plural's possessives and cases
HEADER = (
    "# Kazakh stems, one a line: derived by bench/kazakh_hunspell.py from Debian's hunspell-kk 1.1\n"
    "# (kk_KZ.dic: Copyright 2009 Akmaral Mussayeva, László Németh, Rail Aliev; GPL-2+ or LGPL-2.1+ or MPL-1.1+,\n"
    "# see /usr/share/doc/hunspell-kk/copyright), plus the words listed in kazakh_stems_extra.txt.\n"
    "# Entries that are inflected forms of other entries are left out; verb roots end in - (бастау -> баста-).\n"
)


@dataclass(frozen=True)
class Rule:
    strip: str
    add: str
    condition: re.Pattern[str] | None


def read_rules(path: Path = AFF) -> dict[str, list[Rule]]:
    """Each suffix flag's rules (hunspell-kk uses SFX only, without continuation classes)."""
    rules: dict[str, list[Rule]] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0] == "SFX":
            strip, add, cond = parts[2], parts[3].split("/")[0], parts[4]
            rules.setdefault(parts[1], []).append(
                Rule(
                    "" if strip == "0" else strip,
                    "" if add == "0" else add,
                    None if cond == "." else re.compile(f"(?:{cond})$"),
                )
            )
    return rules


def read_entries(path: Path = DIC) -> dict[str, str]:
    """word -> its flags, in the dictionary's order (the first line is a count)."""
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
        word, _, flags = line.strip().partition("/")
        if word:
            entries[word.lower()] = flags
    return entries


def expand(word: str, flags: str, rules: dict[str, list[Rule]]) -> dict[str, list[str]]:
    """The forms hunspell's rules make of a word, per flag."""
    forms: dict[str, list[str]] = {}
    for flag in flags:
        for rule in rules.get(flag, []):
            if (rule.condition and not rule.condition.search(word)) or not word.endswith(rule.strip):
                continue
            forms.setdefault(flag, []).append(word[: len(word) - len(rule.strip)] + rule.add)
    return forms


SOUND_ENDINGS = ("ы", "і", "ым", "ім", "ың", "ің", "ын", "ін", "ымыз", "іміз")
VOWELS = set("аәеиоөуұүыіэюя")
DEVOICE = {"б": "п", "г": "к", "ғ": "қ"}


def sound_changed_form(word: str, entries: dict[str, str]) -> bool:
    """халқы (халық), орны (орын), кітабы (кітап): a possessive form whose stem changed at its edge."""
    for ending in SOUND_ENDINGS:
        base = word[: -len(ending)]
        if not word.endswith(ending) or len(base) < 2:
            continue
        if base[-1] in DEVOICE and base[:-1] + DEVOICE[base[-1]] in entries:
            return True
        if (
            base[-1] not in VOWELS
            and (base[-2] not in VOWELS or base[-2] == "у")
            and any(base[:-1] + v + base[-1] in entries for v in "ыі")
        ):
            return True
    return False


def verb_root(word: str) -> str:
    """The root of a verbal noun: бастау -> баста, келу -> кел, сақаю -> сақай."""
    return word[:-1] + "й" if word.endswith("ю") else word[:-1]


def compact_stems(entries: dict[str, str], rules: dict[str, list[Rule]]) -> tuple[list[str], list[str]]:
    """(noun-like stems, verb roots). An entry that is an inflected form of another (hunspell's own rules make it,
    or the stemmer's tables read it as a known stem plus suffixes: адамның, кезі, оқыды) is left out, unless the
    dictionary inflects it as a word of its own in a way the shorter stem cannot explain (басқасы, желілер,
    теңгеден: so басқа, желі, теңге stay). Plural forms and forms with a sound change (халқы) never stay."""
    made_from: dict[str, str] = {}
    forms_of: dict[str, set[str]] = {}
    plural: set[str] = set()
    for word, flags in entries.items():
        stem = verb_root(word) if set(flags) & VERB_FLAGS and word[-1:] in "ую" else word
        for flag, forms in expand(word, flags, rules).items():
            for form in forms:
                if form != word and form in entries:
                    made_from.setdefault(form, stem)
                    forms_of.setdefault(stem, set()).add(form)
                    if flag in PLURAL_FLAGS:
                        plural.add(form)
    roots = sorted({verb_root(w) for w, f in entries.items() if set(f) & VERB_FLAGS and w[-1:] in "ую"})
    nouns = [
        w
        for w, f in entries.items()
        if not (set(f) & VERB_FLAGS and w[-1:] in "ую")
        and w not in plural
        and not sound_changed_form(w, entries)
        and len(w) >= 2
        and w.isalpha()
    ]
    return drop_analysed_forms(sorted(set(nouns)), roots, made_from, forms_of), roots


def _reaches(form: str, stem: str) -> bool:
    """Whether the stemmer's tables read a (Cyrillic) form as that stem plus suffixes."""
    from contentserver.search.folding import to_latin_lower
    from contentserver.search.kazakh_stem import readings, restored

    target = to_latin_lower(stem)
    return any(target in restored(r, plain=False) for r in readings(to_latin_lower(form), plain=False)[1:])


def drop_analysed_forms(
    nouns: list[str], roots: list[str], made_from: dict[str, str], forms_of: dict[str, set[str]]
) -> list[str]:
    from contentserver.search.folding import to_latin_lower
    from contentserver.search.kazakh_stem import readings, restored

    known = {to_latin_lower(s): s for s in [*nouns, *roots]}
    latin_roots = {to_latin_lower(r) for r in roots}

    def shorter_stem(word: str) -> str | None:
        if word in made_from:
            return made_from[word]
        form = to_latin_lower(word)
        for reading in readings(form, plain=False)[1:]:
            variants = restored(reading, plain=False)
            verb_form = reading.verbal and bool(latin_roots.intersection(variants))  # ту-ды, ту-ған
            if (reading.known_only and not verb_form) or (len(reading.stem) < 3 and not verb_form):
                continue
            if len(form) - len(reading.stem) < 2 and not (verb_form and len(reading.stem) >= 3):
                continue  # адам is not ада+м, орын not ор+ы+н: too little is left or taken to tell (бара is бар-а)
            found = next((known[v] for v in variants if v != form and v in known), None)
            if found:
                return found
        return None

    kept = []
    for word in nouns:
        stem = shorter_stem(word)
        if stem is None or any(not _reaches(form, stem) for form in forms_of.get(word, ())):
            kept.append(word)
    return kept


def main(argv: list[str]) -> None:
    if argv[:1] != ["write"]:
        raise SystemExit(__doc__)
    nouns, roots = compact_stems(read_entries(), read_rules())
    lines = sorted([*nouns, *(f"{root}-" for root in roots)])
    STEMS.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(nouns)} stems and {len(roots)} verb roots written to {STEMS}")


if __name__ == "__main__":
    main(sys.argv[1:])
