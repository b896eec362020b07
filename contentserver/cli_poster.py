"""`contentserver poster --out FILE.pdf|svg`: the printable poster with the box's addresses as QR codes."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_base import console, main, refuse, with_app

KINDS = {".pdf": "pdf", ".svg": "svg"}


@main.command("poster")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.pdf or FILE.svg")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="Port phones use (default: PUBLIC_PORT or 8080)."
)
@with_app
def poster_command(app, out: Path, port: int | None) -> None:
    """Write the A4 poster: the school's name, a QR code of each LAN address and of the mDNS name, the school
    Wi-Fi's join code when WIFI_SSID is set, and three steps in Kazakh, Russian and English."""
    from .box_address import lan_addresses, public_port
    from .errors import AppError
    from .library.atomic import atomic_write
    from .poster import poster_content
    from .poster_draw import make_poster

    kind = KINDS.get(out.suffix.lower())
    if kind is None:
        refuse("poster", ValueError(f"{out}: the file name must end in .pdf or .svg"), "Nothing was written.")
    try:
        with app.test_request_context():  # messages are translated; the CLI speaks the school's default
            content = poster_content(app.config, lan_addresses(), port or public_port(app.config))
        atomic_write(out, make_poster(content, kind))
    except AppError as exc:
        refuse("poster", exc, "Nothing was written.")
    except OSError as exc:
        refuse("poster", ValueError(f"{out} could not be written ({exc.strerror or exc})"), "Nothing was written.")
    addresses = [item.caption for item in content.codes if not item.wifi]
    console.print(f"wrote {out}: {', '.join(addresses)}")
