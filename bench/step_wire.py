"""One answer step on the wire, through the deploy's nginx (issue 16: ≤ 1,200 B with the
response headers).

Starts the app as the browser tests do (tests/e2e/site.py: gunicorn, deploy/gunicorn.conf.py,
a fresh SQLite database) and /usr/sbin/nginx with deploy/nginx.conf made local: the
port-80 redirect server dropped, TLS off (HTTP/1.1 on a free 127.0.0.1 port), the
upstream pointed at that gunicorn, /srv/cdso at this checkout, brotli_static dropped
when nginx lacks the module. A resident logs in, starts an attempt and answers every
question with htmx as the page does (HX-Request, the CSRF token as a header, the
browser's Accept-Encoding); every byte nginx sends back is counted: status line, headers,
body. HTTP/1.1 headers are an upper bound: over the deploy's HTTP/2, HPACK sends the
repeated ones as a few bytes each.

    .venv/bin/python bench/step_wire.py"""
from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import brotli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.site import PASSWORD, Server, free_port, initialise, populate  # noqa: E402

NGINX = "/usr/sbin/nginx"
BUDGET = 1_200
BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like "
                         "Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
           "Accept-Encoding": "gzip, deflate, br, zstd", "Accept-Language": "vi-VN,vi;q=0.9"}


def nginx_conf(folder: Path, port: int, app_port: int) -> Path:
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    site = re.sub(r"\n\s*(listen \[::\]:443[^\n]*|ssl_[^\n]*)", "", site)
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    site = site.replace("/srv/cdso", str(ROOT))
    modules = subprocess.run([NGINX, "-V"], capture_output=True, text=True).stderr
    if "brotli" not in modules:
        site = re.sub(r"\n\s*brotli_static on;", "", site)
    temp = " ".join(f"{kind}_temp_path {folder / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
                    f"daemon off; events {{ worker_connections 64; }}\n"
                    f"http {{ include /etc/nginx/mime.types; access_log off; {temp}\n{site}\n}}\n")
    return conf


class Wire:
    """HTTP/1.1 over one kept-alive connection; every response's bytes as received."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict, bytes, int, int]:
        body = urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", "Host: congdanso.haiphong.gov.vn",
                 *(f"{k}: {v}" for k, v in {**BROWSER, **(headers or {})}.items())]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded",
                      f"Content-Length: {len(body)}"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += self.file.readline()
        status = int(head.split(b" ", 2)[1])
        found: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            if ": " in line:
                name, value = line.split(": ", 1)
                found[name.lower()] = value
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
        payload = self.file.read(int(found.get("content-length", 0)))
        if found.get("content-encoding") == "br":
            payload_text = brotli.decompress(payload)
        else:
            payload_text = payload
        return status, found, payload_text, len(head), len(payload)


def answer_steps(port: int, phone: str) -> list[tuple[int, int]]:
    wire = Wire(port)
    _, _, page, _, _ = wire.send("GET", "/dang-nhap")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    status, headers, *_ = wire.send("POST", "/dang-nhap", {
        "login": phone, "password": PASSWORD, "csrf_token": token})
    assert status == 303, status
    _, _, home, _, _ = wire.send("GET", "/thi")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', home).group(1).decode()
    status, headers, *_ = wire.send("POST", "/thi/bat-dau", {"csrf_token": token})
    url = headers["location"]
    _, _, page, _, _ = wire.send("GET", url)
    token = re.search(rb'"X-CSRFToken": "([^"]+)"', page).group(1).decode()
    sizes = []
    for seq in range(1, 100):
        choice = re.search(rb'name="choice" value="(\d+)"', page)
        if not choice:
            break
        status, headers, page, head, body = wire.send(
            "POST", url, {"choice": choice.group(1).decode(), "go": "next", "seq": str(seq)},
            {"HX-Request": "true", "HX-Current-URL": f"http://127.0.0.1{url}",
             "X-CSRFToken": token})
        assert status == 200 and "set-cookie" not in headers, (status, headers)
        sizes.append((head, body))
        url = headers["hx-push-url"]
    return sizes


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cdso-wire-") as name:
        folder = Path(name)
        path = folder / "site.sqlite3"
        initialise(path)
        server = Server(f"sqlite:///{path}", folder / "gunicorn.log")
        people = populate(path, slow_residents=1)
        server.wait_ready()
        port = free_port()
        nginx = subprocess.Popen([NGINX, "-c", str(nginx_conf(folder, port, server.port)),
                                  "-p", str(folder)])
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port)).close()
                    break
                except OSError:
                    subprocess.run(["sleep", "0.1"])
            sizes = answer_steps(port, people.slow_residents[0])
        finally:
            nginx.terminate()
            nginx.wait()
            server.stop()
    totals = sorted(h + b for h, b in sizes)
    heads = sorted(h for h, _ in sizes)
    print(f"{len(sizes)} answer steps through nginx (HTTP/1.1, brotli from the app): "
          f"total median {statistics.median(totals):,.0f} B (min {totals[0]:,}, max "
          f"{totals[-1]:,}), headers {heads[0]}–{heads[-1]} B; budget {BUDGET:,} B")
    over = [t for t in totals if t > BUDGET]
    if over:
        raise SystemExit(f"{len(over)} steps over budget: {over}")


if __name__ == "__main__":
    main()
