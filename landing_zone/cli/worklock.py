"""One `lz` at a time per work dir: two runs would share cdktf.out's staging dir, the stack
workspaces and their logs (`lz synth & lz synth` crashed one of them).

The lock is a `filelock` on `<work_dir>/lz.lock` (the OS releases it when the process dies,
so a killed run never leaves it held); beside it `lz.lock.json` names the holder (pid,
command, since when) for the message of the run that waits.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK, HOLDER = "lz.lock", "lz.lock.json"


def _holder(work_dir: Path) -> str:
    try:
        info = json.loads((work_dir / HOLDER).read_text())
        return f"`{info['command']}` (pid {info['pid']}, since {info['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another lz"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextmanager
def holding(work_dir: Path, command: str, say: Callable[[str], None] = _say) -> Iterator[None]:
    """Hold the work dir's lock for `command`; waits (saying for whom) while another lz has it."""
    from filelock import FileLock, Timeout

    work_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(work_dir / LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        say(f"waiting for {_holder(work_dir)} to finish in {work_dir} (one lz at a time per work dir; Ctrl-C to give up)")
        lock.acquire(poll_interval=0.2)
    try:
        (work_dir / HOLDER).write_text(json.dumps({"pid": os.getpid(), "command": command, "since": time.strftime("%H:%M:%S")}))
        yield
    finally:
        (work_dir / HOLDER).unlink(missing_ok=True)
        lock.release()
