"""Content-Disposition names (RFC 6266/5987): ASCII as it is, anything else as filename* with a fallback."""

from __future__ import annotations

from urllib.parse import unquote

from contentserver.downloads import content_disposition


def test_an_ascii_name_is_sent_as_it_is():
    assert content_disposition("worksheet.pdf") == 'inline; filename="worksheet.pdf"'


def test_a_kazakh_name_is_sent_in_utf8_with_a_readable_ascii_fallback():
    header = content_disposition("Қарлығаш ұясы.png")
    fallback, star = header.split("; filename*=UTF-8''")
    assert fallback == 'inline; filename="file.png"'
    assert unquote(star) == "Қарлығаш ұясы.png" and " " not in star


def test_quotes_backslashes_and_control_characters_cannot_break_the_header():
    header = content_disposition('a"b\\c\r\nSet-Cookie: x.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('inline; filename="a_b_cSet-Cookie: x.pdf"')
