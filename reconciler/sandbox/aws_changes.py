"""Whether anything may have changed moto's state since the sandbox seeded it.

reconcile only ever reads AWS; what changes the sandbox's accounts is a test
or a demo step doing it on purpose (a loosened trust policy, a rotated
secret). Watching moto's own traffic tells the two apart, so a moto server
shared by many sandboxes is reset and seeded again only when a request that
may write reached it since the last seeding (`AwsSandbox.prepare`).

moto keeps its accounts in module-level backends, one state per process
whichever of its servers a request reached (a test's shared server and the
one `reconcile demo` starts in the same process). So what is known about
that state is kept once per process too: `MOTO_STATE`.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

# AWS names its operations for what they do: these read and change nothing.
# STS's AssumeRole and GetCallerIdentity issue or describe credentials, which
# no later read of an account's roles, parameters or secrets can see.
_READ_PREFIXES = ("Get", "List", "Describe", "BatchGet")
_READS = frozenset({"AssumeRole"})
_FORM = "application/x-www-form-urlencoded"
RESET_PATH = "/moto-api/reset"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
App = Callable[[Environ, StartResponse], Iterable[bytes]]


def operation(environ: Environ) -> str | None:
    """The AWS operation a request to moto asks for, or None when it names none.

    JSON services (SSM, Secrets Manager) name it in `X-Amz-Target`
    (`AmazonSSM.GetParameter`); query services (IAM, STS) in the `Action`
    parameter, in the query string or the form body.
    """
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rpartition(".")[2]
    actions = parse_qs(str(environ.get("QUERY_STRING", ""))).get("Action")
    if actions:
        return actions[0]
    if str(environ.get("CONTENT_TYPE", "")).startswith(_FORM):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
        actions = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if actions:
            return actions[0]
    return None


def only_reads(name: str | None) -> bool:
    return name is not None and (name.startswith(_READ_PREFIXES) or name in _READS)


class MotoState:
    """What is known of this process's moto state: seeded for which config
    (a fingerprint), whether a request that may write came since, and how many
    times it was reset (a reset forgets the credentials `sts:AssumeRole` issued,
    so clients holding them must be made again)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.seeded_for: bytes | None = None
        self.changed = True
        self.resets = 0
        # Not `lock`: a seeding holds that while its reset request is served.
        self._resets_lock = threading.Lock()

    def count_reset(self) -> None:
        with self._resets_lock:
            self.resets += 1

    def as_seeded(self, fingerprint: bytes) -> bool:
        return not self.changed and self.seeded_for == fingerprint


MOTO_STATE = MotoState()


class ChangeWatch:
    """WSGI middleware in front of a moto server: marks `MOTO_STATE` changed on
    any request that may write, moto's own `/moto-api/reset` included."""

    def __init__(self, app: App) -> None:
        self._app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not only_reads(operation(environ)):
            MOTO_STATE.changed = True
        if environ.get("PATH_INFO") == RESET_PATH:
            MOTO_STATE.count_reset()
        return self._app(environ, start_response)
