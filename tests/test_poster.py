"""The printable poster: every QR code on the A4 PDF and SVG decodes back (Debian's zbarimg) to the box's
addresses and the Wi-Fi's join code; the text is the school's name and the steps in kk/ru/en; bad settings stop."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import VENV_BIN
from PIL import Image, ImageChops
from teach_http import start_site

from contentserver.box_address import Wifi, lan_addresses, wifi_payload
from contentserver.settings import SettingsError, load_settings

SCHOOL = "№ 12 жалпы білім беретін мектеп"
# Every character the WIFI: format escapes, in both fields, and a Kazakh letter.
SSID, PASSWORD = 'Мектеп;"ә",\\:wifi', 'pa:ss,w\\ord;"1"'


def unescape_wifi(text: str) -> dict[str, str]:
    """Fields of a WIFI: code as a phone reads them (the ZXing grammar: `\\x` is x, `;` ends a field)."""
    assert text.startswith("WIFI:") and text.endswith(";;"), text
    fields, key, value, chars = {}, "", "", iter(text[5:])
    for char in chars:
        if char == "\\":
            value += next(chars)
        elif char == ":" and not key:
            key, value = value, ""
        elif char == ";":
            if key:
                fields[key] = value
            key, value = "", ""
        else:
            value += char
    return fields


def decoded(png: Path) -> list[str]:
    """What zbarimg reads in a picture: one text per QR code found."""
    done = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return sorted(done.stdout.decode("utf-8").splitlines())


def only_black_and_white(png: Path) -> bool:
    """Every pixel grey (r = g = b): the poster prints the same on a black-and-white printer."""
    red, green, blue = Image.open(png).convert("RGB").split()
    return ImageChops.difference(red, green).getbbox() is None and ImageChops.difference(green, blue).getbbox() is None


def poster(tmp_path: Path, out: Path, *args: str, netns: str | None = None, **settings: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env.update({f"CONTENTSERVER_{k}": v for k, v in settings.items()})
    inside = ["ip", "netns", "exec", netns] if netns else []
    return subprocess.run(
        [
            *inside,
            str(VENV_BIN / "contentserver"),
            "poster",
            "--out",
            str(out),
            "--data",
            str(tmp_path / "data"),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_pdf_and_svg_posters_decode_to_every_address_and_the_wifi(tmp_path):
    wifi = {"SCHOOL_NAME": SCHOOL, "WIFI_SSID": SSID, "WIFI_PASSWORD": PASSWORD, "MDNS_NAME": "mektep12.local"}
    addresses = lan_addresses()
    assert addresses, "this machine has no LAN address to print"
    urls = [f"http://{a}:8080/" for a in addresses[:4]] + ["http://mektep12.local:8080/"]
    for kind in ("pdf", "svg"):
        out = tmp_path / f"poster.{kind}"
        done = poster(tmp_path, out, **wifi)
        assert done.returncode == 0, done.stderr
        assert all(url in done.stdout for url in urls), done.stdout
        png = tmp_path / f"{kind}.png"
        if kind == "pdf":
            info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
            assert re.search(r"Pages: +1\n", info) and "(A4)" in info, info
            subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(out), str(png.with_suffix(""))])
            text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
            assert SCHOOL.split()[-1] in text and "Мектеп кітапханасы" in text and "Школьная библиотека" in text
            assert "Қазақша" in text and "Русский" in text and "English" in text
            assert "Мектептің Wi-Fi" in text and "Wi-Fi школы" in text and "Join the school Wi-Fi" in text
        else:
            svg = out.read_text("utf-8")
            assert svg.startswith("<svg") and 'width="210mm" height="297mm"' in svg and SCHOOL in svg
            subprocess.run(["rsvg-convert", "-d", "150", "-p", "150", str(out), "-o", str(png)], check=True)
        codes = decoded(png)
        assert only_black_and_white(png)
        wifi_codes = [code for code in codes if code.startswith("WIFI:")]
        assert sorted(code for code in codes if not code.startswith("WIFI:")) == sorted(urls)
        assert len(wifi_codes) == 1 and unescape_wifi(wifi_codes[0]) == {"T": "WPA", "S": SSID, "P": PASSWORD}


def test_without_a_wifi_setting_the_poster_has_address_codes_only(tmp_path):
    out = tmp_path / "plain.pdf"
    assert poster(tmp_path, out, "--port", "80").returncode == 0
    png = tmp_path / "plain.png"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(out), str(png.with_suffix(""))], check=True)
    codes = decoded(png)
    assert "http://school.local/" in codes and not any(code.startswith("WIFI:") for code in codes)


def test_a_poster_that_cannot_be_written_says_why_and_writes_nothing(tmp_path):
    done = poster(tmp_path, tmp_path / "poster.png")
    assert done.returncode == 2 and "must end in .pdf or .svg" in done.stderr
    done = poster(tmp_path, tmp_path / "missing" / "poster.pdf")
    assert done.returncode == 2 and "could not be written" in done.stderr
    done = poster(tmp_path, tmp_path / "p.pdf", WIFI_SSID="x", WIFI_PASSWORD="short")
    assert done.returncode == 2 and "WPA password is 8 to 63" in done.stderr
    done = poster(tmp_path, tmp_path / "p.pdf", SCHOOL_NAME="Ақтөбе облысының мектебі " * 60)
    assert done.returncode == 2 and "does not fit on A4" in done.stderr and "SCHOOL_NAME" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_wifi_code_escapes_what_the_format_reserves():
    assert wifi_payload(Wifi('a;b,c:d"e\\f', "12345678", "WPA")) == 'WIFI:T:WPA;S:a\\;b\\,c\\:d\\"e\\\\f;P:12345678;;'
    assert wifi_payload(Wifi("Open", "", "nopass")) == "WIFI:T:nopass;S:Open;;"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"WIFI_SSID": "x", "WIFI_PASSWORD": "short"}, "WPA password is 8 to 63"),
        ({"WIFI_SSID": "x", "WIFI_PASSWORD": "g" * 64}, "WPA password is 8 to 63"),
        ({"WIFI_SSID": "x", "WIFI_PASSWORD": "sécurité!"}, "WPA password is 8 to 63"),
        ({"WIFI_SSID": "x", "WIFI_SECURITY": "WEP", "WIFI_PASSWORD": "123456"}, "WEP key is 5 or 13"),
        ({"WIFI_SSID": "x", "WIFI_SECURITY": "WPA2", "WIFI_PASSWORD": "12345678"}, "not one of WPA, WEP, nopass"),
        ({"WIFI_SSID": "x", "WIFI_SECURITY": "nopass", "WIFI_PASSWORD": "12345678"}, "open network has none"),
        ({"WIFI_PASSWORD": "12345678"}, "WIFI_SSID is empty"),
        ({"WIFI_SSID": "ә" * 17, "WIFI_PASSWORD": "12345678"}, "1 to 32 bytes"),
        ({"WIFI_SSID": "a\nb", "WIFI_PASSWORD": "12345678"}, "1 to 32 bytes"),
        ({"MDNS_NAME": "school.lan"}, "not a name like school.local"),
        ({"MDNS_NAME": "my school.local"}, "not a name like school.local"),
        ({"MDNS_NAME": "a.b.local"}, "not a name like school.local"),
        ({"PUBLIC_PORT": 70000}, "PUBLIC_PORT must be from 0 to 65535"),
    ],
)
def test_settings_no_phone_could_use_stop_start_up(settings, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(settings, environ={})


def test_good_wifi_settings_load():
    for security, password in (("WPA", "a" * 63), ("WPA", "0f" * 32), ("WEP", "12345"), ("WEP", "ab" * 13)):
        load_settings({"WIFI_SSID": "ә" * 16, "WIFI_SECURITY": security, "WIFI_PASSWORD": password}, environ={})
    load_settings({"WIFI_SSID": "Open", "WIFI_SECURITY": "nopass", "MDNS_NAME": "Mektep-12.local"}, environ={})


def test_admin_poster_page_and_files_for_admins_only(tmp_path, start_server, data_dir):
    site = start_site(
        start_server, data_dir, env={"CONTENTSERVER_WIFI_SSID": "Mektep", "CONTENTSERVER_WIFI_PASSWORD": "12345678"}
    )
    admin = site.client("boss")
    assert 'href="/admin/poster"' in admin.get("/admin/").text
    page = admin.get("/admin/poster")
    assert page.status == 200 and "/admin/poster?format=pdf" in page.text and "Mektep" in page.text
    port = site.server.url.rsplit(":", 1)[1]
    assert f"http://school.local:{port}/" in page.text  # the port the admin's browser used, as phones will
    with admin.opener.open(site.server.url + "/admin/poster?format=pdf") as reply:
        assert reply.headers["Content-Type"] == "application/pdf" and reply.read().startswith(b"%PDF-")
    with admin.opener.open(site.server.url + "/admin/poster?format=svg") as reply:
        svg = reply.read()
        assert reply.headers["Content-Type"].startswith("image/svg+xml") and b"<script" not in svg
    png = tmp_path / "admin.png"
    subprocess.run(["rsvg-convert", "-d", "150", "-p", "150", "-o", str(png)], input=svg, check=True)
    assert f"http://school.local:{port}/" in decoded(png)
    assert admin.get("/admin/poster?format=png").status == 404
    assert site.client("anna").get("/admin/poster").status == 403
    assert site.client().get("/admin/poster").status in (302, 303)


@pytest.fixture
def unplugged():
    """A network namespace with no address but loopback: a box not yet connected to the school network."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to make a network namespace (CI runs as root)")
    name = f"psu{os.getpid() % 100000}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


@pytest.mark.needs_root
def test_a_box_with_no_lan_address_prints_its_name_only_or_says_why_not(tmp_path, unplugged):
    out = tmp_path / "poster.pdf"
    done = poster(tmp_path, out, netns=unplugged, MDNS_ANNOUNCE="false")
    assert done.returncode == 2 and "мектеп желісіндегі мекенжай жоқ" in done.stderr  # the school's language
    done = poster(tmp_path, out, netns=unplugged, MDNS_ANNOUNCE="false", DEFAULT_LOCALE="en")
    assert done.returncode == 2 and "no address on the school network" in done.stderr and not out.exists()
    done = poster(tmp_path, out, netns=unplugged)
    assert done.returncode == 0, done.stderr
    png = tmp_path / "name.png"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(out), str(png.with_suffix(""))], check=True)
    assert decoded(png) == ["http://school.local:8080/"]


def test_without_a_font_for_kazakh_letters_the_poster_says_which_package_to_install(tmp_path):
    from contentserver.poster_draw import PosterError, _fonts

    with pytest.raises(PosterError, match="install fonts-dejavu-core"):
        _fonts(((str(tmp_path / "none.ttf"), str(tmp_path / "none-bold.ttf")),))
