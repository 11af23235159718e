"""`require_mfa` is one flag: flipping it changes only the trust policies of the MFA roles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from landing_zone import naming
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

PROJECTS = [ROOT / "project.yaml", FIXTURES / "four-accounts" / "project.yaml"]
# Roles whose trust requires MFA with require_mfa on (OAAR by the switch, the others always).
MFA_ROLES = {naming.OAAR_ROLE, naming.DEVOPS_ROLE, naming.ADMIN_ROLE, naming.FINOPS_ROLE, naming.SUPPORT_ROLE}


def _diff(a: object, b: object, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(a.keys() | b.keys()) for d in _diff(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


@pytest.mark.parametrize("config", PROJECTS, ids=lambda p: p.parent.name)
def test_flip_changes_only_mfa_role_trust(config: Path) -> None:
    off, on = synth_stacks(config, "aws", False), synth_stacks(config, "aws", True)
    assert off.keys() == on.keys()
    changed = {stack: _diff(off[stack], on[stack]) for stack in off}
    changed = {s: paths for s, paths in changed.items() if paths}
    assert changed, "require_mfa changed nothing"
    for stack, paths in changed.items():
        assert stack.endswith("-identities"), stack
        for path in paths:
            assert path.startswith("/resource/aws_iam_role/") and path.endswith("/assume_role_policy"), path
            role = on[stack]["resource"]["aws_iam_role"][path.split("/")[3]]
            assert role["name"] in MFA_ROLES


@pytest.mark.parametrize("config", PROJECTS, ids=lambda p: p.parent.name)
def test_mfa_roles_carry_the_conditions(config: Path) -> None:
    for stack, doc in synth_stacks(config, "aws", True).items():
        if not stack.endswith("-identities"):  # other roles (state replication) are for services
            continue
        for role in doc.get("resource", {}).get("aws_iam_role", {}).values():
            statements = json.loads(role["assume_role_policy"])["Statement"]
            cond = statements[0].get("Condition")
            if role["name"] == naming.DEPLOY_MASTER_ROLE:  # people with MFA; its own account's pipelines without
                assert cond["Bool"] == {"aws:MultiFactorAuthPresent": "true"}, stack
                assert [s["Sid"] for s in statements] == ["TrustedPrincipals", "OwnAccountPipelines"] and "Condition" not in statements[1], stack
            elif role["name"] in MFA_ROLES:
                assert cond["Bool"] == {"aws:MultiFactorAuthPresent": "true"}, stack
                assert int(cond["NumericLessThan"]["aws:MultiFactorAuthAge"]) > 0
            elif role["name"].endswith("-ci-plan"):  # a machine's: no MFA, only the management plan role's ARN
                assert list(cond) == ["ArnEquals"] and cond["ArnEquals"]["aws:PrincipalArn"].endswith(f":role/{role['name']}"), stack
            else:
                assert cond is None, f"{stack}: {role['name']} must not require MFA"
