"""A retried request is answered as its first attempt was, not carried out twice.

The AWS SDKs (Go's in terraform and its provider, botocore) send every attempt of one operation
with the same `amz-sdk-invocation-id` and `amz-sdk-request: attempt=N`. On a loaded machine the
emulator answers some requests after the SDK gave up on them (or the answer is lost with its
connection); the SDK then sends the request again and a create fails on what its own first
attempt made (`EntityAlreadyExists` for a role, a taken state lock): a whole `lz up` failed so on
an idle machine. AWS rarely leaves an answered request unanswered; the emulator, one Python
process behind a development web server, does it often enough to fail runs. So a retry of an
answered request gets that answer again (a retry of one still running waits for it); server
errors are not replayed (the retry runs, as before). Reads (GET, HEAD) are never remembered.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

KEEP = 4096  # answers remembered; a retry follows its first attempt within seconds
WAIT_S = 300.0  # longest wait for a first attempt still running (terraform's own timeouts are shorter)
_ATTEMPT = re.compile(r"attempt=(\d+)")

StartResponse = Callable[..., Any]
App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass
class _Answer:
    done: threading.Event = field(default_factory=threading.Event)
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def replayable(self) -> bool:
        return bool(self.status) and not self.status.startswith("5")


class Retries:
    """The answers of the last KEEP operations that changed something, by invocation id."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, _Answer] = OrderedDict()

    def __call__(self, app: App, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation or environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return app(environ, start_response)
        found = _ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
        attempt = int(found.group(1)) if found else 1
        mine = _Answer()
        with self._lock:
            earlier = self._answers.setdefault(invocation, mine)
            while len(self._answers) > self._keep:
                self._answers.popitem(last=False)
        if earlier is not mine:
            if attempt > 1:
                earlier.done.wait(WAIT_S)
                if earlier.replayable:
                    print(f"lz emulator: attempt {attempt} of {invocation} answered as the first was ({earlier.status})", file=sys.stderr, flush=True)
                    start_response(earlier.status, earlier.headers)
                    return [earlier.body]
            return app(environ, start_response)  # the first failed in the emulator: run this one
        try:
            mine.status, mine.headers, mine.body = _buffered(app, environ)
        finally:
            mine.done.set()
        start_response(mine.status, mine.headers)
        return [mine.body]


def _buffered(app: App, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run the WSGI app to its end: its status, headers and whole body."""
    answer: dict[str, Any] = {}
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answer["status"], answer["headers"] = status, list(headers)
        return written.append

    result = app(environ, start_response)
    try:
        body = b"".join([*written, *result])
    finally:
        close = getattr(result, "close", None)
        if close:
            close()
    return answer["status"], answer["headers"], body


def install() -> None:
    """Put the memory of answers in front of moto's dispatcher (and every other wrapper of it)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    retries = Retries()
    original = DomainDispatcherApplication.__call__

    def __call__(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return retries(lambda env, respond: original(self, env, respond), environ, start_response)

    DomainDispatcherApplication.__call__ = __call__  # type: ignore[method-assign]
