"""A synth for the access room: the project as terraform would get it on AWS, into a directory.

Member accounts whose ids are not known yet get stand-in ids, so the whole organization
can be read before it exists (ids never show in `lz access`: accounts go by name).
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

from landing_zone.access.terraform import Stacks, load_stacks
from landing_zone.config import Project
from landing_zone.settings import Settings

STAND_IN_DOMAIN = "stand-in.invalid"


class RefNotFound(Exception):
    pass


def project_for_access(text: str, config: Path, scratch: Path) -> Project:
    """project.yaml's model from its text. Access never depends on key material, so IAM users
    whose key file is not there yet get a throwaway key (written under `scratch`)."""
    import io

    from ruamel.yaml import YAML

    from landing_zone.config.loader import parse_project

    doc = YAML(typ="safe").load(text) or {}
    if not isinstance(doc, dict):
        return parse_project(text, config)[0]  # the loader's own message
    keys, emails = dict(doc.get("gpg_keys") or {}), dict(doc.get("gpg_key_emails") or {})
    users = {u for acct in (doc.get("accounts") or {}).values() for g in (acct or {}).get("groups", []) or [] for u in g.get("users", []) or []}
    missing = sorted(u for u in users if not (config.parent / Path(keys.get(u, f"keys/{u}")).expanduser()).is_file())
    if missing:  # rewritten only then, so every other problem keeps its line number
        key = stand_in_key({u: emails.get(u) or f"{u}@{STAND_IN_DOMAIN}" for u in missing}, scratch)
        doc["gpg_keys"] = keys | dict.fromkeys(missing, str(key))
        out = io.StringIO()
        YAML(typ="safe").dump(doc, out)
        text = out.getvalue()
    return parse_project(text, config)[0]


def stand_in_key(emails: dict[str, str], directory: Path) -> Path:
    """One public key with a user ID per user (its private key goes with a throwaway keyring)."""
    import shutil
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="lzgpg-"))  # short: gpg-agent's socket path has a limit
    gpg = ["gpg", "--batch", "--quiet", "--homedir", str(home), "--pinentry-mode", "loopback", "--passphrase", ""]
    uids = [f"{user} <{email}>" for user, email in sorted(emails.items())]
    try:
        subprocess.run([*gpg, "--quick-generate-key", uids[0], "ed25519", "cert,sign", "never"], check=True, capture_output=True)
        listing = subprocess.run([*gpg, "--with-colons", "--list-keys"], check=True, capture_output=True, text=True).stdout
        fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
        for uid in uids[1:]:
            subprocess.run([*gpg, "--quick-add-uid", fingerprint, uid], check=True, capture_output=True)
        subprocess.run([*gpg, "--quick-add-key", fingerprint, "cv25519", "encr", "never"], check=True, capture_output=True)
        exported = subprocess.run([*gpg, "--armor", "--export", fingerprint], check=True, capture_output=True).stdout
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "stand-in-key.asc"
    path.write_bytes(exported)
    return path


def stand_in_ids(project: Project, known: dict[str, str]) -> dict[str, str]:
    """`known`, plus 111111111111, 222222222222, … for the member accounts still without an id."""
    ids = {a.name: a.id for a in project.organization.accounts if a.id} | known
    taken = set(ids.values())
    spare = (str(d) * 12 for d in range(1, 10))
    for account in project.member_accounts:
        if account.name not in ids:
            ids[account.name] = next(i for i in spare if i not in taken)
    return ids


def synthesize(project: Project, settings: Settings, known_ids: dict[str, str], outdir: Path) -> Stacks:
    from landing_zone.synth import synth

    out = synth(project, replace(settings, target="aws"), stand_in_ids(project, known_ids), outdir=outdir)
    return load_stacks(out)


def project_at(ref: str, config: Path) -> str:
    """project.yaml's text at a git revision (`HEAD~1`, a branch, a tag)."""
    path = config.resolve()
    result = subprocess.run(["git", "-C", str(path.parent), "show", f"{ref}:./{path.name}"], capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["git show failed"])[-1]
        raise RefNotFound(f"{ref}: no {path.name} at that git revision ({reason})")
    return result.stdout
