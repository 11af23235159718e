"""Objects created outside lz inside what lz manages, which no terraform plan shows: a policy
attached to (or put inline on) a managed role, a user added to a managed group whose members
lz does not list exclusively, an SCP attached to a managed OU or account. Read through the API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from landing_zone import naming
from landing_zone.deploy.drift import AttributeChange, Drifted

if TYPE_CHECKING:
    from landing_zone.deploy.context import DeployContext
    from landing_zone.deploy.drift import StackDrift

OUTSIDE = "outside-lz"
FULL_AWS_ACCESS_ID = "p-FullAWSAccess"  # attached by Organizations everywhere; lz keeps it


def _of(state: list[dict[str, Any]], rtype: str) -> list[dict[str, Any]]:
    return [r for r in state if r.get("type") == rtype]


def _values(r: dict[str, Any]) -> dict[str, Any]:
    return dict(r.get("values") or {})


def _item(found: StackDrift, what: str, attribute: str, value: str, now: dict[str, Any]) -> Drifted:
    return Drifted(found.stack, f"{OUTSIDE}: {what}", "created outside lz", [AttributeChange(attribute, "(none)", value)], now=now)


def outside(ctx: DeployContext, found: StackDrift) -> list[Drifted]:
    """Every object of this stack's managed scope that its state does not hold."""
    state, items = found.state, []
    if _of(state, "aws_iam_role") or _of(state, "aws_iam_group"):
        items += _role_policies(ctx.client("iam", found.account), found)
        items += _group_members(ctx.client("iam", found.account), found)
    if _of(state, "aws_organizations_policy_attachment"):
        items += _scp_attachments(ctx.client("organizations", naming.MANAGEMENT), found)
    return items


def _role_policies(iam: Any, found: StackDrift) -> list[Drifted]:
    state, items = found.state, []
    attached = {(_values(r).get("role"), _values(r).get("policy_arn")) for r in _of(state, "aws_iam_role_policy_attachment")}
    inline = {(_values(r).get("role"), _values(r).get("name")) for r in _of(state, "aws_iam_role_policy")}
    for role in _of(state, "aws_iam_role"):
        name, key = _values(role).get("name"), role["name"]
        if not name:
            continue
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for policy in page["AttachedPolicies"]:
                arn = policy["PolicyArn"]
                if (name, arn) not in attached:
                    doc = _policy_document(iam, arn)
                    items.append(_item(found, f"policy {arn} attached to role {name}", "managed_policy", arn, {"role": key, "name": arn, "policy": doc}))
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
            for policy_name in page["PolicyNames"]:
                if (name, policy_name) not in inline:
                    doc = json.dumps(iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"])
                    items.append(
                        _item(
                            found,
                            f"inline policy {policy_name} on role {name}",
                            "inline_policy",
                            policy_name,
                            {"role": key, "name": policy_name, "policy": doc},
                        )
                    )
    return items


def _policy_document(iam: Any, arn: str) -> str:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    return doc if isinstance(doc, str) else json.dumps(doc)


def _group_members(iam: Any, found: StackDrift) -> list[Drifted]:
    """Members of managed groups whose membership lz does not set exclusively (an
    aws_iam_group_membership lists them all, so terraform itself sees an extra one)."""
    state, items = found.state, []
    exclusive = {_values(r).get("group") for r in _of(state, "aws_iam_group_membership")}
    known = {(g, _values(r).get("user")) for r in _of(state, "aws_iam_user_group_membership") for g in _values(r).get("groups") or []}
    for group in _of(state, "aws_iam_group"):
        name = _values(group).get("name")
        if not name or name in exclusive:
            continue
        for page in iam.get_paginator("get_group").paginate(GroupName=name):
            for user in page["Users"]:
                if (name, user["UserName"]) not in known:
                    items.append(
                        _item(found, f"user {user['UserName']} in group {name}", "member", user["UserName"], {"group": group["name"], "user": user["UserName"]})
                    )
    return items


def _scp_attachments(org: Any, found: StackDrift) -> list[Drifted]:
    state, items = found.state, []
    attached = {(_values(r).get("target_id"), _values(r).get("policy_id")) for r in _of(state, "aws_organizations_policy_attachment")}
    targets = {
        _values(r).get("id"): (r["type"], r["name"]) for r in [*_of(state, "aws_organizations_organizational_unit"), *_of(state, "aws_organizations_account")]
    }
    for target_id, (rtype, key) in sorted(targets.items(), key=lambda t: str(t[0])):
        if not target_id:
            continue
        for page in org.get_paginator("list_policies_for_target").paginate(TargetId=target_id, Filter="SERVICE_CONTROL_POLICY"):
            for policy in page["Policies"]:
                if policy["Id"] == FULL_AWS_ACCESS_ID or (target_id, policy["Id"]) in attached:
                    continue
                content = org.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"]
                what = f"SCP {policy['Name']} attached to {rtype.removeprefix('aws_organizations_').replace('_', ' ')} {key}"
                items.append(_item(found, what, "scp", policy["Name"], {"target": f"{rtype}.{key}", "name": policy["Name"], "content": content}))
    return items
