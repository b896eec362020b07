"""The summary a person reads after planning or importing a channel: what comes in by kind, what not and why."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .plan import ChannelPlan
from .storage import human_size

EXAMPLES = 3  # titles shown under each reason for skipping; the rest are counted
MISSING_SHOWN = 20
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # can make a line read backwards


@dataclass
class Summary:
    channel_id: str
    name: str
    version: int
    topics: int
    by_kind: dict[str, int]
    files: int
    bytes_to_copy: int
    questions: int
    questions_not_available: int
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason → titles
    missing: list[str] = field(default_factory=list)
    orphans: int = 0

    @property
    def resources(self) -> int:
        return sum(self.by_kind.values())

    def lines(self) -> list[str]:
        """Plain text, one fact a line (names are the channel's own text: printed, never interpreted)."""
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.by_kind.items()))
        out = [
            f"channel {self.name!r} ({self.channel_id}) version {self.version}",
            f"  topics: {self.topics}",
            f"  resources to import: {self.resources}" + (f" ({kinds})" if kinds else ""),
            f"  files: {self.files}, {human_size(self.bytes_to_copy)} to copy",
        ]
        if self.questions or self.questions_not_available:
            out.append(
                f"  exercise questions: {self.questions} as quizzes, "
                f"{self.questions_not_available} not available on this server"
            )
        skipped = sum(len(titles) for titles in self.skipped.values())
        out.append(f"  skipped: {skipped}")
        for reason, titles in sorted(self.skipped.items(), key=lambda item: -len(item[1])):
            shown = ", ".join(repr(t) for t in titles[:EXAMPLES])
            more = f" and {len(titles) - EXAMPLES} more" if len(titles) > EXAMPLES else ""
            out.append(f"    {len(titles)} × {reason}: {shown}{more}")
        if self.orphans:
            out.append(f"  left out: {self.orphans} nodes outside the channel's tree")
        out.append(f"  missing files: {len(self.missing)}")
        out += [f"    {path}" for path in self.missing[:MISSING_SHOWN]]
        if len(self.missing) > MISSING_SHOWN:
            out.append(f"    and {len(self.missing) - MISSING_SHOWN} more")
        return [_printable(line) for line in out]


def _printable(line: str) -> str:
    """Control characters written out (`\\u001b`): a channel's title must not drive the reader's terminal."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cc" or c in BIDI else c for c in line)


def summarize(plan: ChannelPlan) -> Summary:
    skipped: dict[str, list[str]] = {}
    for item in plan.skipped:
        skipped.setdefault(item.reason, []).append(item.title)
    return Summary(
        channel_id=plan.info.id,
        name=plan.info.name,
        version=plan.info.version,
        topics=len(plan.topics),
        by_kind=dict(Counter(r.node.kind for r in plan.resources)),
        files=len({f.checksum for r in plan.resources for f in r.files}),
        bytes_to_copy=plan.bytes_to_copy,
        questions=sum(r.questions for r in plan.resources),
        questions_not_available=sum(r.not_available for r in plan.resources),
        skipped=skipped,
        missing=sorted(set(plan.missing)),
        orphans=plan.orphans,
    )
