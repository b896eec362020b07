"""The home page's "share this library" line: the short address it was opened at, and that address as a QR code
that only large screens show (a classroom's projector), inline so it costs no request (docs/finding-the-box.md)."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from ..box_address import share_address
from ..qr import inline_svg


def share_context() -> dict:
    """Template values for browse/home.html; the page cache keys the home page by Host (page_cache.HOST_PAGES)."""
    config = current_app.config
    address = share_address(request.host, config["MDNS_NAME"] if config["MDNS_ANNOUNCE"] else None)
    if address is None:
        return {"share_address": None}
    qr = inline_svg(f"http://{address}/", _("QR code of %(address)s", address=address), "share-qr")
    return {"share_address": address, "share_qr": qr}
