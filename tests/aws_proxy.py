"""A tiny HTTP proxy on loopback in front of moto that answers an AWS error N times.

It speaks just enough of AWS's two wire protocols to be believed by botocore:
the query protocol (IAM, STS: `Action=` in the form body, an XML error) and
the JSON protocol (Secrets Manager, SSM: `X-Amz-Target`, a JSON error).
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from relay import relay

# What AWS answers for each error code this proxy plays: its HTTP status, and
# the code's spelling in the query protocol (IAM, STS) and the JSON one.
_ERRORS = {
    "Throttling": (400, "Throttling", "ThrottlingException"),
    "AccessDenied": (403, "AccessDenied", "AccessDeniedException"),
}


def _query_error(code: str, message: str) -> str:
    return (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
        f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
        "</Error><RequestId>answered-by-test-proxy</RequestId></ErrorResponse>"
    )


def _service(authorization: str) -> str:
    """The service a SigV4 request signs for: Credential=KEY/DATE/REGION/SERVICE/aws4_request."""
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", authorization)
    return match.group(1) if match else "?"


class AwsFaultProxy:
    """Forwards to `upstream`. The first `times` calls of `operation` get the
    error `code` ("Throttling" or "AccessDenied") instead; every call is
    recorded in `calls` as "service:Operation", answered or forwarded."""

    def __init__(
        self, upstream: str, operation: str = "", times: int = 0, code: str = "Throttling"
    ) -> None:
        self.operation = operation  # e.g. "GetRole" or "DescribeSecret"
        self.remaining = times
        self.code = code
        self.failed = 0
        self.forwarded: list[str] = []
        self.calls: list[str] = []
        self._upstream = urlsplit(upstream)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> AwsFaultProxy:
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

    def _take(self, service: str, operation: str) -> bool:
        with self._lock:
            self.calls.append(f"{service}:{operation}")
            if operation == self.operation and self.remaining > 0:
                self.remaining -= 1
                self.failed += 1
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
                status, query_code, json_code = _ERRORS[proxy.code]
                if target:
                    operation, kind = target.rsplit(".", 1)[-1], "json"
                else:
                    form = parse_qs(body.decode("utf-8", "replace"))
                    operation, kind = form.get("Action", [""])[0], "xml"
                service = _service(self.headers.get("Authorization", ""))
                if proxy._take(service, operation):
                    message = f"not allowed: {operation}" if status == 403 else "Rate exceeded"
                    error = (
                        json.dumps({"__type": json_code, "message": message})
                        if kind == "json"
                        else _query_error(query_code, message)
                    )
                    payload = error.encode()
                    self.send_response(status)
                    content = "application/x-amz-json-1.1" if kind == "json" else "text/xml"
                    self.send_header("Content-Type", content)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = proxy._upstream.netloc
                relay(self, proxy._upstream.netloc, self.path, body, headers)

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        return Handler
