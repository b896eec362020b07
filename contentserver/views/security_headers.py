"""Headers every page carries: a strict Content-Security-Policy and no framing (issue 15 item 10).

The pages need no inline script or style (templates load /static/ files only, and lesson HTML is sanitized
without style or on* attributes), so the policy allows this site's own files and nothing else: a script that
got into a page anyway would not run, and no other site can frame a form to trick a click. Set after every
view and error handler, so the page cache (which replays what Flask sent) and nginx pass it on unchanged.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "frame-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def _secure(response: Response) -> Response:
    """Pages get the policy; objects (a PDF in the browser's viewer, a video) are served as they are."""
    if response.mimetype in ("text/html", "application/xhtml+xml", "image/svg+xml"):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(_secure)
