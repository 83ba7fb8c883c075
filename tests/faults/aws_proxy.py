"""A tiny HTTP proxy on loopback in front of moto that answers Throttling N times.

It speaks just enough of AWS's two wire protocols to be believed by botocore:
the query protocol (IAM, STS: `Action=` in the form body, an XML error) and
the JSON protocol (Secrets Manager, SSM: `X-Amz-Target`, a JSON error).
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

_QUERY_ERROR = (
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
    "<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
    "</Error><RequestId>throttled-by-test-proxy</RequestId></ErrorResponse>"
)
_JSON_ERROR = '{"__type": "ThrottlingException", "message": "Rate exceeded"}'


class ThrottlingProxy:
    """Forwards to `upstream`; the first `times` calls of `operation` get Throttling."""

    def __init__(self, upstream: str, operation: str, times: int) -> None:
        self.operation = operation  # e.g. "GetRole" or "DescribeSecret"
        self.remaining = times
        self.throttled = 0
        self.forwarded: list[str] = []
        self._upstream = urlsplit(upstream)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ThrottlingProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _take(self, operation: str) -> bool:
        with self._lock:
            if operation == self.operation and self.remaining > 0:
                self.remaining -= 1
                self.throttled += 1
                return True
            self.forwarded.append(operation)
            return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                if target:
                    operation, error, kind = target.rsplit(".", 1)[-1], _JSON_ERROR, "json"
                else:
                    form = parse_qs(body.decode("utf-8", "replace"))
                    operation, error, kind = form.get("Action", [""])[0], _QUERY_ERROR, "xml"
                if proxy._take(operation):
                    payload = error.encode()
                    self.send_response(400)
                    content = "application/x-amz-json-1.1" if kind == "json" else "text/xml"
                    self.send_header("Content-Type", content)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection(
                    proxy._upstream.hostname or "127.0.0.1", proxy._upstream.port, timeout=30
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    headers["Host"] = proxy._upstream.netloc
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    self.send_response(answer.status)
                    for key, value in answer.getheaders():
                        if key.lower() not in {"content-length", "transfer-encoding", "connection"}:
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        return Handler
