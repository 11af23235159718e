"""The access truth: the operator journey and its abuse cases, decided by a real IAM evaluator
(PMapper) over the synthesized JSON of both fixtures, with require_mfa off and on.

moto enforces no policy, so these are the only tests that say the right people can (and the
wrong people cannot) do what the landing zone is for.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from landing_zone.access import journey
from landing_zone.access.model import AccessModel, build
from landing_zone.access.terraform import Stacks
from landing_zone.config.model import Pipeline
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import loaded_project, synth_stacks

PROJECTS = {"root": ROOT / "project.yaml", "four-accounts": FIXTURES / "four-accounts" / "project.yaml"}


def mfa_max_age(config: Path) -> int:
    return loaded_project(config).mfa_max_age


def pipeline(project: str) -> Pipeline | None:
    """project.yaml's pipeline: section: the design the ci roles are checked against."""
    return loaded_project(PROJECTS[project]).pipeline


@cache
def synthesized(project: str, mfa: bool) -> tuple[Stacks, AccessModel]:
    stacks = synth_stacks(PROJECTS[project], "aws", mfa)
    return stacks, build(stacks)


@pytest.mark.parametrize("step", journey.STEPS)
@pytest.mark.parametrize("mfa", [False, True], ids=["mfa-off", "mfa-on"])
@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_journey_step(project: str, mfa: bool, step: str) -> None:
    if step in ("down", "down-order") and mfa:
        # With MFA on, `lz down` first drops the requirement (the mfa-disable transition, whose
        # checks are the `mfa-disable` step) and then destroys with the bootstrap credentials
        # (deploy/command.py; tests/test_down.py checks that order): what it destroys with is the
        # MFA-off deployment. Run as the MFA roles it would delete DevOps/OAAR's trust first.
        mfa = False
    stacks, model = synthesized(project, mfa)
    bad = journey.failures(model, stacks, mfa, mfa_max_age(PROJECTS[project]), step, pipeline=pipeline(project))
    assert not bad, f"{len(bad)} access checks fail:\n" + "\n".join(bad)


@pytest.mark.parametrize("mfa", [False, True], ids=["mfa-off", "mfa-on"])
@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_every_step_has_checks(project: str, mfa: bool) -> None:
    stacks, model = synthesized(project, mfa)
    steps = {c.step for c in journey.checks(model, stacks, mfa, mfa_max_age(PROJECTS[project]), pipeline=pipeline(project))}
    # mfa-enable runs from the MFA-off state, mfa-disable only exists with MFA on; abuse-mfa in
    # both (DevOps, Admin and FinOps always require MFA, OAAR with the switch)
    expected = set(journey.STEPS) - ({"mfa-disable", "down-order"} if not mfa else {"mfa-enable", "credentials-bootstrap"})
    if pipeline(project) is None:  # without CI only the abuse-ci checks: no role trusts a GitHub token
        expected -= {"ci"}
    assert steps == expected


# --- the matrix can fail: deliberate regressions in the synthesized JSON, in memory ---


def _edit_policies(stacks: Stacks, kind: str, attr: str, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Stacks:
    mutated = copy.deepcopy(stacks)
    for stack in mutated.values():
        for body in (stack.get("resource") or {}).get(kind, {}).values():
            body[attr] = json.dumps(edit(json.loads(body[attr])))
    return mutated


def _without_create_access_key(doc: dict) -> dict:
    for st in doc["Statement"]:
        if isinstance(st.get("Action"), list):
            st["Action"] = [a for a in st["Action"] if a != "iam:CreateAccessKey"]
    return doc


def _failures(stacks: Stacks, mfa: bool, project: str) -> list[str]:
    # every step but down-order with MFA on: lz down never runs as the MFA roles (see above)
    found = journey.failures(build(stacks), stacks, mfa, mfa_max_age(PROJECTS[project]), pipeline=pipeline(project))
    return [line for line in found if not (mfa and line.startswith("[down-order]"))]


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_dropping_create_access_key_fails_the_matrix(project: str) -> None:
    stacks, _ = synthesized(project, False)
    assert not _failures(stacks, False, project)
    bad = _failures(_edit_policies(stacks, "aws_iam_group_policy", "policy", _without_create_access_key), False, project)
    assert bad and all("iam:CreateAccessKey" in line for line in bad), bad


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_dropping_one_mfa_condition_fails_the_matrix(project: str) -> None:
    stacks, _ = synthesized(project, True)
    assert not _failures(stacks, True, project)
    mutated = copy.deepcopy(stacks)
    stack = mutated["shared-identities"]
    devops = next(b for b in stack["resource"]["aws_iam_role"].values() if b["name"] == "DevOps")
    trust = json.loads(devops["assume_role_policy"])
    del trust["Statement"][0]["Condition"]
    devops["assume_role_policy"] = json.dumps(trust)
    bad = _failures(mutated, True, project)
    assert bad and all("DevOps@shared" in line and "expected denied, got allowed" in line for line in bad), bad


def test_protection_scps_exempt_exactly_the_deploy_roles() -> None:
    from landing_zone import naming, roles
    from landing_zone.constructs.service_control_policies import BUILTIN_DIR

    expected = sorted(naming.role_arn("*", r) for r in roles.DEPLOY_ROLES)
    found = 0
    for path in sorted(BUILTIN_DIR.glob("*.json")):
        for st in json.loads(path.read_text())["Statement"]:
            if st["Sid"] in ("ProtectAuditTrail", "ProtectOrganizationAccessRole"):
                found += 1
                assert sorted(st["Condition"]["StringNotLike"]["aws:PrincipalArn"]) == expected, (path.name, st["Sid"])
    assert found == 3


# --- the ci roles (issue 17): the matrix fails when a trust or the plan role is weakened ---


def _ci_failures(stacks: Stacks) -> list[str]:
    found = journey.failures(build(stacks), stacks, False, mfa_max_age(PROJECTS["four-accounts"]), pipeline=pipeline("four-accounts"))
    return [line for line in found if line.startswith(("[ci]", "[abuse-ci]"))]


def _edit_role(stacks: Stacks, stack_id: str, name: str, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Stacks:
    mutated = copy.deepcopy(stacks)
    body = next(b for b in mutated[stack_id]["resource"]["aws_iam_role"].values() if b["name"] == name)
    body["assume_role_policy"] = json.dumps(edit(json.loads(body["assume_role_policy"])))
    return mutated


def test_a_wildcard_apply_trust_fails_the_matrix() -> None:
    stacks, _ = synthesized("four-accounts", False)
    assert not _ci_failures(stacks)

    def any_ref(doc: dict) -> dict:
        cond = doc["Statement"][0]["Condition"]
        cond["StringLike"] = {"token.actions.githubusercontent.com:sub": "repo:acme/landing-zone:*"}
        del cond["StringEquals"]["token.actions.githubusercontent.com:sub"]
        return doc

    bad = _ci_failures(_edit_role(stacks, "management-ci", "acm-ci-apply", any_ref))
    assert bad and all("acm-ci-apply@management" in line and "expected denied, got allowed" in line for line in bad), bad
    assert any("pull request must not assume" in line for line in bad), bad


def test_an_unchecked_audience_fails_the_matrix_only_when_the_provider_accepts_it_too() -> None:
    """IAM checks a token's aud against the provider's client ids, then the trust checks it again:
    the matrix fails once both let another audience in."""
    stacks, _ = synthesized("four-accounts", False)

    def no_aud(doc: dict) -> dict:
        del doc["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"]
        return doc

    def other_client(stacks: Stacks) -> Stacks:
        mutated = copy.deepcopy(stacks)
        for body in mutated["management-ci"]["resource"]["aws_iam_openid_connect_provider"].values():
            body["client_id_list"] = [*body["client_id_list"], "sts.example.com"]
        return mutated

    assert not _ci_failures(_edit_role(stacks, "management-ci", "acm-ci-plan", no_aud))
    assert not _ci_failures(other_client(stacks))
    bad = _ci_failures(other_client(_edit_role(stacks, "management-ci", "acm-ci-plan", no_aud)))
    assert bad and all("another audience must not assume acm-ci-plan" in line for line in bad), bad


def test_a_plan_role_that_writes_fails_the_matrix() -> None:
    stacks, _ = synthesized("four-accounts", False)
    mutated = copy.deepcopy(stacks)
    for body in mutated["shared-identities"]["resource"]["aws_iam_role_policy"].values():
        if body["name"] == "state-locks":
            doc = json.loads(body["policy"])
            doc["Statement"].append({"Effect": "Allow", "Action": ["s3:PutObject", "iam:CreateUser"], "Resource": "*"})
            body["policy"] = json.dumps(doc)
    bad = _ci_failures(mutated)
    assert bad and all("plan job must not write" in line and "@shared" in line for line in bad), bad
