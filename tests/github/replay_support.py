"""A tiny loopback server that answers with the recorded GitHub answers of
tests/data/recorded (see its README), and logs what it was asked.

Only the recorded exchanges exist: anything else is GitHub's 404, and is
logged like the rest, so a test sees every request the client made.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str  # without the query string
    body: Any  # the JSON the client sent, or None


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: Any


def load(repo: str) -> dict[tuple[str, str], _Answer]:
    """Every recorded answer, keyed by (method, path), with `{repo}` filled in."""
    answers: dict[tuple[str, str], _Answer] = {}
    for file in sorted(RECORDED.glob("*.json")):
        text = file.read_text(encoding="utf-8").replace("{repo}", repo)
        doc = json.loads(text)
        for path in doc["paths"]:
            answers[(doc["method"], path)] = _Answer(doc["status"], doc["headers"], doc["body"])
    return answers


class ReplayServer:
    def __init__(self, repo: str) -> None:
        self.answers = load(repo)
        self.log: list[Exchange] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def asked(self) -> list[str]:
        with self._lock:
            return [f"{e.method} {e.path}" for e in self.log]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the test reads `replay.log`

            def _answer(self) -> None:
                path = unquote(urlsplit(self.path).path)
                length = int(self.headers.get("content-length") or 0)
                sent = json.loads(self.rfile.read(length)) if length else None
                with replay._lock:
                    replay.log.append(Exchange(self.command, path, sent))
                found = replay.answers.get((self.command, path))
                if found is None:
                    found = _Answer(
                        404,
                        {"content-type": "application/json; charset=utf-8"},
                        {
                            "message": "Not Found",
                            "documentation_url": "https://docs.github.com/rest",
                        },
                    )
                data = json.dumps(found.body).encode()
                self.send_response(found.status)
                for name, value in found.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = _answer

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextmanager
def replaying(repo: str) -> Iterator[ReplayServer]:
    server = ReplayServer(repo)
    server.start()
    try:
        yield server
    finally:
        server.stop()
