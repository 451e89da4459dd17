"""A very small HTTP/1.1 client on asyncio streams for the benchmarks: keep-alive, cookies,
forms, Content-Length and chunked bodies. Light on purpose: the load generator shares
the machine's two cores with gunicorn and PostgreSQL, and every cycle it spends is one
the server does not get. Loopback only (127.0.0.1)."""
from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
TIMEOUT = 30.0


class HttpError(Exception):
    """The connection failed or the answer was not HTTP."""


class StaleConnection(Exception):
    """Closed by the server before a byte of the answer."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes
    seconds: float

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def csrf_token(self) -> str | None:
        match = CSRF.search(self.body)
        return match.group(1).decode() if match else None


@dataclass
class Client:
    """One browser: one keep-alive connection and its cookies."""

    host: str = "127.0.0.1"
    port: int = 8000
    cookies: dict[str, str] = field(default_factory=dict)
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        # No wait for the close handshake: after a timeout the stream's own waiter may be
        # cancelled with the request, and nothing is left to read anyway.
        if self._writer is not None:
            self._writer.transport.abort()
        self._reader = self._writer = None

    async def get(self, path: str, headers: dict | None = None) -> Response:
        return await self.request("GET", path, headers=headers)

    async def post(self, path: str, form: dict, headers: dict | None = None) -> Response:
        body = urlencode(form).encode()
        extra = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return await self.request("POST", path, body=body, headers=extra)

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict | None = None) -> Response:
        started = time.perf_counter()
        for retry in (True, False):
            reused = self._writer is not None
            try:
                return await asyncio.wait_for(self._exchange(method, path, body, headers or {},
                                                             started), TIMEOUT)
            except StaleConnection:
                # The server had closed this kept-alive connection (its keepalive timeout)
                # before reading the request: it never saw it. Browsers send it again on a
                # new connection, and so do we, once.
                await self.close()
                if not (retry and reused):
                    raise HttpError(f"{method} {path}: connection closed") from None
            except (TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError,
                    ValueError) as error:
                await self.close()
                raise HttpError(f"{method} {path}: {type(error).__name__} {error}") from None
        raise HttpError(f"{method} {path}: connection closed")

    def _request_bytes(self, method: str, path: str, body: bytes, headers: dict) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Accept-Encoding: identity"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def post_and_hang_up(self, path: str, form: dict, headers: dict | None = None) -> None:
        """Send a form and drop the connection before the answer: a phone losing its
        signal mid-request. Whether it was saved, the sender never learns."""
        body = urlencode(form).encode()
        extra = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        try:
            _reader, writer = await asyncio.open_connection(self.host, self.port)
            writer.write(self._request_bytes("POST", path, body, extra))
            await writer.drain()
            writer.transport.abort()  # RST, not a polite close
        except OSError:
            pass

    async def _exchange(self, method, path, body, headers, started) -> Response:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._writer.write(self._request_bytes(method, path, body, headers))
        await self._writer.drain()
        try:
            status_line = await self._reader.readline()
        except ConnectionResetError:
            status_line = b""
        if not status_line:
            raise StaleConnection()
        status = int(status_line.split(b" ", 2)[1])
        response_headers: dict[str, str] = {}
        cookies: list[str] = []
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
                self._keep_cookie(value)
            else:
                response_headers[name] = value
        data = await self._read_body(response_headers, method)
        if response_headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, response_headers, cookies, data,
                        time.perf_counter() - started)

    async def _read_body(self, headers: dict[str, str], method: str) -> bytes:
        if method == "HEAD":
            return b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self._reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self._reader.readline()
                    return b"".join(parts)
                parts.append(await self._reader.readexactly(size))
                await self._reader.readline()
        if "content-length" in headers:
            return await self._reader.readexactly(int(headers["content-length"]))
        data = await self._reader.read()  # no length: the body ends with the connection
        await self.close()
        return data

    def _keep_cookie(self, header: str) -> None:
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        expired = "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower()
        if expired or not value:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value.strip()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.99 for p99); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))
    return ordered[index]
