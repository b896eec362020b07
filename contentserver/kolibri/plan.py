"""What importing a Kolibri export would bring in: each resource with the files it needs, the rest skipped and why.

Planning reads the channel database and looks at every file it would copy (found, a regular file, its size; with
`verify`, hashed against its md5 name) without writing anything, so an import can refuse before it starts: a
broken channel, a disk too small, a channel id that is not there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from le_utils.constants import content_kinds, format_presets

from .appzip import check_zip
from .channel import Channel, ChannelFile, ChannelInfo, ChannelNode, channel_databases, open_channel
from .errors import ChannelError
from .perseus import read_exercise
from .storage import ChannelStorage, MissingFile, require_space

# The file that *is* the resource, in order of preference: a school's phones and its weak link want the low
# resolution rendition of a video when the channel has both.
MAIN_PRESETS = {
    content_kinds.VIDEO: (format_presets.VIDEO_LOW_RES, format_presets.VIDEO_HIGH_RES),
    content_kinds.AUDIO: (format_presets.AUDIO,),
    content_kinds.DOCUMENT: (format_presets.DOCUMENT, format_presets.EPUB),
    content_kinds.HTML5: (format_presets.HTML5_ZIP,),
    content_kinds.EXERCISE: (format_presets.EXERCISE,),
}
THUMBNAILS = {p.id for p in format_presets.PRESETLIST if p.thumbnail}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PlannedFile:
    checksum: str
    extension: str
    preset: str
    size: int
    role: str  # main, subtitle or thumbnail
    lang: str | None = None


@dataclass(frozen=True)
class PlannedResource:
    node: ChannelNode
    files: tuple[PlannedFile, ...]
    questions: int = 0  # an exercise's questions a form can ask
    not_available: int = 0  # and those listed as not available on this server


@dataclass(frozen=True)
class Skipped:
    node_id: str
    title: str
    kind: str
    reason: str


@dataclass
class ChannelPlan:
    """One channel of an export, planned: nothing in it has been copied or written."""

    info: ChannelInfo
    topics: list[ChannelNode] = field(default_factory=list)
    resources: list[PlannedResource] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # content/storage/… paths the channel lists, not on the drive
    order: list[str] = field(default_factory=list)  # every node id kept, topics and resources, in the channel's order
    orphans: int = 0

    @property
    def bytes_to_copy(self) -> int:
        """Each file once, however many resources share it (the object store keeps it once)."""
        sizes = {f.checksum: f.size for r in self.resources for f in r.files}
        return sum(sizes.values())


class _Planner:
    def __init__(self, channel: Channel, storage: ChannelStorage, verify: bool, progress: Progress | None):
        self.channel, self.storage, self.verify, self.progress = channel, storage, verify, progress
        self.plan = ChannelPlan(channel.info)
        self.checked: dict[tuple[str, str], PlannedFile | str] = {}

    def _check(self, node: ChannelNode, file: ChannelFile, role: str) -> PlannedFile | str:
        """The file planned, or why it cannot be (each storage file looked at once)."""
        key = (file.checksum, file.extension)
        if key not in self.checked:
            try:
                where = f"content/storage/{self.storage.relpath(file.checksum, file.extension)}"
                _path, size = self.storage.locate(file.checksum, file.extension)
                if self.verify:
                    size = self.storage.verify(file.checksum, file.extension).size
                self.checked[key] = PlannedFile(file.checksum, file.extension, file.preset, size, role, file.lang)
            except MissingFile:
                self.plan.missing.append(where)
                missing = "its file is missing from the drive"
                self.checked[key] = missing if node.available else f"the channel marks it unavailable and {missing}"
            except ChannelError as exc:
                self.checked[key] = str(exc)
        found = self.checked[key]
        if isinstance(found, PlannedFile) and (found.role, found.preset, found.lang) != (role, file.preset, file.lang):
            return PlannedFile(found.checksum, found.extension, file.preset, found.size, role, file.lang)
        return found

    def _skip(self, node: ChannelNode, reason: str) -> None:
        self.plan.skipped.append(Skipped(node.id, node.title, node.kind, reason))

    def resource(self, node: ChannelNode) -> None:
        wanted = MAIN_PRESETS.get(node.kind)
        if wanted is None:
            self._skip(node, f"{node.kind[:40]!r} resources are not supported on this server")
            return
        if not node.title:
            self._skip(node, "it has no title")
            return
        candidates = sorted((f for f in node.files if f.preset in wanted), key=lambda f: wanted.index(f.preset))
        if not candidates:
            self._skip(node, "the channel lists no file for it")
            return
        reasons: list[str] = []
        main: PlannedFile | None = None
        for candidate in candidates:
            checked = self._check(node, candidate, "main")
            if isinstance(checked, PlannedFile):
                main = checked
                break
            reasons.append(checked)
        if main is None:
            self._skip(node, reasons[0])
            return
        extra = [self._check(node, f, "subtitle") for f in node.files if f.is_subtitle]
        extra += [self._check(node, f, "thumbnail") for f in node.files if f.preset in THUMBNAILS][:1]
        files = (main, *(f for f in extra if isinstance(f, PlannedFile)))
        self._resource(node, main, files)

    def _resource(self, node: ChannelNode, main: PlannedFile, files: tuple[PlannedFile, ...]) -> None:
        """Apps and exercises are opened too: a zip that climbs out or a quiz with nothing to ask is skipped."""
        questions = not_available = 0
        if node.kind in (content_kinds.HTML5, content_kinds.EXERCISE):
            path, _size = self.storage.locate(main.checksum, main.extension)
            try:
                if node.kind == content_kinds.HTML5:
                    where = f"content/storage/{self.storage.relpath(main.checksum, main.extension)}"
                    if not check_zip(path, where).has_index:
                        self._skip(node, "the app has no index.html")
                        return
                else:
                    assessment = node.assessment
                    if assessment is None or not assessment.item_ids:
                        self._skip(node, (assessment and assessment.problem) or "the exercise lists no questions")
                        return
                    exercise = read_exercise(path, assessment.item_ids, assessment.mastery_model)
                    questions, not_available = len(exercise.questions), len(exercise.unavailable)
                    if not questions:
                        self._skip(node, "none of its questions can be asked without Perseus's script")
                        return
            except ChannelError as exc:
                self._skip(node, str(exc))
                return
        self.plan.resources.append(PlannedResource(node, files, questions, not_available))

    def run(self) -> ChannelPlan:
        nodes = list(self.channel.nodes())
        self.plan.orphans = len(self.channel.orphans)
        langs: dict[str, str | None] = {}  # topic id → its language, or the nearest one above it (the channel's)
        for done, node in enumerate(nodes, 1):
            inherited = langs.get(node.parent_id) if node.parent_id else None
            if node.is_topic:
                langs[node.id] = node.lang or inherited
                self.plan.topics.append(node)
                self.plan.order.append(node.id)
            else:
                kept = len(self.plan.resources)
                self.resource(node if node.lang or not inherited else replace(node, lang=inherited))
                if len(self.plan.resources) > kept:
                    self.plan.order.append(node.id)
            if self.progress is not None and (done % 500 == 0 or done == len(nodes)):
                self.progress(done, len(nodes))
        return self.plan


def plan_channel(
    channel: Channel, storage: ChannelStorage, verify: bool = False, progress: Progress | None = None
) -> ChannelPlan:
    return _Planner(channel, storage, verify, progress).run()


def export_root(path: Path) -> Path:
    """The folder holding `content/`: the export itself, or its `content` folder if that was given."""
    path = Path(path)
    if not (path / "content" / "databases").is_dir() and (path / "databases").is_dir():
        return path.parent
    return path


def plan_import(
    path: Path,
    channel: str | None = None,
    verify: bool = False,
    destination: Path | None = None,
    progress: Progress | None = None,
) -> list[ChannelPlan]:
    """Every channel of the export at `path` (or only `channel`), planned; with `destination`, refused when
    that disk cannot take the files. Nothing is written."""
    root = export_root(path)
    databases = channel_databases(root)
    if not databases:
        raise ChannelError("holds no Kolibri channel (expected content/databases/<channel_id>.sqlite3)", str(path))
    if channel is not None:
        chosen = [d for d in databases if d.name.split(".")[0] == channel.lower()]
        if not chosen:
            found = ", ".join(d.name.split(".")[0] for d in databases)
            raise ChannelError(f"has no channel {channel[:64]!r}; it holds {found}", str(path))
        databases = chosen
    storage = ChannelStorage(root)
    plans = []
    for database in databases:
        with open_channel(database) as opened:
            plans.append(plan_channel(opened, storage, verify, progress))
    if destination is not None:
        require_space(sum(p.bytes_to_copy for p in plans), destination)
    return plans
