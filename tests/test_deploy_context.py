"""Which copy of a stack's JSON terraform runs in (deploy/context.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.deploy.context import DeployContext, NotSynthesized
from landing_zone.settings import Settings
from tests.conftest import ROOT
from tests.synth_helpers import loaded_project


def _context(tmp_path: Path) -> DeployContext:
    settings = Settings(config_path=ROOT / "project.yaml", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    return DeployContext(loaded_project(ROOT / "project.yaml"), settings)


def _last_runs_copy(ctx: DeployContext, stack: str) -> Path:
    copy = ctx.settings.work_dir / "stacks" / stack / "cdk.tf.json"
    copy.parent.mkdir(parents=True)
    copy.write_text("{}")
    return copy.parent


def test_a_stack_the_synth_left_out_runs_in_its_last_copy_while_its_account_is_known(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    assert ctx.project.account("security").id is None  # the root project names no member ids
    ws = _last_runs_copy(ctx, "security-tf-backend")
    assert ctx.with_account_ids({"security": "111111111111"}).workspace("security-tf-backend") == ws
    management = _last_runs_copy(ctx, "management-tf-backend")
    assert _context(tmp_path).workspace("management-tf-backend") == management  # management's id is always known


def test_after_down_a_member_stack_with_an_unknown_account_is_not_synthesized(tmp_path: Path) -> None:
    """`lz down` forgets the member ids: `lz plan` then says the account is not created yet
    instead of reaching for an account nobody knows (it crashed with a LookupError)."""
    ctx = _context(tmp_path)
    _last_runs_copy(ctx, "security-tf-backend")
    with pytest.raises(NotSynthesized):
        ctx.workspace("security-tf-backend")
