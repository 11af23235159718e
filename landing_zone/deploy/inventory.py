"""What exists in the target, read back with boto3: the demo's closing summary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from landing_zone import naming
from landing_zone.aws import sessions as aws
from landing_zone.config.model import Project
from landing_zone.settings import Settings


def describe(project: Project, settings: Settings, sess: Any = None) -> Iterator[str]:
    """`sess`: the management account's session (default: the bootstrap credentials)."""
    from botocore.exceptions import ClientError

    sess = sess or aws.session(project, settings)
    org = aws.client(sess, "organizations", settings)
    try:
        o = org.describe_organization()["Organization"]
    except ClientError:
        yield "organization: none"
        return
    yield f"organization {o['Id']} (feature set {o['FeatureSet']}, management account {o['MasterAccountId']})"
    root = org.list_roots()["Roots"][0]
    policies = ", ".join(f"{p['Type']}={p['Status']}" for p in root.get("PolicyTypes", []))
    yield f"  root {root['Id']}: {policies}"
    for acct in org.list_accounts_for_parent(ParentId=root["Id"])["Accounts"]:
        yield f"  account {acct['Name']} {acct['Id']} <{acct['Email']}>"
    for ou in org.list_organizational_units_for_parent(ParentId=root["Id"])["OrganizationalUnits"]:
        scps = [p["Name"] for p in org.list_policies_for_target(TargetId=ou["Id"], Filter="SERVICE_CONTROL_POLICY")["Policies"]]
        yield f"  OU {ou['Name']} {ou['Id']} (SCPs: {', '.join(scps) or 'none'})"
        for acct in org.list_accounts_for_parent(ParentId=ou["Id"])["Accounts"]:
            yield f"    account {acct['Name']} {acct['Id']} <{acct['Email']}>"
    s3 = aws.client(sess, "s3", settings)
    bucket = naming.state_bucket(project.short_name, naming.MANAGEMENT)
    try:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status", "off")
        yield f"state bucket {bucket} (versioning {versioning}): {', '.join(sorted(keys)) or 'empty'}"
    except ClientError:
        yield f"state bucket {bucket}: missing (run `lz up`)"
