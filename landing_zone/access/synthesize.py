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

# A public key whose private key was thrown away: access never depends on key material,
# so IAM users whose own key file is not there yet synthesize with this one.
STAND_IN_KEY = Path(__file__).with_name("stand-in-key.asc")


class RefNotFound(Exception):
    pass


def project_for_access(text: str, config: Path) -> Project:
    """project.yaml's model from its text; IAM users without a key file get the stand-in key."""
    import io

    from ruamel.yaml import YAML

    from landing_zone.config.loader import parse_project

    doc = YAML(typ="safe").load(text) or {}
    keys = dict(doc.get("gpg_keys") or {}) if isinstance(doc, dict) else {}
    users = {u for acct in ((doc.get("accounts") or {}).values() if isinstance(doc, dict) else [])
             for g in (acct or {}).get("groups", []) or [] for u in g.get("users", []) or []}  # fmt: skip
    missing = {u for u in users if not (config.parent / Path(keys.get(u, f"keys/{u}")).expanduser()).is_file()}
    if missing:  # rewritten only then, so every other problem keeps its line number
        doc["gpg_keys"] = keys | dict.fromkeys(sorted(missing), str(STAND_IN_KEY))
        out = io.StringIO()
        YAML(typ="safe").dump(doc, out)
        text = out.getvalue()
    return parse_project(text, config)[0]


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
