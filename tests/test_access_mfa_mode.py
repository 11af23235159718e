"""`lz plan`'s access diff and `lz access` on what lz synthesizes once MFA is on (LZ_AUTH=mfa):
member providers assume no role there, so the account ids come from the stacks' `//` metadata.
Both targets, MFA off and on, both fixtures."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from landing_zone import naming
from landing_zone.access import diff, model, reach
from landing_zone.access.terraform import Stacks, provider
from landing_zone.cli import main as cli
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

PROJECTS = {"root": ROOT / "project.yaml", "four-accounts": FIXTURES / "four-accounts" / "project.yaml"}
# MFA off: `lz` deploys with the bootstrap keys; on: with each account's MFA role session.
MODES = {"mfa-off": (False, "bootstrap"), "mfa-on": (True, "mfa")}


def stacks_of(project: str, target: str, mode: str) -> Stacks:
    require_mfa, auth = MODES[mode]
    return synth_stacks(PROJECTS[project], target, require_mfa, auth)


def expected_ids(project: str) -> dict[str, str]:
    """fake_account_ids's numbering, from project.yaml's organization.accounts."""
    accounts = YAML(typ="safe").load(PROJECTS[project].read_text())["organization"]["accounts"]
    members = [a["name"] for a in accounts if a["name"] != naming.MANAGEMENT]
    management = next(a for a in accounts if a["name"] == naming.MANAGEMENT)
    return {name: str(i) * 12 for i, name in enumerate(members, start=1)} | {naming.MANAGEMENT: str(management["id"])}


def as_older_release(stacks: Stacks) -> Stacks:
    """The same stacks as a release before this metadata wrote them."""
    old = copy.deepcopy(stacks)
    for doc in old.values():
        (doc.get("//") or {}).pop(naming.STACK_METADATA, None)
    return old


def write_stacks(stacks: Stacks, directory: Path) -> Path:
    for stack_id, doc in stacks.items():
        (directory / "stacks" / stack_id).mkdir(parents=True)
        (directory / "stacks" / stack_id / "cdk.tf.json").write_text(json.dumps(doc))
    return directory


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("target", ["aws", "local"])
@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_access_model_knows_every_account(project: str, target: str, mode: str) -> None:
    stacks = stacks_of(project, target, mode)
    if mode == "mfa-on":  # the case this covers: no member provider names its account
        assert not [s for s, doc in stacks.items() if provider(doc).get("assume_role")]
    built = model.build(stacks)
    accounts = {s.split("-", 1)[0] for s in stacks}
    assert {a: built.accounts[a].id for a in accounts} == {a: expected_ids(project)[a] for a in accounts}
    rows = reach.matrix(built)
    assert {r.account for r in rows} == accounts


@pytest.mark.parametrize("target", ["aws", "local"])
@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_mfa_sessions_change_no_access(project: str, target: str) -> None:
    """Who reaches what depends on require_mfa, not on the credentials lz deploys with."""
    with_sessions = reach.matrix(model.build(stacks_of(project, target, "mfa-on")))
    with_keys = reach.matrix(model.build(synth_stacks(PROJECTS[project], target, True, "bootstrap")))
    assert with_sessions == with_keys


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("target", ["aws", "local"])
@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_plan_access_diff(project: str, target: str, mode: str) -> None:
    """`lz plan` compares the work dir's last synth with the new one: unchanged stacks, also
    as an older release wrote them (no ids in MFA mode), show no access change."""
    stacks = stacks_of(project, target, mode)
    assert diff.changes(stacks, stacks) == ([], [])
    assert diff.changes(as_older_release(stacks), stacks) == ([], [])
    added, removed = diff.changes({}, stacks)
    assert added and not removed


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("target", ["aws", "local"])
@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_lz_access(project: str, target: str, mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_stacks(stacks_of(project, target, mode), tmp_path / "synth")
    code = cli.main(["access", "--stacks", str(directory), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = json.loads(out)
    members = set(expected_ids(project)) - {naming.MANAGEMENT}
    assert members <= {r["account"] for r in rows if r["reaches"] == naming.ADMIN_ROLE}
