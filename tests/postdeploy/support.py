"""Test support for the post-deploy tests: a project dir with throwaway GPG keys.

project.yaml's IAM users need public key files, so each test gets a copy of the repo's
project.yaml in a temp dir with fresh keys (ed25519/cv25519, no passphrase: fast) made
in a short GNUPGHOME; `kill_agent` ends the gpg-agent gpg starts for it.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT_YAML = (ROOT / "project.yaml").read_text()
USERS = ("kit.walker", "natasha.romanoff")


def new_gnupghome() -> Path:
    # gpg-agent's socket path must stay under ~100 characters: pytest's tmp dirs may not.
    return Path(tempfile.mkdtemp(prefix="lzpd-"))


def gpg(home: Path, *args: str, passphrase: str = "", stdin: bytes | None = None) -> bytes:
    cmd = ["gpg", "--batch", "--quiet", "--homedir", str(home), "--pinentry-mode", "loopback", "--passphrase", passphrase]
    return subprocess.run([*cmd, *args], input=stdin, check=True, capture_output=True).stdout


def make_key(home: Path, email: str, passphrase: str = "") -> bytes:
    """A keypair for `email` (reused when present); returns the binary public key."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    listed = subprocess.run(["gpg", "--homedir", str(home), "--list-keys", f"<{email}>"], capture_output=True)
    if listed.returncode != 0:
        gpg(home, "--quick-generate-key", f"<{email}>", "future-default", "default", "never", passphrase=passphrase)
    return gpg(home, "--export", f"<{email}>")


def encrypt_for(home: Path, email: str, plaintext: bytes) -> bytes:
    """What AWS does with a login profile's pgp_key: a binary OpenPGP message."""
    return gpg(home, "--trust-model", "always", "--encrypt", "--recipient", f"<{email}>", stdin=plaintext)


def kill_agent(home: Path) -> None:
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True)


def make_project(directory: Path, gnupghome: Path, text: str = PROJECT_YAML) -> Path:
    """project.yaml (default: the repo's) in `directory`, with a public key per IAM user."""
    directory.mkdir(parents=True, exist_ok=True)
    for user in USERS:
        (directory / "keys").mkdir(exist_ok=True)
        (directory / "keys" / user).write_bytes(make_key(gnupghome, f"{user}@example.com"))
    path = directory / "project.yaml"
    path.write_text(text)
    return path


# --- fixtures (imported by the test modules: tests/conftest.py is shared) ---

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def gnupghome() -> Iterator[Path]:
    home = new_gnupghome()
    yield home
    kill_agent(home)


@pytest.fixture
def project_path(tmp_path: Path, gnupghome: Path) -> Path:
    return make_project(tmp_path / "proj", gnupghome)
