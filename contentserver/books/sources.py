"""Finding the ZIM files to import: one file, a folder or a stick, and the split form FAT32 needs."""

from __future__ import annotations

import re
from pathlib import Path

from ..library.fields import ManifestError

# `split -b 4000m x.zim x.zim` names parts x.zimaa, x.zimab, … (kiwix's own split form)
PART_RE = re.compile(r"^(?P<stem>.+\.zim)(?P<suffix>[a-z]{2})\Z")
MAX_DEPTH = 3  # a stick holds its ZIMs at the top or in a folder or two, never deep in a tree


def _suffix(n: int) -> str:
    return chr(ord("a") + n // 26) + chr(ord("a") + n % 26)


def split_parts(first: Path) -> list[Path]:
    """Every part of a split ZIM in name order, refusing a gap in the names."""
    match = PART_RE.match(first.name)
    if not match:
        raise ManifestError("is not a part of a split ZIM (NAME.zimaa, NAME.zimab, …)", file=str(first))
    stem = match["stem"]
    found = {m["suffix"]: p for p in first.parent.iterdir() if (m := PART_RE.match(p.name)) and m["stem"] == stem}
    parts = []
    for n in range(len(found)):
        part = found.get(_suffix(n))
        if part is None:
            raise ManifestError(
                f"part {stem}{_suffix(n)} is missing (found {', '.join(sorted(found))}); copy every part",
                file=str(first.parent / stem),
            )
        parts.append(part)
    # Parts need not be the same size (kiwix's own test split is not), so order is checked by what they hold:
    # libzim refuses a concatenation whose header or checksum is wrong.
    return parts


def find_zims(path: Path) -> list[list[Path]]:
    """The ZIMs at `path`, each as its list of files (one, or the parts of a split ZIM)."""
    path = Path(path)
    if path.is_file():
        if path.name.lower().endswith(".zim"):
            return [[path]]
        match = PART_RE.match(path.name)
        if match:
            return [split_parts(path.with_name(match["stem"] + "aa"))]
        raise ManifestError("is not a ZIM file (NAME.zim) or a part of a split one (NAME.zimaa)", file=str(path))
    found: list[list[Path]] = []
    for candidate in _walk(path, 0):
        if candidate.name.lower().endswith(".zim"):
            found.append([candidate])
        elif (match := PART_RE.match(candidate.name)) and match["suffix"] == "aa":
            found.append(split_parts(candidate))
        elif match and not (candidate.parent / (match["stem"] + "aa")).exists():
            found.append(split_parts(candidate.with_name(match["stem"] + "aa")))  # refuses: its first part is missing
    return found


def _walk(folder: Path, depth: int) -> list[Path]:
    out: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir() and depth < MAX_DEPTH:
            out.extend(_walk(child, depth + 1))
        elif child.is_file():
            out.append(child)
    return out
