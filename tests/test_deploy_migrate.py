"""Where `lz migrate leverage` finds the member account ids before lz's first `lz up` (deploy/migrate.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from landing_zone.adoption.model import Adopted
from landing_zone.config.model import Project
from landing_zone.deploy import migrate
from landing_zone.deploy.context import DeployContext
from landing_zone.settings import Settings
from tests.conftest import ROOT
from tests.synth_helpers import loaded_project

FOUND = {"security": "111122223333", "shared": "444455556666"}  # the organization's accounts, matched by email


def test_member_stacks_reach_the_accounts_the_organization_has_before_any_id_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The organizations state is still the reference's: no id is recorded (work dir, project.yaml),
    so the ids come from the organization itself, through adoption's read. The member account's
    stack is synthesized with them and its state bucket is looked for in that account (a session
    there needs its id: `LookupError: the id of account 'security' is not known yet` without it)."""
    project = loaded_project(ROOT / "project.yaml")
    settings = Settings(config_path=ROOT / "project.yaml", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    assert project.account("security").id is None and not (settings.work_dir / "account_ids.json").exists()
    synthesized: list[dict[str, str]] = []
    reached: list[str] = []

    def synth(_project: Project, s: Settings, ids: dict[str, str], *, stacks: list[str], adopted: Adopted) -> None:
        synthesized.append(adopted.accounts | ids)  # as synth merges them
        for stack in stacks:
            (s.out_dir / "stacks" / stack).mkdir(parents=True)
            (s.out_dir / "stacks" / stack / "cdk.tf.json").write_text("{}")

    def bucket_exists(ctx: DeployContext, account: str) -> bool:
        # A client in `account` (ctx.client → aws/sessions.py) assumes a role there: it needs the account's id.
        reached.append(ctx.account_ids.get(account, ""))
        return False

    monkeypatch.setattr(migrate, "read_context", lambda p, s, _accounts, _code: DeployContext(p, s))
    monkeypatch.setattr(migrate.adopt, "read", lambda _ctx: Adopted(accounts=dict(FOUND)))
    monkeypatch.setattr("landing_zone.synth.synth", synth)
    monkeypatch.setattr(migrate, "state_bucket_exists", bucket_exists)

    results = migrate.migrate_leverage(project, settings, ("security-identities",), apply=False, code_for=_no_codes)

    assert synthesized == [FOUND]
    assert reached == [FOUND["security"]]
    assert [(r.stack, r.note) for r in results] == [("security-identities", "its account's state bucket does not exist")]


def _no_codes(*_args: Any) -> str:
    raise AssertionError("no MFA code is asked for")
