"""Throwaway GPG keys for tests (and the validate benchmark).

No key is committed: project.yaml's IAM users need public key files, so tests copy a
project into a temp dir and generate keys there. Keys are ed25519/cv25519 without a
passphrase (fast), in a GNUPGHOME the caller owns; `kill_agent` ends the gpg-agent that
gpg starts for it.
"""

from __future__ import annotations

import atexit
import base64
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Literal

KeyFormat = Literal["binary", "armor", "base64"]


def new_gnupghome() -> Path:
    """A fresh, short GNUPGHOME: gpg-agent's socket path must stay under ~100 characters."""
    return Path(tempfile.mkdtemp(prefix="lzgpg-"))


@cache
def shared_gnupghome() -> Path:
    """One keyring for the whole test session (keys are reused per email); removed at exit."""
    home = new_gnupghome()
    atexit.register(kill_agent, home)
    return home


def _gpg(gnupghome: Path, *args: str) -> bytes:
    cmd = ["gpg", "--batch", "--quiet", "--homedir", str(gnupghome), "--pinentry-mode", "loopback", "--passphrase", ""]
    return subprocess.run([*cmd, *args], check=True, capture_output=True).stdout


def make_keypair(
    gnupghome: Path,
    email: str,
    *,
    name: str = "",
    usage: str = "default",
    expires: str = "never",
    created: str | None = None,
) -> bytes:
    """Generate a key pair for `email` in `gnupghome`; returns the binary public key.

    `usage` "sign" makes a sign-only key (no encryption subkey); `expires` is gpg's
    expiry ("never", "2021-01-01"); `created` (gpg's faked system time, e.g.
    "20200101T000000") backdates the key, so a past `expires` gives an expired key.
    """
    gnupghome.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _has_key(gnupghome, email):  # reuse: one key per email and home
        uid = f"{name} <{email}>" if name else f"<{email}>"
        algo = "ed25519" if usage == "sign" else "future-default"
        faked = ["--faked-system-time", created] if created else []
        _gpg(gnupghome, *faked, "--quick-generate-key", uid, algo, usage, expires)
    return _gpg(gnupghome, "--export", f"<{email}>")


def _has_key(gnupghome: Path, email: str) -> bool:
    try:
        _gpg(gnupghome, "--list-keys", f"<{email}>")
    except subprocess.CalledProcessError:
        return False
    return True


def export_secret(gnupghome: Path, email: str, armor: bool = False) -> bytes:
    """The private key of `email` (for tests that check it is refused)."""
    return _gpg(gnupghome, *(["--armor"] if armor else []), "--export-secret-keys", f"<{email}>")


def export_public(gnupghome: Path, email: str, fmt: KeyFormat = "binary") -> bytes:
    """The public key of `email` as a key file holds it: binary, armored or base64 of binary."""
    binary = make_keypair(gnupghome, email)
    if fmt == "armor":
        return _gpg(gnupghome, "--armor", "--export", f"<{email}>")
    return base64.encodebytes(binary) if fmt == "base64" else binary  # encodebytes wraps like `base64`


def write_project_keys(project_dir: Path, users: list[str], gnupghome: Path, fmt: KeyFormat = "binary") -> list[Path]:
    """Write keys/<first.last> next to project.yaml for each IAM user; returns the files."""
    keys = project_dir / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    files = []
    for user in users:
        path = keys / user
        path.write_bytes(export_public(gnupghome, f"{user}@example.com", fmt))
        files.append(path)
    return files


def kill_agent(gnupghome: Path) -> None:
    """Stop the gpg-agent of `gnupghome` and remove the directory."""
    subprocess.run(["gpgconf", "--homedir", str(gnupghome), "--kill", "gpg-agent"], capture_output=True)
    shutil.rmtree(gnupghome, ignore_errors=True)
