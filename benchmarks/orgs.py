"""Projects for the benchmarks: the root project.yaml, and generated orgs of N member accounts.

Each project lands in its own directory with its IAM users' GPG public keys
(tests/gpg_helpers.py) and `<dir>/.lz/account_ids.json`, as if management-organizations
had applied: then `lz synth` builds every stack, member accounts included.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ruamel.yaml import YAML

from tests.gpg_helpers import write_project_keys

ROOT = Path(__file__).resolve().parents[1]
MANAGEMENT_ID = "000123456789"


def member_id(i: int) -> str:
    """Distinct 12-digit ids for member i (1-based): 100000000001, 100000000002, …"""
    return f"{100_000_000_000 + i:012d}"


def generated_project(members: int) -> dict:
    """A project with `members` member accounts: security, shared and workload-NNN in one OU.

    The IAM groups are the root project's (management and security), so the per-account
    stacks are what a real org of that size synthesizes.
    """
    if members < 2:
        raise ValueError("an org needs the security and shared accounts")
    names = ["security", "shared"] + [f"workload-{i:03d}" for i in range(1, members - 1)]
    accounts = [{"name": "management", "email": "bench-aws@example.com", "id": MANAGEMENT_ID}]
    accounts += [{"name": n, "email": f"bench-aws+{n}@example.com"} for n in names]
    return {
        "project_name": "benchorg",
        "short_name": "bo",
        "primary_region": "us-east-1",
        "secondary_region": "us-west-2",
        "organization": {
            "accounts": accounts,
            "organizational_units": [
                {"name": "security", "policy": ["default"], "accounts": ["security"]},
                {"name": "shared", "policy": ["standard"], "accounts": ["shared"]},
                {"name": "workloads", "policy": ["standard"], "accounts": names[2:]},
            ],
        },
        "users": [
            {"first_name": "Natasha", "last_name": "Romanoff", "email": "natasha.romanoff@example.com", "groups": ["administrators", "devops"]},
            {"first_name": "Kit", "last_name": "Walker", "email": "kit.walker@example.com", "groups": ["finops", "securityauditor"]},
        ],
        "accounts": {
            "management": {"groups": [{"name": "admins", "users": ["natasha.romanoff", "kit.walker"]}]},
            "security": {"groups": [{"name": "admins", "users": ["natasha.romanoff"]}, {"name": "auditors", "users": ["kit.walker"]}]},
        },
        "require_mfa": False,
    }


def _iam_users(doc: dict) -> list[str]:
    return sorted({u for acct in (doc.get("accounts") or {}).values() for g in (acct or {}).get("groups", []) for u in g.get("users", [])})


def _write_account_ids(work: Path, doc: dict) -> None:
    members = [a["name"] for a in doc["organization"]["accounts"] if a["name"] != "management"]
    ids = {name: member_id(i) for i, name in enumerate(members, start=1)}
    ids["management"] = next(a["id"] for a in doc["organization"]["accounts"] if a["name"] == "management")
    (work / ".lz").mkdir(parents=True, exist_ok=True)
    (work / ".lz" / "account_ids.json").write_text(json.dumps(ids, indent=2, sort_keys=True))


def prepare(dest: Path, gnupghome: Path, members: int | None = None, *, account_ids: bool = True) -> Path:
    """Write a project into `dest` (root project.yaml when `members` is None); returns project.yaml.

    `account_ids`: also write `.lz/account_ids.json` (for synth; a deploy must not have it).
    """
    dest.mkdir(parents=True, exist_ok=True)
    config = dest / "project.yaml"
    yaml = YAML(typ="safe")
    if members is None:
        shutil.copy(ROOT / "project.yaml", config)
        if (ROOT / "policies").is_dir():
            shutil.copytree(ROOT / "policies", dest / "policies", dirs_exist_ok=True)
        doc = yaml.load(config.read_text())
    else:
        doc = generated_project(members)
        with config.open("w") as fh:
            YAML().dump(doc, fh)
    write_project_keys(dest, _iam_users(doc), gnupghome)
    if account_ids:
        _write_account_ids(dest, doc)
    return config


def stack_count(config: Path) -> int:
    """Stacks of the project in `config`, from the layers table (it grows: never a formula)."""
    from landing_zone import layers
    from landing_zone.config import load_project

    return len(layers.stacks(load_project(config)[0]))
