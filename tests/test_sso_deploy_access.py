"""`auth: sso` decided by the access evaluator (no emulator run): the Administrator permission set
in management, and OAAR assumed from it in each member account, may deploy every stack."""

from __future__ import annotations

import pytest

from landing_zone import naming
from landing_zone.access.decide import Caller, decide
from landing_zone.access.model import AccessModel, build
from tests.conftest import ROOT
from tests.synth_helpers import synth_stacks

# What a stack's apply does whatever its layer: its state object and lock, and creating the
# IAM, S3 and KMS resources most layers hold (an allow-list policy would refuse some of these).
DEPLOY_ACTIONS = ("iam:CreateRole", "iam:AttachRolePolicy", "s3:CreateBucket", "kms:CreateKey", "sso:CreatePermissionSet", "organizations:CreateAccount")


@pytest.fixture(scope="module")
def model() -> AccessModel:
    return build(synth_stacks(ROOT / "project.yaml", "aws", False))


def sso_deployer(account: str) -> Caller:
    """Who `lz up` runs an account's stacks as under `auth: sso` (deploy/auth.py)."""
    caller = Caller("sso", naming.MANAGEMENT, naming.SSO_DEPLOY_PERMISSION_SET)
    return caller if account == naming.MANAGEMENT else caller.then(account, naming.OAAR_ROLE)


def test_the_sso_deployer_can_deploy_every_stack(model: AccessModel) -> None:
    for account in model.accounts:
        caller = sso_deployer(account)
        account_id = model.accounts[account].id
        state = f"arn:aws:s3:::{naming.state_bucket(model.short_name, account)}/{naming.state_key(account, 'x')}"
        assert decide(model, caller, "s3:PutObject", state).allowed, (account, caller.label)
        lock = f"arn:aws:dynamodb:us-east-1:{account_id}:table/{naming.lock_table(model.short_name, account)}"
        assert decide(model, caller, "dynamodb:PutItem", lock).allowed, (account, caller.label)
        for action in DEPLOY_ACTIONS:
            if action.startswith(("organizations:", "sso:")) and account != naming.MANAGEMENT:
                continue  # management-only layers
            decision = decide(model, caller, action, "*", {"aws:RequestedRegion": "us-east-1"})
            assert decision.allowed, (account, caller.label, action, decision.why)


def test_another_permission_set_cannot_stand_in(model: AccessModel) -> None:
    """The evaluator is not a rubber stamp: ReadOnly in a member account cannot deploy there."""
    member = next(a for a in model.accounts if a not in (naming.MANAGEMENT, naming.SECURITY))
    caller = Caller("sso", member, "ReadOnly")
    assert not decide(model, caller, "iam:CreateRole", "*", {"aws:RequestedRegion": "us-east-1"}).allowed
