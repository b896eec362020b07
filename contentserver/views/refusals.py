"""The app's own pages for bodies run.py's waitress read and threw away (request_bodies.py): 413 and 507."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _

from ..authoring.uploads import disk_full, size_text
from ..errors import PayloadTooLarge
from ..request_bodies import FORM_SLACK, REFUSAL_KEY


def _refuse_drained_body() -> None:
    refusal = request.environ.get(REFUSAL_KEY)
    if refusal is None:
        return
    status, cap, upload = refusal
    if status == 507:
        raise disk_full()
    if upload:
        raise PayloadTooLarge(
            _("This upload is too large: files may be at most %(limit)s.", limit=size_text(cap - FORM_SLACK))
        )
    raise PayloadTooLarge(
        _(
            "Nothing was saved: this page takes at most %(limit)s. To upload a file, log in and try again.",
            limit=size_text(cap),
        )
    )


def init_refusals(app: Flask) -> None:
    """Before any view: a request whose body was not kept gets its page, never a view with an empty form."""
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_drained_body)
