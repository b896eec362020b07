"""The production front of deploy/nginx.conf, started by the bench: nginx on a free port before waitress.

The site file is the deployed one with its @NAME@ placeholders filled in, wrapped in a minimal nginx.conf that
runs as this user in a temporary prefix; nginx is stopped and its folder removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .servers import HOST, REPO, Server, contentserver_command, free_port, serving

SITE = REPO / "deploy" / "nginx.conf"
STATIC = REPO / "contentserver" / "static"
MAIN_CONF = """{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
{extra}}}
"""
# What waitress needs behind the front (docs/settings.md).
FRONT_SETTINGS = {"CONTENTSERVER_TRUSTED_PROXY_COUNT": "1", "CONTENTSERVER_OBJECTS_ACCEL_PREFIX": "/_objects/"}


def have_nginx() -> bool:
    return shutil.which("nginx") is not None


def site_conf(listen: str, upstream: str, data_dir: Path, cache_dir: Path, tls_conf: str = "") -> str:
    """deploy/nginx.conf with its placeholders filled in (no HTTPS unless `tls_conf` names its files)."""
    text = SITE.read_text()
    for name, value in (
        ("LISTEN", listen),
        ("UPSTREAM", upstream),
        ("DATA_DIR", str(data_dir)),
        ("STATIC_DIR", str(STATIC)),
        ("CACHE_DIR", str(cache_dir)),
        ("TLS_CONF", tls_conf or str(cache_dir / "no-tls" / "*.conf")),
    ):
        text = text.replace(f"@{name}@", value)
    if "@" in "".join(line.split("#")[0] for line in text.splitlines()):
        raise ValueError("deploy/nginx.conf has a placeholder the bench does not fill")
    return text


@contextmanager
def nginx_serving(name: str, site: str, port: int, ready_path: str, extra: str = "") -> Iterator[Server]:
    """nginx with one site file (and `extra` http-level lines) in a temporary prefix, ready on `ready_path`."""
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as prefix:
        (Path(prefix) / "site.conf").write_text(site)
        conf = Path(prefix) / "nginx.conf"
        # As root, workers would drop to "nobody", who cannot read a data folder in root's cache.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf.write_text(MAIN_CONF.format(user=user, prefix=prefix, extra=extra))
        check = subprocess.run(["nginx", "-t", "-q", "-p", prefix, "-c", str(conf)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the generated config: {check.stderr.strip()}")
        with serving(name, ["nginx", "-p", prefix, "-c", str(conf)], port, ready_path=ready_path) as server:
            yield server


@contextmanager
def fronted_contentserver(data_dir: Path, ready_path: str, env: dict | None = None) -> Iterator[tuple[Server, Server]]:
    """waitress on a free port with the front's settings, and nginx from deploy/nginx.conf before it."""
    env = dict(os.environ if env is None else env)
    env.update(FRONT_SETTINGS)
    app_port = free_port()
    with (
        serving(
            "contentserver-behind-nginx",
            contentserver_command(data_dir, app_port),
            app_port,
            ready_path=ready_path,
            env=env,
        ) as app,
        tempfile.TemporaryDirectory(prefix="bench-cache-") as cache,
    ):
        port = free_port()
        site = site_conf(f"{HOST}:{port}", f"{HOST}:{app_port}", data_dir, Path(cache))
        with nginx_serving("nginx-front", site, port, ready_path) as front:
            yield front, app


@contextmanager
def nginx_static(file: Path) -> Iterator[Server]:
    """nginx serving one static file at /file: the box's ceiling for any HTTP server."""
    port = free_port()
    site = f"server {{ listen {HOST}:{port}; sendfile on; tcp_nopush on;\n  location = /file {{ alias {file}; }} }}\n"
    with nginx_serving("nginx-static", site, port, "/file") as server:
        yield server
