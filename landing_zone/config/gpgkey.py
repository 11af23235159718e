"""Read and inspect an IAM user's GPG public key file, with gpg itself.

The single place that reads key files: validation checks them with `inspect_public_key`,
and the identities stack passes `pgp_key_base64()` (base64 of the binary key, what the
provider's `pgp_key` wants). Accepted forms: ASCII armor (`gpg --export --armor`),
binary (`gpg --export`) and base64 of the binary (`gpg --export | base64`, the
reference's convention; decoded here, gpg reads the other two). A private key is
refused: it must never sit next to project.yaml, let alone reach Terraform state.

gpg runs with a throwaway GNUPGHOME per check (`--show-keys` still creates a keybox and
a trustdb in its home) and `--no-autostart` (no agent), so the user's keyring is never
read or written. gpg is called directly rather than through python-gnupg: 0.5.7 has no
`--list-packets` or `--dearmor`, and each `gnupg.GPG()` runs an extra `gpg --list-config`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from landing_zone.config.files import read_regular_file

MAX_KEY_BYTES = 1 << 20  # real public keys are a few KB; don't slurp a stray big file
GPG_TIMEOUT_S = 30
ARMOR_RE = re.compile(rb"-----BEGIN PGP ([A-Z ,/0-9]+)-----")
PRIVATE_KEY = "this is a PRIVATE key: refusing it (delete it here; export the public key with `gpg --export <email>`)"
NOT_OPENPGP = "not an OpenPGP key: neither ASCII armor, binary nor base64 of a binary export"


@dataclass(frozen=True)
class PublicKey:
    """What gpg says about a public key (fields of `gpg --with-colons`, gnupg doc/DETAILS)."""

    fingerprint: str
    user_ids: tuple[str, ...]
    validity: str  # pub field 2: 'e' expired, 'r' revoked, 'i' invalid, else usable
    expires: datetime | None
    can_encrypt: bool  # gpg's capital E: an encryption (sub)key usable now

    @property
    def emails(self) -> list[str]:
        """The address in each user id ('Name <a@b>' or a bare 'a@b'), lower-cased."""
        return [addr.lower() for uid in self.user_ids if "@" in (addr := parseaddr(uid)[1])]


def read_public_key(path: Path | str) -> bytes:
    """The binary OpenPGP public key in `path`; ValueError saying why when it is not one."""
    return parse_public_key(_read(path))


def inspect_public_key(path: Path | str) -> PublicKey:
    """gpg's view of the public key in `path` (expiry, capabilities, user ids); ValueError if none."""
    return scan_public_key(_read(path))


def pgp_key_base64(path: Path | str) -> str:
    """What aws_iam_user_login_profile.pgp_key expects: base64 of the binary public key."""
    return base64.b64encode(read_public_key(path)).decode("ascii")


def parse_public_key(data: bytes) -> bytes:
    """Binary public key from armored, binary or base64 bytes; ValueError when it is not one."""
    data = _gpg_input(data)
    scan_public_key(data)
    if ARMOR_RE.search(data):
        return _gpg(["--dearmor"], data).stdout
    return data


def scan_public_key(data: bytes) -> PublicKey:
    """Check `data` holds exactly one public key (armored, binary or base64) and describe it."""
    data = _gpg_input(data)
    shown = _gpg(["--with-colons", "--show-keys"], data)
    records = [line.split(":") for line in shown.stdout.decode("utf-8", "replace").splitlines()]
    if any(r[0] in ("sec", "ssb") for r in records):
        raise ValueError(PRIVATE_KEY)
    keys = [r for r in records if r[0] == "pub"]
    if not keys:
        raise ValueError(_why_no_key(data, shown.stderr.decode("utf-8", "replace")))
    if len(keys) > 1:
        raise ValueError(f"holds {len(keys)} keys; keep only this user's (`gpg --export <email>`)")
    pub = keys[0]
    uids = tuple(_unescape(r[9]) for r in records if r[0] == "uid")
    if not uids:
        raise ValueError("public key without a user ID; export it with `gpg --export <email>`")
    fingerprint = next((r[9] for r in records if r[0] == "fpr"), "")
    expires = datetime.fromtimestamp(int(pub[6]), UTC) if pub[6].isdigit() else None
    return PublicKey(fingerprint, uids, pub[1], expires, "E" in pub[11])


def _read(path: Path | str) -> bytes:
    # OSError (missing, unreadable, a directory) is the caller's to report
    return read_regular_file(Path(path), MAX_KEY_BYTES, "a public key")


def _gpg_input(data: bytes) -> bytes:
    """The bytes gpg should read: binary or armor as they are, base64 decoded once."""
    if data and data[0] & 0x80:  # every OpenPGP packet header has the top bit set; text never does
        return data
    text = data.strip()
    if not text:
        raise ValueError("empty file")
    if not ARMOR_RE.search(text):  # base64 of the export (or of the armor)
        try:
            text = base64.b64decode(b"".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(NOT_OPENPGP) from None
        if not text:
            raise ValueError(NOT_OPENPGP)
    if match := ARMOR_RE.search(text):
        kind = match.group(1).decode()
        if "PRIVATE" in kind or "SECRET" in kind:
            raise ValueError(PRIVATE_KEY)
        if kind != "PUBLIC KEY BLOCK":
            raise ValueError(f"armor holds a PGP {kind}, not a PUBLIC KEY BLOCK")
        if f"-----END PGP {kind}-----".encode() not in text:
            raise ValueError("broken ASCII armor: no matching -----END PGP ...----- line")
    return text


def _why_no_key(data: bytes, stderr: str) -> str:
    """gpg found no key: name the first packet (from `gpg --list-packets`) or gpg's complaint."""
    listed = _gpg(["--list-packets"], data).stdout.decode("utf-8", "replace")
    first = re.search(r"^# off=0 .*?tag=(\d+).*\n:(.*?) packet:(.*)$", listed, re.M)
    if "CRC error" in stderr:
        return "ASCII armor checksum mismatch: the file is damaged"
    if first is None:
        return NOT_OPENPGP
    tag, name, rest = int(first.group(1)), first.group(2), first.group(3)
    if tag in (5, 7):  # secret key, secret subkey
        return PRIVATE_KEY
    if tag != 6:
        return f"not a public key: it starts with a {name} packet"
    if version := re.search(r"obsolete version (\d+)", rest):
        return f"unsupported public key version {version.group(1)} (need 4 or later)"
    reason = next((line.removeprefix("gpg: ") for line in stderr.splitlines() if "error" in line), "")
    return f"truncated or damaged OpenPGP data ({reason or 'gpg found no key in it'})"


def _gpg(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    """Run gpg on `data` in a throwaway home; never the user's keyring, never an agent."""
    with tempfile.TemporaryDirectory(prefix="lz-gpg-") as home:
        cmd = ["gpg", "--homedir", home, "--batch", "--no-tty", "--no-autostart", "--no-permission-warning", *args]
        env = {**os.environ, "LC_ALL": "C", "LANGUAGE": "C"}  # stderr is matched below
        try:
            return subprocess.run(cmd, input=data, capture_output=True, env=env, timeout=GPG_TIMEOUT_S, check=False)
        except FileNotFoundError:
            raise ValueError("cannot check it: gpg is not installed (GnuPG must be on PATH)") from None
        except subprocess.TimeoutExpired:
            raise ValueError(f"cannot check it: gpg did not answer within {GPG_TIMEOUT_S} s") from None


def _unescape(field: str) -> str:
    """A colon-listing user id: gpg writes ':' and other specials as \\xNN."""
    raw = re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), field.encode())
    return raw.decode("utf-8", "replace")
