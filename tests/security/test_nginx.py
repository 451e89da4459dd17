"""deploy/nginx.conf: it passes `nginx -t`, and run on a temporary copy (high ports, a
self-signed certificate, an app node that is down) it answers its own errors with the
Vietnamese pages of deploy/pages and sends HSTS (not on htmx fragments)."""
from __future__ import annotations

import http.client
import http.server
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_copy(tmp: Path, http_port: int, https_port: int, app_port: int) -> str:
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    text = text.replace("/srv/cdso/", f"{ROOT}/")
    text = text.replace("/etc/ssl/cdso/", f"{tmp}/")
    text = re.sub(r"^\s*listen \[::\].*$", "", text, flags=re.M)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = text.replace("server 127.0.0.1:8000", f"server 127.0.0.1:{app_port}")
    return re.sub(r"^\s*brotli_static on;$", "", text, flags=re.M)  # an optional module


@pytest.fixture
def config(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", tmp_path / "privkey.pem",
                    "-out", tmp_path / "fullchain.pem"], check=True, capture_output=True)
    ports = {"http": free_port(), "https": free_port(), "app": free_port()}
    (tmp_path / "site.conf").write_text(site_copy(tmp_path, *ports.values()), encoding="utf-8")
    temp_paths = "".join(f"    {kind}_temp_path {tmp_path}/{kind};\n"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(f"""daemon off;
master_process off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp_paths}    include {tmp_path}/site.conf;
}}
""", encoding="utf-8")
    return main, ports


def test_the_configuration_passes_nginx_t(config):
    main, _ = config
    checked = subprocess.run([NGINX, "-t", "-c", str(main), "-p", str(main.parent),
                              "-e", str(main.parent / "error.log")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def _wait_for(port: int, process) -> None:
    deadline = time.monotonic() + 120  # readiness, not timing: a saturated machine is slow
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("nginx stopped")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx did not start")


@pytest.fixture
def running(config):
    main, ports = config
    process = subprocess.Popen([NGINX, "-c", str(main), "-p", str(main.parent),
                                "-e", str(main.parent / "error.log")])
    try:
        _wait_for(ports["https"], process)
        yield ports
    finally:
        process.terminate()
        process.wait(timeout=60)


def https(port: int):
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=60,
                                       context=ssl._create_unverified_context())


def test_vietnamese_error_pages_and_hsts(running):
    down = https(running["https"])
    down.request("GET", "/thi")
    response = down.getresponse()
    page = response.read().decode("utf-8")
    assert response.status == 502 and "Hệ thống đang tạm gián đoạn" in page
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
    assert "utf-8" in response.getheader("Content-Type").lower()
    assert response.getheader("Cache-Control") == "no-store"

    big = https(running["https"])
    big.putrequest("POST", "/quan-tri/dang-ky-danh-sach/xem-truoc")
    big.putheader("Content-Length", str(200 * 1024 * 1024))
    big.endheaders()
    response = big.getresponse()
    assert response.status == 413
    assert "Tệp bạn gửi lớn hơn mức cho phép" in response.read().decode("utf-8")

    hidden = https(running["https"])
    hidden.request("GET", "/loi/502.html")
    assert hidden.getresponse().status == 404  # the pages are only for nginx's own errors


def test_every_error_page_is_vietnamese():
    for code in (413, 429, 502, 503, 504):
        page = (ROOT / "deploy" / "pages" / f"{code}.html").read_text(encoding="utf-8")
        assert '<html lang="vi">' in page and '<meta charset="utf-8">' in page
        assert "Công dân số Hải Phòng" in page and "<script" not in page
        assert f"error_page {code} /loi/{code}.html;" in \
            (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_hsts_on_pages_and_boosted_pages_but_not_on_htmx_fragments(running):
    app = http.server.ThreadingHTTPServer(("127.0.0.1", running["app"]), _Page)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    try:
        def hsts(headers: dict) -> str | None:
            connection = https(running["https"])
            connection.request("GET", "/thi", headers=headers)
            response = connection.getresponse()
            assert response.status == 200 and response.read() == b"ok"
            return response.getheader("Strict-Transport-Security")

        assert hsts({}) == "max-age=31536000"
        assert hsts({"HX-Request": "true", "HX-Boosted": "true"}) == "max-age=31536000"
        assert hsts({"HX-Request": "true"}) is None  # the page that asked carries it
    finally:
        app.shutdown()
        app.server_close()
