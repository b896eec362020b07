"""/hub/push/: the hub's intake of signed pushes (docs/push.md), thin over contentserver/hub; JSON only."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from ...errors import BadRequest, NotFound, PayloadTooLarge
from ...push_auth import KEY_HEADER, SEQUENCE_HEADER, SESSION_HEADER, SIGNATURE_HEADER
from ...views.access import csrf
from .. import sessions, staging
from ..sessions import SESSION_SECONDS

bp = Blueprint("intake", __name__, url_prefix="/hub/push")
csrf.exempt(bp)  # signed API requests from the sync job: the signature, not a cookie, says who sends them
MAX_JSON_BYTES = 8 * 1024**2
PREFIX = "/hub/push/"


def _body(limit: int) -> bytes:
    """The request body, refused with 413 past `limit` bytes before more is read."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the request body may be at most {limit} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise PayloadTooLarge(f"the request body may be at most {limit} bytes")
    return body


def _signature_parts(body: bytes) -> tuple[dict[str, str], str, str, bytes]:
    """What the signature covers: the push headers, method, path with its query as sent, and the body."""
    headers = {
        name: request.headers[name]
        for name in (KEY_HEADER, SESSION_HEADER, SEQUENCE_HEADER, SIGNATURE_HEADER)
        if name in request.headers
    }
    path = request.script_root + request.path
    if request.query_string:
        path += "?" + request.query_string.decode("latin-1")
    return headers, request.method, path, body


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("the request body is not JSON") from None


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/session")
def open_session() -> Response:
    session = sessions.open_session(*_signature_parts(_body(MAX_JSON_BYTES)))
    return jsonify(session=session.id, expires_in=SESSION_SECONDS)


@bp.post("/have")
def have() -> Response:
    body = _body(MAX_JSON_BYTES)
    school = sessions.authenticate(*_signature_parts(body))
    store = current_app.extensions["object_store"]
    return jsonify(missing=staging.missing(store, school.id, _json(body)))


def _int_arg(name: str) -> int:
    try:
        return int(request.args[name])
    except (KeyError, ValueError):
        raise BadRequest(f"the query needs {name}=<bytes>") from None


@bp.put("/objects/<sha256>")
def put_object(sha256: str) -> Response:
    body = _body(staging.CHUNK_BYTES)
    school = sessions.authenticate(*_signature_parts(body))
    held = staging.put_chunk(
        current_app.extensions["object_store"],
        school.id,
        sha256,
        _int_arg("offset"),
        _int_arg("size"),
        body,
        current_app.config["PUSH_MAX_OBJECT_BYTES"],
        current_app.config["DISK_RESERVE_BYTES"],
    )
    return jsonify(have=held)


@bp.post("/commit")
def commit() -> Response:
    body = _body(MAX_JSON_BYTES)
    school = sessions.authenticate(*_signature_parts(body))
    from ..commit import commit_push  # with schools' keys (PyNaCl): loaded by a hub's first push only

    return jsonify(
        commit_push(school, _json(body), current_app.extensions["object_store"], current_app.config["PUSH_MAX_LESSONS"])
    )


def _not_a_hub(rest: str) -> Response:
    raise NotFound("this server is not a hub: it accepts no pushes (HUB_MODE is off)")


def init_intake(app: Flask) -> None:
    """Hub mode: the intake and the review pages; otherwise every push path answers 404 (not the hub folder's 405)."""
    if app.config["HUB_MODE"]:
        from . import quiz_results, review

        app.register_blueprint(bp)
        app.register_blueprint(review.bp)
        app.register_blueprint(quiz_results.bp)
    else:
        app.add_url_rule(PREFIX + "<path:rest>", "push_off", _not_a_hub, methods=["GET", "POST", "PUT"])
