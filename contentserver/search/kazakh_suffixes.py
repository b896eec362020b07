"""Kazakh inflection as tables: which suffix may follow which sound, and which layer may stand inside which.

Rows are written once, with back vowels; the front forms (ы→і, а→е, ғ→г, қ→к…) are generated. Each row names
the sounds its suffix may follow — the consonant assimilation a grammar states (-лар after a vowel, -дар after
л/м/н/ң/ж/з, -тар after a voiceless consonant) — and the layers that may stand inside it, following Kazakh
morphotactics from the outside in: case → possessive → plural → stem; person → tense → negation → verb root;
a participle or verbal noun (-ған, -атын, -у) is a verb form that takes the noun's layers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .folding import fold_latin, to_latin_lower

VOWEL = "аәеиоөуұүыіэюяё"
CONSONANT = "бвгғджзйкқлмнңпрстфхһцчшщ"
VOICELESS = "кқпстфхһцчшщ"
VOICED_STOP = "бвгғд"  # written voiced, heard voiceless at a word's end: -тар, -тың, -қа follow them
LIKE_VOWEL = VOWEL + "йру"  # р, й, у take the vowel's -лар, -мен, -ма
SONORANT_Z = "лмнңжз"
ANY = VOWEL + CONSONANT
NOT_U = VOWEL.replace("у", "")

FRONT_OF = str.maketrans("аыұоғқ", "еіүөгк")
NOUN_INSIDE = ("possessive", "possessive12", "plural", "participle", "verbal_noun")
VERB_INSIDE = ("negation",)
HIDDEN_VOWEL = "ы"  # a row whose text starts with it after a consonant: оқ-ып, келі-п (the root's own vowel)

# layer -> rows of (back-vowel suffixes, the sounds they may follow, layers that may stand inside, only if the
# stem is known). "Only if known": a suffix so short or common in stems (-а, -й, -п, -ар) that it is stripped only
# when what is left is a stem of the lexicon.
LAYERS: dict[str, tuple[tuple[str, str, tuple[str, ...], bool], ...]] = {
    "case": (
        ("ның", VOWEL + "мнң", NOUN_INSIDE, False),  # genitive: адамның, Қазақстанның
        ("дың", "жзлрйу", NOUN_INSIDE, False),
        ("тың", VOICELESS + VOICED_STOP, NOUN_INSIDE, False),
        ("ға", LIKE_VOWEL + SONORANT_Z, NOUN_INSIDE, False),  # dative
        ("қа", VOICELESS + VOICED_STOP, NOUN_INSIDE, False),
        ("ны", VOWEL, NOUN_INSIDE, False),  # accusative
        ("ды", "йрулмнңжз", NOUN_INSIDE, False),
        ("ты", VOICELESS + VOICED_STOP, NOUN_INSIDE, False),
        ("да", LIKE_VOWEL + SONORANT_Z, NOUN_INSIDE, False),  # locative
        ("та", VOICELESS + VOICED_STOP, NOUN_INSIDE, False),
        ("дан", LIKE_VOWEL + "лжз", NOUN_INSIDE, False),  # ablative
        ("нан", "мнң", NOUN_INSIDE, False),
        ("тан", VOICELESS + VOICED_STOP, NOUN_INSIDE, False),
        ("мен менен", LIKE_VOWEL + "лмнң", NOUN_INSIDE, False),  # instrumental (its vowel never changes)
        ("бен бенен", "жз", NOUN_INSIDE, False),
        ("пен пенен", VOICELESS + VOICED_STOP, NOUN_INSIDE, False),
        ("дағы", LIKE_VOWEL + SONORANT_Z, NOUN_INSIDE, False),  # "which is in"
        ("тағы", VOICELESS + VOICED_STOP, NOUN_INSIDE, False),
        ("дай", LIKE_VOWEL + SONORANT_Z, NOUN_INSIDE, False),  # "like"
        ("тай", VOICELESS + VOICED_STOP, NOUN_INSIDE, False),
        ("н на нда нан ндағы", VOWEL, ("possessive",), False),  # after a 3rd person possessive: пьесасын
        ("а", "мң", ("possessive12",), True),  # dative after my/your: анама
    ),
    "possessive": (
        ("сы", NOT_U, NOUN_INSIDE[2:], False),  # 3rd person
        ("ы", CONSONANT + "у", NOUN_INSIDE[2:], False),  # у takes the consonant's form: тауы, оқуы
    ),
    "possessive12": (  # 1st, 2nd person: rarer in the texts a library holds
        ("м мыз ң ңыз", NOT_U, NOUN_INSIDE[2:], False),
        ("ым ымыз ың ыңыз", CONSONANT + "у", NOUN_INSIDE[2:], False),
    ),
    "plural": (
        ("лар", LIKE_VOWEL, ("participle", "verbal_noun"), False),
        ("дар", SONORANT_Z, ("participle", "verbal_noun"), False),
        ("тар", VOICELESS + VOICED_STOP, ("participle", "verbal_noun"), False),
    ),
    "person": (  # a predicate's person: оқушымын, келемін, келгенбіз
        ("мын мыз", LIKE_VOWEL + "л", ("present", "participle", "plural"), False),
        ("бын быз", "мнңжз", ("present", "participle", "plural"), False),
        ("пын пыз", VOICELESS + VOICED_STOP, ("present", "participle", "plural"), False),
        ("сың сыз сыңдар сыздар", ANY, ("present", "participle", "plural"), False),
        ("м ң қ ңыз ңдар ңыздар", "ыіае", ("past", "conditional"), False),  # келдім, келсек
    ),
    "past": (
        ("ды", LIKE_VOWEL + SONORANT_Z, VERB_INSIDE, False),  # бастады, келді
        ("ты", VOICELESS + VOICED_STOP, VERB_INSIDE, False),
        ("ады", CONSONANT, VERB_INSIDE, True),  # present, 3rd person: келеді (or a root's а + past: азапта-ды)
        ("йды иды", ANY, VERB_INSIDE, False),  # бастайды, оқиды
    ),
    "present": (
        ("а", CONSONANT, VERB_INSIDE, True),
        ("й", VOWEL, VERB_INSIDE, True),
        ("и", CONSONANT, VERB_INSIDE, True),  # оқи-: the root's ы with -й
    ),
    "converb": (
        ("ып", CONSONANT, VERB_INSIDE, False),  # келіп, жазып
        ("п", VOWEL, VERB_INSIDE, False),  # бастап
        ("а й", ANY, VERB_INSIDE, True),
    ),
    "conditional": (("са", ANY, VERB_INSIDE, False),),
    "imperative": (
        ("сын", ANY, VERB_INSIDE, False),
        ("айын айық", CONSONANT, VERB_INSIDE, False),
        ("йын йық", VOWEL, VERB_INSIDE, False),
        ("ыңдар", CONSONANT, VERB_INSIDE, False),
    ),
    "future": (
        ("мақ", LIKE_VOWEL + "л", VERB_INSIDE, False),
        ("бақ", "мнңжз", VERB_INSIDE, False),
        ("пақ", VOICELESS, VERB_INSIDE, False),
    ),
    "participle": (
        ("ған", LIKE_VOWEL + SONORANT_Z, VERB_INSIDE, False),  # келгенде, жазған
        ("қан", VOICELESS + VOICED_STOP, VERB_INSIDE, False),
        ("атын", CONSONANT, VERB_INSIDE, False),
        ("йтын", VOWEL, VERB_INSIDE, False),
        ("итын", CONSONANT, VERB_INSIDE, False),  # оқитын
        ("ушы", ANY, VERB_INSIDE, True),  # оқушы is its own word when known; otherwise the doer of the verb
    ),
    "verbal_noun": (("у", ANY, VERB_INSIDE, False),),  # оқу, бастау, келуі, оқуға
    "negation": (
        ("ма", LIKE_VOWEL + "л", (), False),
        ("ба", "мнңжз", (), False),
        ("па", VOICELESS + VOICED_STOP, (), False),
    ),
}
# A word may end in any layer; a verb form may not end in a bare negation (-ма is also a question particle).
OUTERMOST = (
    "case",
    "possessive",
    "possessive12",
    "plural",
    "person",
    "past",
    "present",
    "converb",
    "conditional",
    "imperative",
    "future",
    "participle",
    "verbal_noun",
)
VERB_LAYERS = frozenset(OUTERMOST[5:]) | {"negation"}
# Rows whose inner layer must be there: -н/-на/-нда only follow a possessive, -м/-ң/-қ only a past or conditional.
MANDATORY_INSIDE = {("possessive",), ("possessive12",), ("past", "conditional")}
# Layers rare in a library's texts (my, your; imperatives): a reading through them is trusted less.
RARE_LAYERS = frozenset(("possessive12", "imperative"))
INVARIANT = {"мен", "бен", "пен", "менен", "бенен", "пенен"}


@dataclass(frozen=True)
class Suffix:
    text: str  # in 2021 Latin (or folded, for words typed on a plain keyboard)
    layer: str
    harmony: str | None  # "front", "back" or None
    after: frozenset[str]  # letters the stem may end with
    inside: tuple[str, ...]
    known_only: bool
    vowel_initial: bool  # a stem's voiced end (кітаб-ы) is voiceless without it


def _letters(cyrillic: str, folded: bool) -> frozenset[str]:
    latin = {to_latin_lower(ch)[-1:] for ch in cyrillic}
    return frozenset(fold_latin(ch) for ch in latin) if folded else frozenset(latin)


def _harmony(cyrillic: str) -> str | None:
    if cyrillic in INVARIANT:
        return None
    return "front" if set(cyrillic) & set("еіүөә") else "back" if set(cyrillic) & set("аыұо") else None


def build(folded: bool) -> dict[str, tuple[Suffix, ...]]:
    """Each layer's suffixes, longest first, in 2021 Latin (folded=True: as typed without Kazakh letters)."""
    layers: dict[str, tuple[Suffix, ...]] = {}
    for layer, rows in LAYERS.items():
        found: dict[tuple[str, str | None], Suffix] = {}
        for names, after, inside, known_only in rows:
            for back in names.split():
                for cyr in dict.fromkeys((back, back if back in INVARIANT else back.translate(FRONT_OF))):
                    latin = to_latin_lower(cyr)
                    text = fold_latin(latin) if folded else latin
                    harmony = _harmony(cyr)
                    vowel_initial = cyr[0] in VOWEL
                    suffix = Suffix(text, layer, harmony, _letters(after, folded), inside, known_only, vowel_initial)
                    same = found.get((text, harmony))  # й and и are one Latin letter: -йтын and -итын meet
                    if same is not None:
                        suffix = replace(
                            same, after=same.after | suffix.after, known_only=same.known_only and known_only
                        )
                    found[(text, harmony)] = suffix
        layers[layer] = tuple(sorted(found.values(), key=lambda s: -len(s.text)))
    return layers
