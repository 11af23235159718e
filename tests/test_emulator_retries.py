"""landing_zone.emulator.retries on a stand-in WSGI app: what is replayed, what runs again."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from landing_zone.emulator.retries import Retries


class Counter:
    """A WSGI app that answers each call with its number and the `status` it is given."""

    def __init__(self, status: str = "200 OK", gate: threading.Event | None = None) -> None:
        self.calls, self.status, self.gate = 0, status, gate

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        number = self.calls
        if self.gate:
            self.gate.wait(5)
        start_response(self.status, [("Content-Type", "text/plain")])
        return [f"call {number}".encode()]


def _send(retries: Retries, app: Counter, invocation: str | None, attempt: int, method: str = "POST") -> tuple[str, bytes]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method}
    if invocation:
        environ |= {"HTTP_AMZ_SDK_INVOCATION_ID": invocation, "HTTP_AMZ_SDK_REQUEST": f"attempt={attempt}; max=3"}
    got: list[str] = []
    body = b"".join(retries(app, environ, lambda status, headers, exc_info=None: got.append(status)))
    return got[0], body


def test_a_retry_is_answered_as_the_first_attempt_was() -> None:
    retries, app = Retries(), Counter()
    assert _send(retries, app, "a", 1) == ("200 OK", b"call 1")
    assert _send(retries, app, "a", 2) == ("200 OK", b"call 1")
    assert _send(retries, app, "b", 1) == ("200 OK", b"call 2")  # another operation runs
    assert app.calls == 2


def test_client_errors_are_replayed_server_errors_run_again() -> None:
    retries, conflict = Retries(), Counter("409 Conflict")
    _send(retries, conflict, "a", 1)
    assert _send(retries, conflict, "a", 2) == ("409 Conflict", b"call 1")
    broken = Counter("500 Internal Server Error")
    _send(retries, broken, "b", 1)
    assert _send(retries, broken, "b", 2) == ("500 Internal Server Error", b"call 2")


def test_reads_requests_without_an_invocation_and_repeated_first_attempts_run() -> None:
    retries, app = Retries(), Counter()
    _send(retries, app, "a", 1, method="GET")
    _send(retries, app, "a", 2, method="GET")
    _send(retries, app, None, 1)
    _send(retries, app, None, 1)
    _send(retries, app, "c", 1)
    _send(retries, app, "c", 1)  # not a retry by its own account
    assert app.calls == 6


def test_a_retry_of_a_request_still_running_waits_for_its_answer() -> None:
    retries, gate = Retries(), threading.Event()
    app = Counter(gate=gate)
    first: list[tuple[str, bytes]] = []
    running = threading.Thread(target=lambda: first.append(_send(retries, app, "a", 1)))
    running.start()
    while app.calls == 0:
        threading.Event().wait(0.01)
    retried: list[tuple[str, bytes]] = []
    retry = threading.Thread(target=lambda: retried.append(_send(retries, app, "a", 2)))
    retry.start()
    retry.join(0.2)
    assert retry.is_alive()  # waiting, not running the request again
    gate.set()
    running.join(5)
    retry.join(5)
    assert first == retried == [("200 OK", b"call 1")] and app.calls == 1


def test_only_the_last_answers_are_kept() -> None:
    retries, app = Retries(keep=2), Counter()
    for invocation in ("a", "b", "c"):
        _send(retries, app, invocation, 1)
    assert _send(retries, app, "a", 2) == ("200 OK", b"call 4")  # forgotten: runs again
    assert _send(retries, app, "c", 2) == ("200 OK", b"call 3")
