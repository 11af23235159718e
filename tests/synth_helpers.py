"""Synthesize a project once per test session and hand out each stack's JSON."""

from __future__ import annotations

import atexit
import json
import re
import shutil
from functools import cache
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from ruamel.yaml import YAML

from landing_zone.config.model import Project
from landing_zone.settings import PLACEHOLDER_ENDPOINT, Settings, Target
from tests.gpg_helpers import kill_agent, new_gnupghome, write_project_keys

SCRUBBED_ENDPOINT = "<emulator-endpoint>"
SCRUBBED_PGP_KEY = "<pgp-public-key>"


@cache
def gnupghome() -> Path:
    """One throwaway keyring for the session: private keys of every generated demo user."""
    home = new_gnupghome()
    atexit.register(kill_agent, home)
    return home


def iam_users(config: Path) -> list[str]:
    """The project's IAM users, as the model lists them (Project.iam_users).

    Through the model alone, not load_project: the checks there want the key files this
    helper is about to write."""
    return Project.model_validate(YAML(typ="safe").load(config.read_text())).iam_users


def prepare_project(src: Path, dest_dir: Path) -> Path:
    """Copy a project (yaml, policies) into `dest_dir` and generate its users' GPG keys there."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    for item in src.parent.iterdir():
        if item.name in ("project.yaml", "policies"):
            (shutil.copytree if item.is_dir() else shutil.copy)(item, dest_dir / item.name)
    config = dest_dir / "project.yaml"
    write_project_keys(dest_dir, iam_users(config), gnupghome())
    return config


def scrub(text: str) -> str:
    """Remove what changes from run to run: the emulator endpoint and generated key material."""
    text = text.replace(PLACEHOLDER_ENDPOINT, SCRUBBED_ENDPOINT)
    return re.sub(r'("pgp_key": )"[^"]+"', rf'\1"{SCRUBBED_PGP_KEY}"', text)


def fake_account_ids(project: Project) -> dict[str, str]:
    """Deterministic ids for the member accounts: 111111111111, 222222222222, …"""
    ids = {a.name: str(i) * 12 for i, a in enumerate(project.member_accounts, start=1)}
    return ids | {"management": management_id(project)}


def management_id(project: Project) -> str:
    """The management account's id (validation requires it; the model types it optional)."""
    assert project.management.id is not None, "project.yaml names the management account id"
    return project.management.id


@cache
def loaded_project(config: Path) -> Project:
    """`config` as `lz` loads it (load_project), from a prepared copy (with its users' keys)."""
    from landing_zone.config import load_project

    work = Path(mkdtemp(prefix="lz-project-"))
    try:
        return load_project(prepare_project(config, work))[0]
    finally:
        shutil.rmtree(work)


@cache
def synth_stacks(config: Path, target: Target = "aws", require_mfa: bool | None = None) -> dict[str, dict[str, Any]]:
    """{stack id: synthesized JSON} for `config`, with the emulator endpoint scrubbed."""
    from landing_zone.config import load_project
    from landing_zone.synth import synth

    work = Path(mkdtemp(prefix="lz-synth-"))
    config = prepare_project(config, work / "project")
    project, _ = load_project(config)
    if require_mfa is not None:
        source = project._source
        project = project.model_copy(update={"require_mfa": require_mfa})
        project._source = source
    settings = Settings(config_path=config, target=target, work_dir=work / ".lz", out_dir=work / "cdktf.out")
    # As if organizations had applied: member stacks are synthesized once their ids are known.
    out = synth(project, settings, fake_account_ids(project))
    stacks = {}
    for stack_dir in sorted((out / "stacks").iterdir()):
        stacks[stack_dir.name] = json.loads(scrub((stack_dir / "cdk.tf.json").read_text()))
    shutil.rmtree(work)
    return stacks


def root_project_without_security(dest: Path, extra: str = "") -> Path:
    """The root project.yaml without its security account (and without IAM groups, so no key
    files are needed), plus `extra` YAML, written to `dest`/project.yaml."""
    from tests.conftest import ROOT

    text = (ROOT / "project.yaml").read_text()
    text = text.replace("  - {name: security,   email: myexample-aws+security@example.com}\n", "")
    text = text.replace("  - {name: security, policy: [default],  accounts: [security]}\n", "")
    text = text.split("\naccounts:\n")[0] + "\n"
    config = dest / "project.yaml"
    config.write_text(text + extra)
    return config
