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
from collections.abc import Callable
from pathlib import Path

from landing_zone.aws.files import write_private
from landing_zone.postdeploy.errors import PostdeployError
from landing_zone.postdeploy.mfa import NewDevice
from landing_zone.settings import Settings

STEP = 30


def code(seed_base32: str, at: float | None = None, *, digits: int = 6) -> str:
    key = base64.b32decode(seed_base32.upper() + "=" * (-len(seed_base32) % 8))
    counter = int((time.time() if at is None else at) // STEP)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


# --- throwaway emulator devices (`lz mfa enroll|login --demo-codes`) ---


def require_emulator(settings: Settings) -> None:
    if settings.target != "local":
        raise PostdeployError("--demo-codes works against the emulator only")


def seed_file(settings: Settings, serial: str) -> Path:
    # arn:aws:iam::<account>:mfa/<name> → one throwaway seed per emulator device, in the work dir.
    parts = serial.split(":")
    return settings.work_dir / "demo-mfa" / f"{parts[4]}-{parts[-1].rsplit('/', 1)[-1]}.seed"


def demo_code(settings: Settings, serial: str) -> str:
    """The current code of a device enrolled with --demo-codes."""
    require_emulator(settings)
    path = seed_file(settings, serial)
    if not path.is_file():
        raise PostdeployError(f"no demo seed for {serial} (enroll it with `lz mfa enroll --demo-codes`)")
    return code(path.read_text().strip())


def demo_codes(settings: Settings) -> Callable[[NewDevice], tuple[str, str]]:
    """Two consecutive codes for a new device; its seed is kept for `lz mfa login --demo-codes`."""
    require_emulator(settings)

    def codes(device: NewDevice) -> tuple[str, str]:
        write_private(seed_file(settings, device.serial), device.seed + "\n")
        now = time.time()
        return code(device.seed, now - STEP), code(device.seed, now)

    return codes
