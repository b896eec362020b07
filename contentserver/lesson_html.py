"""A rendered lesson body made fit for its page: wide tables scroll inside their own box, not the page."""

from __future__ import annotations

from markupsafe import escape


def wrap_tables(html: str, label: str) -> str:
    """Each <table> (sanitized output: no attributes) inside a focusable scroll box, so words in cells stay whole
    and a phone scrolls the table, not the page; `label` names the box for screen readers."""
    opening = f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escape(label)}"><table>'
    return html.replace("<table>", opening).replace("</table>", "</table></div>")
