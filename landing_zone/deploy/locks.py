"""A state lock a terraform command left for itself, on the emulator.

Under load the emulator can answer a DynamoDB PutItem (the lock) and still lose the
response; the AWS SDK then retries, the retry finds the lock item the first attempt
wrote, and terraform fails with "Error acquiring the state lock", naming a lock that
this very command created a moment ago. On the emulator (and only there: on AWS a
lock is someone's) lz removes such a lock and runs the command once more.
"""

from __future__ import annotations

import getpass
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_FAILED = "Error acquiring the state lock"
_FIELD = re.compile(r"^\s*(ID|Who|Created):\s*(\S.*?)\s*$", re.M)
# Clocks of terraform and lz agree (one machine); the slack covers rounding.
_SLACK = timedelta(seconds=1)


@dataclass(frozen=True)
class Lock:
    id: str
    who: str
    created: datetime


def held_lock(output: str) -> Lock | None:
    """The lock named by terraform's "Error acquiring the state lock" message, if any."""
    if _FAILED not in output:
        return None
    fields = dict(_FIELD.findall(output))
    try:
        # "2026-11-22 10:18:40.287103683 +0000 UTC": microseconds are enough
        created = datetime.strptime(fields["Created"][:26], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
        return Lock(fields["ID"], fields["Who"], created)
    except (KeyError, ValueError):
        return None


def me() -> str:
    """Who terraform records in a lock it takes: user@host."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def own_orphan(output: str, started: datetime) -> Lock | None:
    """The lock in `output` if this machine's user took it after `started` (UTC)."""
    lock = held_lock(output)
    if lock and lock.who == me() and lock.created >= started - _SLACK:
        return lock
    return None
