"""The four kinds of question as ready ```quiz blocks a teacher adds to a lesson and edits (in the UI language).

The grammar's marks (`?`, `(x)`, `[ ]`, `=`, `hint:`) stay as they are in every language; only the texts are
translated, so a template is also a working example of the grammar (docs/library-format.md).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KINDS = {
    "single": _l("One right choice"),
    "multiple": _l("Several right choices"),
    "text": _l("Short text answer"),
    "number": _l("Number answer"),
}


def template(kind: str) -> str:
    """The ```quiz block of one kind of question; KeyError for a kind that is not one of KINDS."""
    lines = {
        "single": [
            "? " + _("Which city is the capital of Kazakhstan?"),
            "(x) " + _("Astana"),
            "( ) " + _("Almaty"),
            "( ) " + _("Shymkent"),
            "hint: " + _("It stands on the Ishim river."),
            "explain: " + _("The capital moved to Astana in 1997."),
        ],
        "multiple": [
            "? " + _("Which numbers are prime?"),
            "[x] 2",
            "[ ] 4",
            "[x] 7",
            "[ ] 9",
            "explain: " + _("A prime number has exactly two divisors: 1 and itself."),
        ],
        "text": [
            "? " + _("Name the capital of Kazakhstan."),
            "= " + _("Astana"),
            "= Nur-Sultan",
            "hint: " + _("Any spelling and script is accepted."),
        ],
        "number": [
            "? " + _("How long is one lap of a running track, in metres?"),
            "= 400 +- 5 m",
            "explain: " + _("A standard outdoor track is 400 m long."),
        ],
    }[kind]
    return "\n".join(["```quiz", *lines, "```"]) + "\n"


def add_template(body: str, kind: str) -> str:
    """The body with a template block added at its end, after a blank line."""
    body = body.rstrip("\n")
    return (body + "\n\n" if body else "") + template(kind)
