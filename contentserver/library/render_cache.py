"""Lesson bodies rendered once, when they come in (teacher save, import, hub push), and read from a file after:
a page view does not wait on Markdown, and what cannot render within the bounds is refused at the door.

Files live in rendered/ of the data folder, named by key_of(); they are derived data, safe to delete at any time
(gc deletes those of bodies nothing refers to).

A body stored before this existed, or shown with other attachment URLs (a preview), is rendered on its first view
through the bounded workers, once however many views ask at the same moment, and kept; one that cannot render
shows as escaped plain text, never a 500.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path

from .markdown_html import plain_html
from .objects import ObjectStore
from .render_worker import WORKERS, RenderBusy, RenderRefused, render

log = logging.getLogger(__name__)
FOLDER = "rendered"  # in the data folder
RENDERER_VERSION = "1"  # bump when markdown_html's output changes: every body then renders again once
BATCH = 64  # bodies store_rendered hands to the workers at a time (their texts are in memory meanwhile)
REFUSED_RETRY_SECONDS = 600.0  # a stored body that failed to render is tried again after this (load may pass)
REFUSED_KEPT = 1024

_inflight: dict[str, Future[str | None]] = {}
_refused: OrderedDict[str, float] = OrderedDict()  # key -> when it was refused (monotonic)
_lock = threading.Lock()


def key_of(body_sha256: str, urls: Mapping[str, str]) -> str:
    """`<body sha256>.<hash of the renderer's version and the attachment URLs>`: the body first, so gc drops the
    files of bodies nothing refers to any more (library/gc.py)."""
    material = json.dumps([RENDERER_VERSION, sorted(urls.items())], ensure_ascii=False)
    return f"{body_sha256}.{hashlib.sha256(material.encode('utf-8')).hexdigest()[:32]}"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _path(objects: ObjectStore, key: str) -> Path:
    return objects.root.parent / FOLDER / key[:2] / f"{key}.html"


def stored(objects: ObjectStore, key: str) -> str | None:
    """The stored HTML, or None when there is none or it is not whole (its first line is its own sha256)."""
    try:
        raw = _path(objects, key).read_bytes()
    except FileNotFoundError:
        return None
    check, _newline, html = raw.partition(b"\n")
    return html.decode("utf-8") if hashlib.sha256(html).hexdigest().encode() == check else None


def _save(objects: ObjectStore, key: str, html: str) -> None:
    """Temporary name, then rename: readers see a whole file or none. Not fsynced: a file cut by a power loss
    fails its checksum and the body is rendered again; nothing else is lost (no database row, no transaction)."""
    path = _path(objects, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = html.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def store_rendered(objects: ObjectStore | None, items: Iterable[tuple[str, Mapping[str, str]]]) -> None:
    """Render each (text, urls) not stored yet, on every worker at once, and store it (objects None: only check);
    the first that cannot render raises RenderRefused with `index`, its position in `items` (those before it
    stay stored)."""
    numbered = enumerate(items)
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="render") as threads:
        while batch := list(islice(numbered, BATCH)):
            keyed = [(i, key_of(text_sha256(text), urls), text, urls) for i, (text, urls) in batch]
            work = [
                (i, key, threads.submit(render, text, urls))
                for i, key, text, urls in keyed
                if objects is None or not _path(objects, key).is_file()
            ]
            for i, key, future in work:
                try:
                    html = future.result()
                    if objects is not None:
                        _save(objects, key, html)
                except RenderRefused as exc:
                    for _i, _key, later in work:
                        later.cancel()
                    exc.index = i
                    raise


def _refused_lately(key: str) -> bool:
    with _lock:
        when = _refused.get(key)
        return when is not None and time.monotonic() - when < REFUSED_RETRY_SECONDS


def _remember_refused(key: str) -> None:
    with _lock:
        _refused[key] = time.monotonic()
        _refused.move_to_end(key)
        while len(_refused) > REFUSED_KEPT:
            _refused.popitem(last=False)


def _render_once(objects: ObjectStore, key: str, text: str, urls: Mapping[str, str]) -> str | None:
    """Render and store, once for all threads asking for the same key at the same moment; None if refused."""
    with _lock:
        future = _inflight.get(key)
        owner = future is None
        if future is None:
            future = _inflight[key] = Future()
    if not owner:
        return future.result()
    html: str | None = None
    try:
        html = render(text, urls)
        _save(objects, key, html)
    except RenderRefused as exc:
        log.warning("a stored lesson body cannot be rendered (%s); shown as plain text", exc.reason)
        _remember_refused(key)
    except RenderBusy:
        log.warning("every render worker is busy; a lesson body is shown as plain text this time")
    finally:
        with _lock:
            _inflight.pop(key, None)
        future.set_result(html)
    return html


def page_html(objects: ObjectStore, body_sha256: str, urls: Mapping[str, str], read_text: Callable[[], str]) -> str:
    """The body's sanitized HTML for these attachment URLs: stored, else rendered once now; plain text if it
    cannot be rendered."""
    key = key_of(body_sha256, urls)
    html = stored(objects, key)
    if html is not None:
        return html
    text = read_text()
    if not _refused_lately(key):
        html = _render_once(objects, key, text, urls)
    return html if html is not None else plain_html(text)
