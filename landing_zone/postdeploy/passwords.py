"""Initial console passwords: found in the identities stack's output, decrypted with the user's GPG key.

The identities stack outputs `users`: first.last → {name, encrypted_password}, the latter
base64 of the binary OpenPGP message AWS made with the user's public key. Decryption runs
gpg (python-gnupg), so GNUPGHOME and gpg-agent work as usual; the plaintext is returned to
the caller and never logged (python-gnupg logs no decrypted data unless told to).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landing_zone.postdeploy.errors import PostdeployError

_GPG_ERR_BAD_PASSPHRASE, _GPG_ERR_NO_SECKEY = 11, 17  # libgpg-error codes
_NEEDS_PASSPHRASE = "the private key needs its passphrase: unlock it in gpg-agent or pass --passphrase-file"


class PassphraseNeeded(PostdeployError):
    """The private key is locked and no passphrase reached gpg (the CLI may ask for one)."""


def encrypted_password(users: Mapping[str, Any], user: str, account: str) -> bytes:
    """The user's encrypted password (binary OpenPGP message) from the identities stack's
    `users` output."""
    entry = users.get(user)
    if isinstance(entry, dict) and entry.get("name") and not entry.get("encrypted_password"):
        raise PostdeployError(
            f"{user} in account {account} had a console password before lz adopted the user: lz never knew it "
            "(ask an administrator to reset it, or the user to sign in with it)"
        )
    if not isinstance(entry, dict) or not entry.get("encrypted_password"):
        known = ", ".join(sorted(users)) or "none"
        raise PostdeployError(f"unknown user '{user}' in account {account} (IAM users there: {known})")
    try:
        return base64.b64decode(str(entry["encrypted_password"]), validate=True)
    except (binascii.Error, ValueError):
        raise PostdeployError(f"the encrypted password of {user} is not valid base64") from None


def read_passphrase_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PostdeployError(f"cannot read the passphrase file {path}: {exc.strerror}") from None
    return text.splitlines()[0] if text else ""


def _gpg(gnupghome: str | None) -> Any:
    import gnupg

    env = dict(os.environ)
    if sys.stdin.isatty() and "GPG_TTY" not in env:
        env["GPG_TTY"] = os.ttyname(sys.stdin.fileno())  # lets gpg-agent's pinentry ask on this terminal
    try:
        return gnupg.GPG(gnupghome=gnupghome, env=env)
    except (OSError, ValueError) as exc:
        raise PostdeployError(f"cannot run gpg: {exc}") from None


def _recipients(stderr: str) -> str:
    ids = [line.split()[2] for line in stderr.splitlines() if line.startswith("[GNUPG:] ENC_TO ")]
    return ", ".join(ids) or "unknown"


def decrypt(ciphertext: bytes, *, passphrase: str | None = None, gnupghome: str | None = None) -> str:
    """Decrypt a binary OpenPGP message with the keyring of `gnupghome` (default: $GNUPGHOME)."""
    gpg = _gpg(gnupghome)
    if passphrase is not None and ("\n" in passphrase or "\r" in passphrase):
        raise PostdeployError("the passphrase file's first line is the passphrase")
    result = gpg.decrypt(ciphertext, passphrase=passphrase or None)
    if result.ok:
        try:
            return bytes(result.data).decode("utf-8")
        except UnicodeDecodeError:
            raise PostdeployError("the decrypted password is not UTF-8 text") from None
    err = result.stderr or ""
    home = gnupghome or os.environ.get("GNUPGHOME") or "~/.gnupg"
    # Status lines and libgpg-error codes, not gpg's (localised) messages, tell the cases apart.
    codes = {int(m.group(1)) & 0xFFFF for m in re.finditer(r"^\[GNUPG:\] ERROR pkdecrypt_failed (\d+)", err, re.M)}
    if "NO_SECKEY" in err or _GPG_ERR_NO_SECKEY in codes:
        raise PostdeployError(f"the password is encrypted for key {_recipients(err)}, whose private key is not in the keyring {home}")
    if passphrase and (_GPG_ERR_BAD_PASSPHRASE in codes or "BAD_PASSPHRASE" in err):
        raise PostdeployError("wrong passphrase for the private key")
    if codes or "MISSING_PASSPHRASE" in err or "BAD_PASSPHRASE" in err or "PINENTRY_LAUNCHED" in err:
        # No passphrase reached gpg: pinentry was cancelled, had no terminal, or the agent had none cached.
        raise PassphraseNeeded(_NEEDS_PASSPHRASE)
    if "NODATA" in err or "no valid OpenPGP data" in err:
        raise PostdeployError("the encrypted password is not an OpenPGP message")
    raise PostdeployError(f"gpg could not decrypt the password ({result.status or 'no status'})")
