"""`lz drift` on the session deployment: five changes made by hand with boto3 are each named
(the IAM ones with who gains or loses what); once they are undone, no drift. The changes are
undone even when an assertion fails. Two `lz drift` runs over the four stacks they touch."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.deployment import Deployment

pytestmark = pytest.mark.integration

SUPPORT_ACCESS = "arn:aws:iam::aws:policy/AWSSupportAccess"
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
STACKS = ("management-tf-backend", "management-organizations", "security-identities", "shared-identities")


def _drift(dep: Deployment) -> tuple[int, dict[str, Any]]:
    args = [a for s in STACKS for a in ("--stack", s)]
    run = dep.lz("drift", *args, "--format", "json", check=False)
    assert run.returncode in (0, 2), f"lz drift exited {run.returncode}:\n{run.stdout}\n{run.stderr}"
    return run.returncode, json.loads(run.stdout)


def _items(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(s["stack"], d["address"]): d for s in report["stacks"] for d in s["drifted"]}


def _one(items: dict[tuple[str, str], dict[str, Any]], stack: str, address_part: str) -> dict[str, Any]:
    found = [d for (s, a), d in items.items() if s == stack and address_part in a]
    assert len(found) == 1, (stack, address_part, sorted(items))
    return found[0]


def _changes(dep: Deployment) -> Iterator[Callable[[], None]]:
    """Make each change by hand; yield how to undo it."""
    security_iam, shared_iam = dep.client("iam", "security"), dep.client("iam", "shared")
    security_iam.detach_role_policy(RoleName="Support", PolicyArn=SUPPORT_ACCESS)
    yield lambda: security_iam.attach_role_policy(RoleName="Support", PolicyArn=SUPPORT_ACCESS)

    s3, bucket = dep.client("s3"), f"{dep.project.short_name}-management-terraform-backend"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    yield lambda: s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    org = dep.client("organizations")
    scp = next(p for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"] if p["Name"] == "default")
    content = org.describe_policy(PolicyId=scp["Id"])["Policy"]["Content"]
    loosened = {"Version": "2012-10-17", "Statement": [{"Sid": "Nothing", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
    org.update_policy(PolicyId=scp["Id"], Content=json.dumps(loosened))
    yield lambda: org.update_policy(PolicyId=scp["Id"], Content=content)

    security_iam.add_user_to_group(GroupName="admins", UserName="kit.walker")
    yield lambda: security_iam.remove_user_from_group(GroupName="admins", UserName="kit.walker")

    shared_iam.attach_role_policy(RoleName="DevOps", PolicyArn=ADMIN_ACCESS)
    yield lambda: shared_iam.detach_role_policy(RoleName="DevOps", PolicyArn=ADMIN_ACCESS)


def test_drift_names_each_change_and_its_access_consequence(deployment: Deployment) -> None:
    undo: list[Callable[[], None]] = []
    try:
        for restore in _changes(deployment):
            undo.append(restore)
        code, report = _drift(deployment)
        assert code == 2 and report["drift"] is True
        items = _items(report)

        detached = _one(items, "security-identities", "aws_iam_role_policy_attachment.support_policy-AWSSupportAccess")
        assert detached["kind"] == "deleted" and detached["lz_up_would"] == "create"
        assert any("role Support in security loses" in line and "AWSSupportAccess" in line for line in detached["access"]), detached

        versioning = _one(items, "management-tf-backend", "aws_s3_bucket_versioning.state_versioning")
        assert {(a["path"], a["before"], a["now"]) for a in versioning["attributes"]} >= {("versioning_configuration[0].status", "Enabled", "Suspended")}
        assert versioning["lz_up_would"] == "update"

        scp = _one(items, "management-organizations", "aws_organizations_policy.scp_scp-default")
        assert any(a["path"].startswith("content.Statement") and a["now"] == "s3:DeleteBucket" for a in scp["attributes"]), scp
        assert any("SCP default applies to every principal in security" in line for line in scp["access"]), scp

        member = _one(items, "security-identities", "aws_iam_group_membership.group-admins_members")
        assert any(a["now"] == "kit.walker" for a in member["attributes"]), member
        assert any(line.startswith("+ kit.walker via IAM group security/admins") for line in member["access"]), member

        extra = _one(items, "shared-identities", f"outside-lz: policy {ADMIN_ACCESS} attached to role DevOps")
        assert extra["kind"] == "created outside lz" and extra["lz_up_would"] is None
        assert any("role DevOps in shared gains" in line and "natasha.romanoff" in line for line in extra["access"]), extra
        assert len(items) == 5, sorted(items)  # nothing else: computed attributes are not drift
    finally:
        for restore in reversed(undo):
            restore()
    code, report = _drift(deployment)
    assert (code, _items(report)) == (0, {})
