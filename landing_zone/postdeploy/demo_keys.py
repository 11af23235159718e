"""Throwaway GPG keys for the demo: one per IAM user, public halves in keys/<first.last>.

The identities stack encrypts each initial password with the user's public key from
project.yaml's directory; the demo has no real people, so it makes keypairs in a private
GNUPGHOME under the work dir (never in the repository) and `lz passwords show` decrypts
with that GNUPGHOME. Existing key files are kept: they may be real people's keys.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landing_zone.fsutil import atomic_write_text
from landing_zone.postdeploy.errors import PostdeployError
from landing_zone.settings import Settings

DEMO_EMAIL_DOMAIN = "demo.invalid"  # reserved TLD: these keys can't be mistaken for anyone's


@dataclass(frozen=True)
class DemoKey:
    user: str
    path: Path
    status: str  # "created", "kept", "kept (not a demo key)"


def _raw(config_path: Path) -> dict[str, Any]:
    # Not load_project: it rejects a project whose key files are missing, which is
    # exactly the state this fixes.
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(config_path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise PostdeployError(f"cannot read {config_path}: {exc}") from None
    return data if isinstance(data, dict) else {}


def iam_users(config_path: Path) -> list[str]:
    """Every IAM user (first.last) of every account's groups, sorted."""
    users: set[str] = set()
    for settings in (_raw(config_path).get("accounts") or {}).values():
        for group in (settings or {}).get("groups") or []:
            users.update(str(u) for u in (group or {}).get("users") or [])
    return sorted(users)


def key_path(config_path: Path, user: str) -> Path:
    """project.yaml's gpg_keys entry, else keys/<first.last> next to project.yaml."""
    rel = (_raw(config_path).get("gpg_keys") or {}).get(user)
    return config_path.parent / (str(rel) if rel else f"keys/{user}")


def default_gnupghome(settings: Settings) -> Path:
    return settings.work_dir / "demo-gnupg"


def _gpg(home: Path) -> Any:
    import gnupg

    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)  # gpg refuses to trust a group- or world-readable home
    return gnupg.GPG(gnupghome=str(home))


def _secret_fingerprints(gpg: Any) -> set[str]:
    return {k["fingerprint"] for k in gpg.list_keys(secret=True)}


def generate(config_path: Path, gnupghome: Path, *, force: bool = False) -> list[DemoKey]:
    """Make a passphrase-less keypair per IAM user and write its ASCII-armored public key."""
    gpg = _gpg(gnupghome)
    try:
        return _generate(gpg, config_path, force)
    finally:
        # gpg started an agent for this home; `lz passwords show` starts it again when needed.
        subprocess.run(["gpgconf", "--homedir", str(gnupghome), "--kill", "gpg-agent"], capture_output=True, check=False, timeout=60)


def _generate(gpg: Any, config_path: Path, force: bool) -> list[DemoKey]:
    secret = _secret_fingerprints(gpg)
    done = []
    for user in iam_users(config_path):
        path = key_path(config_path, user)
        if path.exists() and not force:
            scanned = {k["fingerprint"] for k in gpg.scan_keys(str(path))}
            done.append(DemoKey(user, path, "kept" if scanned & secret else "kept (not a demo key)"))
            continue
        params = gpg.gen_key_input(
            key_type="RSA",
            key_length=2048,
            name_real=f"{user} (landing-zone demo)",
            name_email=f"{user}@{DEMO_EMAIL_DOMAIN}",
            expire_date=0,
            no_protection=True,
        )
        key = gpg.gen_key(params)
        if not key.fingerprint:
            raise PostdeployError(f"gpg could not generate a key for {user}: {key.status or key.stderr[-200:]}")
        public = gpg.export_keys(key.fingerprint)
        atomic_write_text(path, public, mode=0o644)
        done.append(DemoKey(user, path, "created"))
    return done
