"""External commands of a deploy: each in its own process group, with a timeout, never orphaned.

A child in lz's process group would get the terminal's Ctrl-C itself and fail on its own
("terraform apply failed" instead of "interrupted"); and one whose output is a pipe dies of
SIGPIPE the moment lz is killed, leaving its state lock behind. So every command runs in
a new session, writes to unlinked temp files, and is stopped by lz: on a timeout, on
Ctrl-C or SIGTERM (`stop_all`), first with SIGINT (terraform stops gracefully and releases
its state lock), then, after a grace period, with SIGKILL for the whole group (provider
plugins included).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# Seconds between the polite SIGINT and the SIGKILL of the whole group.
GRACE = 20.0

_running: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()
_stopping = threading.Event()


class Interrupted(Exception):
    """The run is being stopped (Ctrl-C, SIGTERM): no new command starts."""


class CommandTimeout(Exception):
    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"timed out after {seconds:.0f}s")


def run(
    cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float | None, on_start: Callable[[int], None] = lambda pid: None
) -> subprocess.CompletedProcess[str]:
    """Run `cmd` to completion; CommandTimeout (after killing its group) when it takes too long."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:  # unlinked: secrets vanish with them
        with _lock:
            if _stopping.is_set():
                raise Interrupted()
            proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
            _running.add(proc)
        try:
            on_start(proc.pid)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(proc)
            raise CommandTimeout(timeout or 0) from None
        except BaseException:
            stop(proc)
            raise
        finally:
            with _lock:
                _running.discard(proc)
        if _stopping.is_set():
            raise Interrupted()
        out.seek(0)
        err.seek(0)
        text = (out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))
    return subprocess.CompletedProcess(list(cmd), proc.returncode, *text)


def kill_group(pid: int, grace: float | None = None, wait: Callable[[float], bool] | None = None) -> None:
    """SIGINT to `pid`, then (once it exited, or `grace` seconds passed) SIGKILL to its group.

    `wait(seconds)` returns once the process exited or the time is up (None: no wait).
    """
    grace = GRACE if grace is None else grace
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        pass
    if wait is not None:
        wait(grace)
    try:  # also once it exited: provider plugins it left in its group go with it
        os.killpg(pid, signal.SIGKILL)  # the child's own session: pgid == pid
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc: subprocess.Popen[bytes], grace: float | None = None) -> None:
    def exited(seconds: float) -> bool:
        try:
            proc.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    kill_group(proc.pid, grace, exited)
    exited(5.0)


def stop_all() -> None:
    """Stop every running command (lz is exiting); commands not started yet never start."""
    _stopping.set()
    with _lock:
        procs = list(_running)
    threads = [threading.Thread(target=stop, args=(p,), daemon=True) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def reset() -> None:
    """Allow commands again (tests; a long-lived process that handled an interrupt)."""
    _stopping.clear()
