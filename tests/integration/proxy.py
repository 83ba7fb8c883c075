"""Loopback HTTP proxies: a broken one in front of GitHub, answering every GET
200 with a fixed body whatever the endpoint returns (`serving`), and a working
one that relays each request and records it (`forwarding`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from relay import relay


class _Proxy(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def _served(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` served on a loopback port, in a thread, until the block ends; its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serving(body: bytes) -> Iterator[str]:
    """A loopback server that answers every GET with 200 and `body`."""
    with _served(type("Handler", (_Proxy,), {"body": body})) as url:
        yield url


class Forwarding:
    """What a forwarding proxy saw: `METHOD absolute-URL` per request."""

    def __init__(self) -> None:
        self.url = ""
        self.seen: list[str] = []


class _Forwarder(BaseHTTPRequestHandler):
    record: Forwarding

    def do_GET(self) -> None:
        self.record.seen.append(f"{self.command} {self.path}")
        target = urlsplit(self.path)  # a proxy is sent the absolute URL
        path = target.path + (f"?{target.query}" if target.query else "")
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        relay(self, target.netloc, path, None, headers)

    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def forwarding() -> Iterator[Forwarding]:
    """A loopback forwarding proxy for plain-HTTP GETs, recording each one it relays."""
    record = Forwarding()
    with _served(type("Handler", (_Forwarder,), {"record": record})) as url:
        record.url = url
        yield record
