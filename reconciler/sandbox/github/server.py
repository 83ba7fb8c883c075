"""Serving the emulator over real HTTP on an ephemeral loopback port."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from reconciler.sandbox.github.app import EmulatorApp


class _QuietHandler(WSGIRequestHandler):
    """No access log, and every open connection is tracked so stop() can close it."""

    def setup(self) -> None:
        super().setup()
        tracker: _Connections | None = getattr(self.server, "tracker", None)
        if tracker is not None:
            tracker.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            tracker: _Connections | None = getattr(self.server, "tracker", None)
            if tracker is not None:
                tracker.discard(self.connection)

    def log(self, type: str, message: str, *args: Any) -> None:
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _Connections:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self.threads: set[threading.Thread] = set()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)
            self.threads.add(threading.current_thread())

    def discard(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
            self.threads.discard(threading.current_thread())

    def close_all(self) -> list[threading.Thread]:
        with self._lock:
            sockets, threads = list(self._open), list(self.threads)
            self.threads.clear()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        return threads


def _listening(port: int) -> socket.socket:
    """A loopback socket listening on `port` (0: any free port); OSError if taken."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # As http.server does: a port in TIME_WAIT is free, one that listens is not.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


class Server:
    def __init__(self, app: EmulatorApp, *, port: int = 0) -> None:
        self._app = app
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._tracker = _Connections()
        self.url = ""

    def start(self) -> str:
        if self._server is not None:
            return self.url  # already serving; starting twice must not leak a server
        # We bind the socket ourselves: werkzeug would print and sys.exit() when a
        # chosen port is taken; an OSError lets the caller say it in its own words.
        with _listening(self._port) as listener:
            server = make_server(
                "127.0.0.1",
                self._port,
                self._app,
                threaded=True,
                request_handler=_QuietHandler,
                fd=listener.fileno(),
            )
        server.tracker = self._tracker  # type: ignore[attr-defined]
        # Short poll so shutdown() returns promptly.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"github-emulator-{server.port}",
        )
        self._server = server
        self.url = f"http://127.0.0.1:{server.port}"
        self._thread.start()
        return self.url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        for worker in self._tracker.close_all():
            if worker is not threading.current_thread():
                worker.join(timeout=5)
        self._server = self._thread = None
