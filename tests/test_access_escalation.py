"""Escalation invariants of the access matrix, decided by the evaluator over the synthesized JSON
of both fixtures with require_mfa off and on: (a) without MFA no person who is not already an
administrator of their account reaches a principal that can rewrite IAM; (b) the roles people
assume that can change their own permissions are exactly the reviewed ones. Each can fail: the
deliberate regressions below break the synthesized JSON in memory."""

from __future__ import annotations

import copy
import json
from functools import cache

import pytest

from landing_zone import naming
from landing_zone.access import escalation
from landing_zone.access.model import AccessModel, build
from landing_zone.access.terraform import Stacks
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

PROJECTS = {"root": ROOT / "project.yaml", "four-accounts": FIXTURES / "four-accounts" / "project.yaml"}
ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"
# Roles people reach that may rewrite their own permissions, each reviewed (README, security model).
REVIEWED_SELF_EDITING = {
    naming.ADMIN_ROLE: "the administrator role: AdministratorAccess by design, MFA always",
    naming.OAAR_ROLE: "Organizations' admin role, reached from management (MFA with require_mfa on)",
    naming.DEVOPS_ROLE: "deploys the member stacks (its own identities stack too) once MFA is on: ARCHITECTURE, remaining risk",
    naming.DEPLOY_MASTER_ROLE: "the pipeline's deploy role holds iam:* for the application stacks; people reach it only with MFA",
    "ci-apply": "`<short>-ci-apply`: AdministratorAccess as `lz up` has; only management administrators reach it (rewriting its trust)",
}


def reviewed(name: str) -> bool:
    return name in REVIEWED_SELF_EDITING or name.endswith(naming.ci_role("", "apply"))


@cache
def synthesized(project: str, mfa: bool) -> tuple[Stacks, AccessModel]:
    stacks = synth_stacks(PROJECTS[project], "aws", mfa)
    return stacks, build(stacks)


@cache
def paths(project: str, mfa: bool) -> list[escalation.Path]:
    return escalation.paths(synthesized(project, mfa)[1])


def administrators(model: AccessModel) -> set[str]:
    """IAM groups that hold AdministratorAccess themselves: reaching more is no escalation."""
    return {f"IAM group {a}/{g}" for (a, g), group in model.groups.items() if any(name == ADMINISTRATOR for name, _ in group.policies)}


def without_mfa_rewriting_iam(model: AccessModel, rows: list[escalation.Path]) -> list[str]:
    admins = administrators(model)
    return [escalation.render_chain(r) for r in rows if r.mfa == "no" and r.rewrites_iam and r.who not in admins]


BOTH = pytest.mark.parametrize("project", sorted(PROJECTS))
MODES = pytest.mark.parametrize("mfa", [False, True], ids=["mfa-off", "mfa-on"])


@BOTH
@MODES
def test_without_mfa_nobody_reaches_iam_rewrites(project: str, mfa: bool) -> None:
    _, model = synthesized(project, mfa)
    bad = without_mfa_rewriting_iam(model, paths(project, mfa))
    assert not bad, "\n".join(bad)


@BOTH
@MODES
def test_self_editing_roles_are_the_reviewed_ones(project: str, mfa: bool) -> None:
    _, model = synthesized(project, mfa)
    found = escalation.self_editing_roles(model, paths(project, mfa))
    assert all(reviewed(name) for name in found), sorted(n for n in found if not reviewed(n))
    assert {naming.ADMIN_ROLE, naming.DEVOPS_ROLE} <= found  # the list stays true: these do


@BOTH
def test_people_reach_deploy_master_only_with_mfa(project: str) -> None:
    # The management account's administrators reach it through OAAR (they are administrators of
    # every account already, README: deliberate risks); everyone else only with MFA.
    admins = administrators(synthesized(project, False)[1])
    rows = [r for r in paths(project, False) if r.reaches == f"{naming.DEPLOY_MASTER_ROLE}@{naming.SHARED}" and r.who not in admins]
    assert rows and {r.mfa for r in rows} == {"yes"}, rows
    devops = next(r for r in rows if r.who == f"IAM group {naming.SECURITY}/devops")
    assert devops.chain == (f"assume {naming.DEPLOY_MASTER_ROLE}@{naming.SHARED}",) and not devops.escalation


def test_chain_names_each_step() -> None:
    rows = paths("root", True)
    row = next(r for r in rows if r.who == f"IAM group {naming.SECURITY}/devops" and r.reaches == f"administrator of {naming.SHARED}")
    assert row.mfa == "yes" and row.escalation and row.rewrites_iam
    assert row.chain[0].startswith("assume ") and row.chain[-1].endswith("on itself")


# --- deliberate regressions: each must make an invariant fail ---


def _roles(stacks: Stacks, name: str) -> list[dict[str, object]]:
    return [b for s in stacks.values() for b in ((s.get("resource") or {}).get("aws_iam_role") or {}).values() if b["name"] == name]


def test_deploy_master_without_mfa_for_people_fails_invariant_a() -> None:
    stacks = copy.deepcopy(synthesized("root", False)[0])
    for body in _roles(stacks, naming.DEPLOY_MASTER_ROLE):
        trust = json.loads(str(body["assume_role_policy"]))
        for statement in trust["Statement"]:
            statement.pop("Condition", None)
        body["assume_role_policy"] = json.dumps(trust)
    model = build(stacks)
    bad = without_mfa_rewriting_iam(model, escalation.paths(model, only=f"{naming.SECURITY}/devops"))
    assert any("administrator of shared" in b for b in bad), bad


def test_auditor_editing_itself_fails_invariant_b() -> None:
    stacks = copy.deepcopy(synthesized("root", False)[0])
    for stack in stacks.values():
        for key, body in ((stack.get("resource") or {}).get("aws_iam_role") or {}).items():
            if body["name"] == naming.AUDITOR_ROLE:
                policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*"}]}
                stack["resource"].setdefault("aws_iam_role_policy", {})[f"{key}-regression"] = {
                    "name": "regression",
                    "role": f"${{aws_iam_role.{key}.name}}",
                    "policy": json.dumps(policy),
                }
    model = build(stacks)
    found = escalation.self_editing_roles(model, escalation.paths(model, only=f"{naming.SECURITY}/auditors"))
    assert naming.AUDITOR_ROLE in found and not reviewed(naming.AUDITOR_ROLE)
