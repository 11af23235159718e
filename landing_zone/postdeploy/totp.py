"""RFC 6238 one-time codes, for the emulator demo only.

A person types codes from an authenticator app; `make demo` has no person, so on the
emulator `--demo-codes` computes them from the device's seed, kept under the work dir.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

STEP = 30


def code(seed_base32: str, at: float | None = None, *, digits: int = 6) -> str:
    key = base64.b32decode(seed_base32.upper() + "=" * (-len(seed_base32) % 8))
    counter = int((time.time() if at is None else at) // STEP)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)
