"""Synthesized JSON of every stack, snapshot-tested (update deliberately: --snapshot-update)."""

from __future__ import annotations

import json

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

PROJECTS = {"root": ROOT / "project.yaml", "four-accounts": FIXTURES / "four-accounts" / "project.yaml"}
TARGETS = ("aws", "local")
MFA = {"mfa-off": False, "mfa-on": True}


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def _cases() -> list[tuple[str, str, str, str]]:
    return [(p, t, m, s) for p in PROJECTS for t in TARGETS for m in MFA for s in sorted(synth_stacks(PROJECTS[p], t, MFA[m]))]


@pytest.mark.parametrize(("project", "target", "mfa", "stack"), _cases())
def test_stack_snapshot(project: str, target: str, mfa: str, stack: str, snapshot_json: SnapshotAssertion) -> None:
    assert synth_stacks(PROJECTS[project], target, MFA[mfa])[stack] == snapshot_json


@pytest.mark.parametrize("project", PROJECTS)
def test_every_account_has_its_layers(project: str) -> None:
    stacks = synth_stacks(PROJECTS[project], "aws", False)
    assert {"management-organizations", "management-sso"} <= set(stacks)
    accounts = {s.split("-", 1)[0] for s in stacks}
    for account in accounts:
        for layer in ("tf-backend", "security-base", "identities"):
            assert f"{account}-{layer}" in stacks


@pytest.mark.parametrize("project", PROJECTS)
def test_snapshots_hold_nothing_volatile(project: str) -> None:
    """No absolute paths, real ports or timestamps in what gets snapshotted."""
    for target in TARGETS:
        text = json.dumps(synth_stacks(PROJECTS[project], target, False))
        assert str(ROOT) not in text and "/tmp/" not in text
        assert "127.0.0.1:" not in text


@pytest.mark.parametrize("project", PROJECTS)
def test_aws_target_has_nothing_of_the_emulator(project: str) -> None:
    for stack, doc in synth_stacks(PROJECTS[project], "aws", False).items():
        text = json.dumps(doc)
        for marker in ("endpoint", "127.0.0.1", "skip_credentials_validation", "access_key", "AKLZ"):
            assert marker not in text, f"{stack} carries emulator setting {marker!r}"
