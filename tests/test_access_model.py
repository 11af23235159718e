"""The access model read from synthesized JSON: references resolved, SCPs per level, AWS
managed policies offline, and the evaluator's Python 3.11 shim kept in one module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from landing_zone.access import managed_policies
from landing_zone.access.decide import FRESH_MFA, Caller, decide
from landing_zone.access.model import build
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

FOUR = FIXTURES / "four-accounts" / "project.yaml"


def test_nested_ous_give_one_scp_level_each_with_full_aws_access() -> None:
    model = build(synth_stacks(FOUR, "aws", False))
    full = managed_policies.FULL_AWS_ACCESS
    # root → infrastructure (standard) → network (default, standard) → the account itself
    assert model.accounts["network"].scp_levels == ((full,), (full, "standard"), (full, "default", "standard"), (full,))
    assert model.accounts["management"].scp_levels is None  # SCPs never apply there
    assert model.scp_names("network") == ("standard", "default")


def test_references_between_resources_are_resolved() -> None:
    model = build(synth_stacks(ROOT / "project.yaml", "aws", False))
    assert model.users[("security", "natasha.romanoff")].groups == ("admins", "devops")
    assert model.groups[("management", "finops")].members == ("kit.walker",)
    assert [name for name, _ in model.groups[("management", "finops")].policies][1:] == [
        "arn:aws:iam::aws:policy/job-function/Billing",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    ]
    assert model.roles[("shared", "OrganizationAccountAccessRole")].adopted
    assert not model.roles[("management", "OrganizationAccountAccessRole")].adopted
    assert ("Administrators", "management") in model.permission_sets["Administrator"].assignments
    # the self-management policy reaches IAM as `${aws:username}`, not terraform's `$${…}`
    inline = dict(model.groups[("security", "auditors")].policies)["auditors-policy"]
    assert "arn:aws:iam::*:user/${aws:username}" in str(inline)


def test_managed_policies_come_from_moto_and_unknown_ones_fail() -> None:
    assert managed_policies.document("arn:aws:iam::aws:policy/AdministratorAccess")["Statement"][0]["Action"] == "*"
    with pytest.raises(managed_policies.UnknownManagedPolicy):
        managed_policies.document("arn:aws:iam::aws:policy/job-function/NoSuchPolicy")
    with pytest.raises(managed_policies.UnknownManagedPolicy):  # right name, wrong path
        managed_policies.document("arn:aws:iam::aws:policy/Billing")


def test_organizations_changes_only_from_the_management_account() -> None:
    stacks = synth_stacks(ROOT / "project.yaml", "aws", False)
    model = build(stacks)
    oaar = Caller("bootstrap", "management").then("security", "OrganizationAccountAccessRole")
    shared = Caller("bootstrap", "management").then("shared", "OrganizationAccountAccessRole")
    assert not decide(model, oaar, "organizations:UpdatePolicy", "*").allowed
    assert decide(model, Caller("bootstrap", "management"), "organizations:UpdatePolicy", "*").allowed
    model.organizations_delegated = True  # a delegation policy hands the decision back to IAM and the SCPs
    assert decide(model, oaar, "organizations:UpdatePolicy", "*").allowed  # security: the default SCP
    assert not decide(model, oaar, "organizations:LeaveOrganization", "*").allowed  # the SCP still denies
    assert not decide(model, shared, "organizations:UpdatePolicy", "*").allowed  # the standard SCP lists only reads


def test_mfa_age_is_compared_with_the_trust_condition() -> None:
    model = build(synth_stacks(ROOT / "project.yaml", "aws", True))
    admin = Caller("user", "management", "natasha.romanoff").then("shared", "OrganizationAccountAccessRole")
    assert decide(model, admin.with_mfa(FRESH_MFA), "s3:ListAllMyBuckets", "*").allowed
    assert not decide(model, admin, "s3:ListAllMyBuckets", "*").allowed


def test_the_python_311_shim_lives_in_one_module() -> None:
    package = Path(__file__).resolve().parents[1] / "landing_zone"
    holders = sorted(p.name for p in package.rglob("*.py") if "collections.abc, name" in p.read_text() or "collections.Mapping" in p.read_text())
    assert holders == ["evaluator.py"]
    importers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py") if re.search(r"^\s*(from|import) principalmapper", p.read_text(), re.M))
    assert importers == ["access/evaluator.py"]
