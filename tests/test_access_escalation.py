"""Escalation invariants of the access matrix, decided by the evaluator over the synthesized JSON
of both fixtures with require_mfa off and on: (a) without MFA no person who is not already an
administrator of their account reaches a principal that can rewrite IAM; (b) the roles people
assume that can change their own permissions are exactly the reviewed ones; (c) DevOps cannot
rewrite itself, OAAR or its boundary, chains into no role of lz's, and creates roles only with that
boundary. Each can fail:
the deliberate regressions below break the synthesized JSON in memory."""

from __future__ import annotations

import copy
import json
from functools import cache

import pytest

from landing_zone import naming
from landing_zone.access import escalation, evaluator
from landing_zone.access.decide import FRESH_MFA
from landing_zone.access.model import AccessModel, build
from landing_zone.access.terraform import Stacks
from landing_zone.constructs import scoped_access
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

PROJECTS = {"root": ROOT / "project.yaml", "four-accounts": FIXTURES / "four-accounts" / "project.yaml"}
ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"
# Roles people reach that may rewrite their own permissions, each reviewed (README, security model).
REVIEWED_SELF_EDITING = {
    naming.ADMIN_ROLE: "the administrator role: AdministratorAccess by design, MFA always",
    naming.OAAR_ROLE: "Organizations' admin role, reached from management (MFA with require_mfa on)",
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
    assert naming.ADMIN_ROLE in found and naming.DEVOPS_ROLE not in found  # the list stays true


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


# --- (c) DevOps's fence: decided on the DevOps role of every member account ---


def _devops_may(model: AccessModel, account: str, action: str, resource: str, extra: dict[str, str] | None = None) -> bool:
    acct, role = model.accounts[account], model.roles[(account, naming.DEVOPS_ROLE)]
    principal = evaluator.Principal(naming.role_arn(acct.id, naming.DEVOPS_ROLE), role.policies, trust=role.trust)
    context = {"aws:RequestedRegion": acct.region, **FRESH_MFA.context(), **(extra or {})}
    return evaluator.allowed(principal, action, resource, context, scps=model.scp_documents(account))


def fence_holes(model: AccessModel) -> list[str]:
    """Every way the DevOps role could lift its own fence: IAM writes on itself, OAAR or its
    boundary, or a role or user made or widened without the boundary."""
    holes: list[str] = []
    for account, name in sorted(model.roles):
        if name != naming.DEVOPS_ROLE:
            continue
        account_id = model.accounts[account].id
        boundary = naming.policy_arn(account_id, naming.DEVOPS_BOUNDARY_POLICY)
        requests: list[tuple[str, str, dict[str, str]]] = [
            (a, naming.role_arn(account_id, r), {}) for r in (naming.DEVOPS_ROLE, naming.OAAR_ROLE) for a in scoped_access.ROLE_WRITES
        ]
        requests += [(a, boundary, {}) for a in scoped_access.POLICY_WRITES]
        lz_roles = (naming.ADMIN_ROLE, naming.OAAR_ROLE, naming.DEPLOY_MASTER_ROLE, naming.AUDITOR_ROLE, naming.replication_role(model.short_name, account))
        requests += [("sts:AssumeRole", naming.role_arn(account_id, r), {}) for r in lz_roles]
        requests += [("iam:UpdateAssumeRolePolicy", naming.role_arn(account_id, naming.replication_role(model.short_name, account)), {})]
        requests += [(a, naming.role_arn(account_id, "app"), {}) for a in ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy")]
        requests += [(a, f"arn:aws:iam::{account_id}:user/app", {}) for a in ("iam:CreateUser", "iam:PutUserPolicy")]
        requests += [("iam:CreateRole", naming.role_arn(account_id, "app"), {"iam:PermissionsBoundary": naming.policy_arn(account_id, "Other")})]
        holes += [f"DevOps@{account} may {a} {r} {ctx or ''}" for a, r, ctx in requests if _devops_may(model, account, a, r, ctx)]
    return holes


def bounded_creation_works(model: AccessModel) -> bool:
    """The fence is no blanket deny: with its boundary, DevOps creates and widens roles."""
    return all(
        _devops_may(model, account, a, naming.role_arn(model.accounts[account].id, "app"), {"iam:PermissionsBoundary": boundary})
        for account, name in model.roles
        if name == naming.DEVOPS_ROLE
        for boundary in [naming.policy_arn(model.accounts[account].id, naming.DEVOPS_BOUNDARY_POLICY)]
        for a in ("iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy")
    )


@BOTH
@MODES
def test_devops_cannot_lift_its_fence(project: str, mfa: bool) -> None:
    _, model = synthesized(project, mfa)
    assert any(name == naming.DEVOPS_ROLE for _, name in model.roles)
    assert not fence_holes(model), "\n".join(fence_holes(model))
    assert bounded_creation_works(model)


def devops_chains(rows: list[escalation.Path]) -> list[str]:
    """Paths that go on from the DevOps role: it reaches nothing beyond itself."""
    return [escalation.render_chain(r) for r in rows if r.chain and r.chain[0].startswith(f"assume {naming.DEVOPS_ROLE}@") and len(r.chain) > 1]


@BOTH
@MODES
def test_devops_reaches_nothing_beyond_itself(project: str, mfa: bool) -> None:
    assert devops_chains(paths(project, mfa)) == []


@MODES
def test_devops_chaining_into_admin_fails_the_invariant(mfa: bool) -> None:
    model = build(_without(synthesized("root", mfa)[0], "DenyAssumingLzRoles"))
    chains = devops_chains(escalation.paths(model, only=f"{naming.SECURITY}/devops"))
    assert any(f"assume {naming.ADMIN_ROLE}@{naming.SECURITY}" in c for c in chains), chains


@BOTH
def test_every_member_with_devops_has_its_boundary(project: str) -> None:
    stacks, model = synthesized(project, True)
    policies = [
        b for s in stacks.values() for b in ((s.get("resource") or {}).get("aws_iam_policy") or {}).values() if b["name"] == naming.DEVOPS_BOUNDARY_POLICY
    ]
    assert len(policies) == sum(1 for _, name in model.roles if name == naming.DEVOPS_ROLE)
    # The boundary is DevOps's own policy: a role DevOps makes can do no more than DevOps.
    devops = next(b for s in stacks.values() for b in ((s.get("resource") or {}).get("aws_iam_role_policy") or {}).values() if b["name"] == "DevOpsAccess")
    assert all(json.loads(p["policy"]) == json.loads(devops["policy"]) for p in policies)


def _without_statement(stacks: Stacks, sid: str) -> Stacks:
    mutated = copy.deepcopy(stacks)
    for stack in mutated.values():
        for body in ((stack.get("resource") or {}).get("aws_iam_role_policy") or {}).values():
            if body["name"] == "DevOpsAccess":
                doc = json.loads(body["policy"])
                doc["Statement"] = [st for st in doc["Statement"] if st.get("Sid") != sid]
                body["policy"] = json.dumps(doc)
    return mutated


def _without(stacks: Stacks, *sids: str) -> Stacks:
    for sid in sids:
        stacks = _without_statement(stacks, sid)
    return stacks


@MODES
def test_devops_without_the_deny_fails_invariant_c(mfa: bool) -> None:
    model = build(_without(synthesized("root", mfa)[0], "DenyWritesOnLzRoles"))
    oaar = naming.role_arn(model.accounts[naming.SHARED].id, naming.OAAR_ROLE)
    assert any(f"iam:UpdateAssumeRolePolicy {oaar}" in h for h in fence_holes(model)), fence_holes(model)
    # The matrix sees the way up: rewrite OAAR's trust, then assume it.
    rows = escalation.paths(model, only=f"{naming.SECURITY}/devops")
    assert any(r.reaches == f"{naming.OAAR_ROLE}@{naming.SHARED}" and "iam:UpdateAssumeRolePolicy" in r.chain[-1] for r in rows), rows


@MODES
def test_devops_writing_its_own_policy_fails_invariant_b(mfa: bool) -> None:
    model = build(_without(synthesized("root", mfa)[0], "DenyWritesOnLzRoles", "RequireBoundary", "RequireBoundaryPresent"))
    found = escalation.self_editing_roles(model, escalation.paths(model, only=f"{naming.SECURITY}/devops"))
    assert naming.DEVOPS_ROLE in found and not reviewed(naming.DEVOPS_ROLE)


@MODES
def test_devops_without_the_boundary_condition_fails_invariant_c(mfa: bool) -> None:
    model = build(_without(synthesized("root", mfa)[0], "RequireBoundary", "RequireBoundaryPresent"))
    holes = fence_holes(model)
    assert any("may iam:CreateRole" in h for h in holes) and any("may iam:AttachRolePolicy" in h for h in holes), holes
