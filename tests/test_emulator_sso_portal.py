"""Identity Center's sign-in side on the emulator (landing_zone/emulator/sso_portal.py), via boto3.

Each call here fails on plain moto 5.2.5: it has no `sso-oidc` and no `sso` (portal) service,
and provisions no AWSReservedSSO_ role when an assignment is made.
"""

from __future__ import annotations

import itertools
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from landing_zone.emulator.server import EmulatorInfo
from landing_zone.emulator.sso_portal import APPROVE_PATH, ROLE_PATH
from tests.emulator_harness import REGION, client

_management_ids: Iterator[int] = itertools.count(260000000001)
INLINE = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def approve(endpoint: str, user_code: str, user_name: str, *, deny: bool = False) -> dict[str, Any]:
    body = json.dumps({"userCode": user_code, "userName": user_name, "deny": deny}).encode()
    request = urllib.request.Request(f"{endpoint}{APPROVE_PATH}", data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        result: dict[str, Any] = json.loads(resp.read())
    return result


def unsigned(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def ic(emulator: EmulatorInfo) -> dict[str, Any]:
    """An organization with one member; an Identity Center user in a group assigned a permission set there."""
    management = f"{next(_management_ids):012d}"
    aws = lambda service: client(service, emulator.endpoint, management)  # noqa: E731
    aws("organizations").create_organization(FeatureSet="ALL")
    member = aws("organizations").create_account(AccountName="dev", Email=f"dev-{management}@example.com")["CreateAccountStatus"]["AccountId"]
    instance = aws("sso-admin").list_instances()["Instances"][0]
    store, arn = instance["IdentityStoreId"], instance["InstanceArn"]
    user_name = f"ada-{management}@example.com"
    user = aws("identitystore").create_user(IdentityStoreId=store, UserName=user_name, DisplayName="Ada L", Name={"GivenName": "Ada", "FamilyName": "L"})[
        "UserId"
    ]
    group = aws("identitystore").create_group(IdentityStoreId=store, DisplayName="DevOps")["GroupId"]
    aws("identitystore").create_group_membership(IdentityStoreId=store, GroupId=group, MemberId={"UserId": user})
    pset = aws("sso-admin").create_permission_set(InstanceArn=arn, Name="DevOps")["PermissionSet"]["PermissionSetArn"]
    aws("sso-admin").attach_managed_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=pset, ManagedPolicyArn=READ_ONLY)
    aws("sso-admin").put_inline_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=pset, InlinePolicy=INLINE)
    assignment = dict(InstanceArn=arn, TargetId=member, TargetType="AWS_ACCOUNT", PermissionSetArn=pset, PrincipalType="GROUP", PrincipalId=group)
    aws("sso-admin").create_account_assignment(**assignment)
    return {"endpoint": emulator.endpoint, "aws": aws, "member": member, "user": user_name, "assignment": assignment}


def sso_roles(endpoint: str, account: str) -> list[dict[str, Any]]:
    return list(client("iam", endpoint, account).list_roles(PathPrefix=ROLE_PATH)["Roles"])


def sign_in(ic: dict[str, Any]) -> str:
    """The device flow end to end: the access token."""
    oidc = unsigned("sso-oidc", ic["endpoint"])
    reg = oidc.register_client(clientName="lz-test", clientType="public")
    device = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl="https://example.awsapps.com/start")
    grant = dict(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=device["deviceCode"]
    )
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        oidc.create_token(**grant)
    assert approve(ic["endpoint"], device["userCode"], ic["user"]) == {"approved": True}
    token = oidc.create_token(**grant)
    assert token["tokenType"] == "Bearer" and token["expiresIn"] > 0
    with pytest.raises(oidc.exceptions.InvalidGrantException):  # a device code is used once
        oidc.create_token(**grant)
    return str(token["accessToken"])


def test_assignment_provisions_the_reserved_role_with_the_sets_policies(ic: dict[str, Any]) -> None:
    (role,) = sso_roles(ic["endpoint"], ic["member"])
    assert role["RoleName"].startswith("AWSReservedSSO_DevOps_") and len(role["RoleName"].rsplit("_", 1)[1]) == 16
    iam = client("iam", ic["endpoint"], ic["member"])
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [READ_ONLY]
    assert json.loads(json.dumps(iam.get_role_policy(RoleName=role["RoleName"], PolicyName="AwsSSOInlinePolicy")["PolicyDocument"])) == json.loads(INLINE)
    ic["aws"]("sso-admin").delete_account_assignment(**ic["assignment"])
    assert sso_roles(ic["endpoint"], ic["member"]) == []


def test_device_flow_pending_then_token_and_denial(ic: dict[str, Any]) -> None:
    assert sign_in(ic).startswith("lzsso-")
    oidc = unsigned("sso-oidc", ic["endpoint"])
    reg = oidc.register_client(clientName="lz-test", clientType="public")
    device = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl="https://example.awsapps.com/start")
    assert device["interval"] >= 1 and device["userCode"] in device["verificationUriComplete"]
    approve(ic["endpoint"], device["userCode"], ic["user"], deny=True)
    grant = dict(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=device["deviceCode"]
    )
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        oidc.create_token(**grant)
    with pytest.raises(oidc.exceptions.InvalidClientException):
        oidc.create_token(**{**grant, "clientSecret": "wrong"})


def test_portal_lists_accounts_and_roles_and_issues_role_credentials(ic: dict[str, Any]) -> None:
    token = sign_in(ic)
    portal = unsigned("sso", ic["endpoint"])
    accounts = portal.list_accounts(accessToken=token)["accountList"]
    assert [(a["accountId"], a["accountName"]) for a in accounts] == [(ic["member"], "dev")]
    roles = portal.list_account_roles(accessToken=token, accountId=ic["member"])["roleList"]
    assert roles == [{"roleName": "DevOps", "accountId": ic["member"]}]
    creds = portal.get_role_credentials(accessToken=token, accountId=ic["member"], roleName="DevOps")["roleCredentials"]
    sts = boto3.client(
        "sts",
        endpoint_url=ic["endpoint"],
        region_name=REGION,
        aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"],
        aws_session_token=creds["sessionToken"],
    )
    identity = sts.get_caller_identity()
    assert identity["Account"] == ic["member"]
    assert ":assumed-role/AWSReservedSSO_DevOps_" in identity["Arn"] and identity["Arn"].endswith(f"/{ic['user']}")
    with pytest.raises(ClientError) as err:  # AWS's answer, though botocore's model lacks the shape
        portal.get_role_credentials(accessToken=token, accountId=ic["member"], roleName="Administrator")
    assert err.value.response["Error"]["Code"] == "ForbiddenException"
    portal.logout(accessToken=token)
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token)


def test_unknown_user_cannot_approve(ic: dict[str, Any]) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        approve(ic["endpoint"], "XXXX-XXXX", "nobody@example.com")
    assert err.value.code == 404
    with pytest.raises(ClientError):
        unsigned("sso", ic["endpoint"]).list_accounts(accessToken="not-a-token")


def test_auth_sso_credentials_per_account(ic: dict[str, Any], tmp_path: Any) -> None:
    """deploy/auth.py under `auth: sso`: the Administrator set in management, OAAR in the member from it."""
    from landing_zone import naming
    from landing_zone.aws import sso_token
    from landing_zone.config.model import Project
    from landing_zone.deploy.auth import sso_credentials
    from landing_zone.settings import Settings

    aws = ic["aws"]
    sso_admin = aws("sso-admin")
    admin = sso_admin.create_permission_set(InstanceArn=ic["assignment"]["InstanceArn"], Name=naming.SSO_DEPLOY_PERMISSION_SET)["PermissionSet"][
        "PermissionSetArn"
    ]
    management_id = aws("sts").get_caller_identity()["Account"]
    sso_admin.create_account_assignment(**{**ic["assignment"], "TargetId": management_id, "PermissionSetArn": admin})
    token = sign_in(ic)
    project = Project.model_validate(
        {
            "project_name": "probe",
            "short_name": "pr",
            "organization": {"accounts": [{"name": "management", "email": "m@example.com", "id": management_id}, {"name": "dev", "email": "d@example.com"}]},
        }
    )
    settings = Settings(config_path=tmp_path / "project.yaml", target="local", endpoint=ic["endpoint"], auth="sso")
    sso_token.write(
        naming.sso_session("pr", emulator=True),
        start_url="https://d-1.awsapps.com/start",
        region=REGION,
        token={"accessToken": token, "expiresIn": 3600},
        client={"clientId": "c", "clientSecret": "s", "clientSecretExpiresAt": 2000000000},
    )
    creds = sso_credentials(project, settings, ["management", "dev"], {"management": management_id, "dev": ic["member"]})

    def who(account: str) -> dict[str, Any]:
        c = creds[account]
        sts = boto3.client(
            "sts",
            endpoint_url=ic["endpoint"],
            region_name=REGION,
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        identity: dict[str, Any] = sts.get_caller_identity()
        return identity

    assert who("management")["Account"] == management_id and ":assumed-role/AWSReservedSSO_Administrator_" in who("management")["Arn"]
    assert who("dev")["Account"] == ic["member"] and f":assumed-role/{naming.OAAR_ROLE}/" in who("dev")["Arn"]
