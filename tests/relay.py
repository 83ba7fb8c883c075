"""Relaying one request to another server, as the tests' proxies do."""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler

# Hop-by-hop, or recomputed for the body as relayed.
_NOT_RELAYED = {"content-length", "transfer-encoding", "connection"}


def relay(
    handler: BaseHTTPRequestHandler,
    netloc: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
) -> None:
    """Send the handler's request to `netloc` (host:port) and write back its answer."""
    upstream = http.client.HTTPConnection(netloc, timeout=30)
    try:
        upstream.request(handler.command, path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        handler.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in _NOT_RELAYED:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    finally:
        upstream.close()
