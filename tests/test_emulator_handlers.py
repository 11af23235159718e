"""Each patch in landing_zone/emulator/handlers.py (and the Access Analyzer service), via boto3.

Every test here fails on plain moto 5.2.5. They share the session's emulator and keep
apart by acting as their own account (`account` fixture: a fresh account id per test).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from landing_zone.emulator.server import EmulatorInfo
from landing_zone.settings import EMULATOR_SECRET, emulator_access_key
from tests.conftest import ROOT
from tests.emulator_harness import REGION, client

_account_ids: Iterator[int] = itertools.count(210000000001)
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.fixture
def account() -> str:
    """An account id no other test in this session uses."""
    return f"{next(_account_ids):012d}"


@pytest.fixture
def aws(emulator: EmulatorInfo, account: str) -> Any:
    """`aws("iam")`: a boto3 client on the emulator acting as this test's account."""
    return lambda service, **kw: client(service, emulator.endpoint, account, **kw)


def _error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


# --- existing patches -------------------------------------------------------------------


def test_access_key_selects_account(aws: Any, account: str) -> None:
    assert aws("sts").get_caller_identity()["Account"] == account


def test_tls_only_bucket_policy_does_not_deny_on_loopback(aws: Any) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="tls-only")
    s3.put_object(Bucket="tls-only", Key="k", Body=b"v")
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::tls-only/*"]}
    tls_only = {**deny, "Sid": "TLSOnly", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    s3.put_bucket_policy(Bucket="tls-only", Policy=json.dumps({"Version": "2012-10-17", "Statement": [tls_only]}))
    assert s3.get_object(Bucket="tls-only", Key="k")["Body"].read() == b"v"
    # Other deny statements still apply.
    s3.put_bucket_policy(Bucket="tls-only", Policy=json.dumps({"Version": "2012-10-17", "Statement": [tls_only, deny]}))
    with pytest.raises(ClientError):
        s3.get_object(Bucket="tls-only", Key="k")


# --- IAM --------------------------------------------------------------------------------


def test_aws_managed_policies_are_attachable(aws: Any) -> None:
    iam = aws("iam")
    assert iam.get_policy(PolicyArn=READ_ONLY)["Policy"]["PolicyName"] == "ReadOnlyAccess"
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    iam.attach_role_policy(RoleName="r", PolicyArn=ADMIN)
    iam.create_group(GroupName="g")
    iam.attach_group_policy(GroupName="g", PolicyArn=ADMIN)
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]] == [ADMIN]
    assert [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName="g")["AttachedPolicies"]] == [ADMIN]


def test_aws_managed_policies_load_for_the_aws_partition_only() -> None:
    """moto makes an IAM backend per partition for each account a session key is looked up
    in; loading ~1,600 policies into each made every call with assumed credentials take seconds."""
    code = (
        "from landing_zone.emulator import handlers; handlers.install()\n"
        "from moto.iam.models import iam_backends\n"
        "acct = iam_backends['210099999999']\n"
        "print(len(acct['aws'].managed_policies), len(acct['aws-cn'].managed_policies))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    loaded, other = map(int, out.split())
    assert loaded > 1000 and other == 0


def test_list_service_specific_credentials(aws: Any) -> None:
    iam = aws("iam")
    iam.create_user(UserName="alice")
    assert iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"] == []
    with pytest.raises(ClientError) as exc:
        iam.list_service_specific_credentials(UserName="nobody")
    assert _error_code(exc) == "NoSuchEntity"


# --- SSO-Admin --------------------------------------------------------------------------


@pytest.fixture
def permission_set(aws: Any) -> tuple[str, str]:
    """(instance ARN, permission set ARN) of a new permission set tagged Team=platform."""
    sso = aws("sso-admin")
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    ps = sso.create_permission_set(Name="Admin", InstanceArn=instance, SessionDuration="PT1H", Tags=[{"Key": "Team", "Value": "platform"}])
    return instance, ps["PermissionSet"]["PermissionSetArn"]


def _tags(sso: Any, instance: str, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sso.list_tags_for_resource(InstanceArn=instance, ResourceArn=arn)["Tags"]}


def test_sso_permission_set_tags(aws: Any, permission_set: tuple[str, str]) -> None:
    sso, (instance, arn) = aws("sso-admin"), permission_set
    assert _tags(sso, instance, arn) == {"Team": "platform"}
    sso.tag_resource(InstanceArn=instance, ResourceArn=arn, Tags=[{"Key": "Team", "Value": "sec"}, {"Key": "Env", "Value": "x"}])
    assert _tags(sso, instance, arn) == {"Team": "sec", "Env": "x"}
    sso.untag_resource(InstanceArn=instance, ResourceArn=arn, TagKeys=["Team", "Absent"])
    assert _tags(sso, instance, arn) == {"Env": "x"}


def test_sso_tags_of_untagged_permission_set_and_instance(aws: Any) -> None:
    sso = aws("sso-admin")
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    arn = sso.create_permission_set(Name="Plain", InstanceArn=instance)["PermissionSet"]["PermissionSetArn"]
    assert _tags(sso, instance, arn) == {}
    sso.tag_resource(InstanceArn=instance, ResourceArn=instance, Tags=[{"Key": "K", "Value": "V"}])
    assert _tags(sso, instance, instance) == {"K": "V"}


def test_sso_tags_of_unknown_resource(aws: Any, permission_set: tuple[str, str]) -> None:
    instance, arn = permission_set
    with pytest.raises(ClientError) as exc:
        aws("sso-admin").list_tags_for_resource(InstanceArn=instance, ResourceArn=arn + "x")
    assert _error_code(exc) == "ResourceNotFoundException"


def test_sso_permission_set_provisioning_status(aws: Any, account: str, permission_set: tuple[str, str]) -> None:
    sso, (instance, arn) = aws("sso-admin"), permission_set
    sso.attach_managed_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=arn, ManagedPolicyArn=READ_ONLY)
    started = sso.provision_permission_set(InstanceArn=instance, PermissionSetArn=arn, TargetType="ALL_PROVISIONED_ACCOUNTS")
    request_id = started["PermissionSetProvisioningStatus"]["RequestId"]
    status = sso.describe_permission_set_provisioning_status(InstanceArn=instance, ProvisionPermissionSetRequestId=request_id)
    status = status["PermissionSetProvisioningStatus"]
    assert (status["Status"], status["RequestId"], status["PermissionSetArn"]) == ("SUCCEEDED", request_id, arn)
    assert status["AccountId"] == account
    with pytest.raises(ClientError) as exc:
        sso.describe_permission_set_provisioning_status(InstanceArn=instance, ProvisionPermissionSetRequestId="00000000-0000-0000-0000-000000000000")
    assert _error_code(exc) == "ResourceNotFoundException"


def test_sso_account_assignment_created_twice_is_one(aws: Any, permission_set: tuple[str, str]) -> None:
    """A retried CreateAccountAssignment must not leave a duplicate (the provider's read fails on two)."""
    sso, (instance, arn) = aws("sso-admin"), permission_set
    args = dict(InstanceArn=instance, PermissionSetArn=arn, PrincipalType="GROUP", PrincipalId="group-1", TargetType="AWS_ACCOUNT")
    for target in ("111111111111", "111111111111", "222222222222"):
        sso.create_account_assignment(TargetId=target, **args)
    listed = sso.list_account_assignments(InstanceArn=instance, AccountId="111111111111", PermissionSetArn=arn)
    assert [(a["AccountId"], a["PrincipalId"]) for a in listed["AccountAssignments"]] == [("111111111111", "group-1")]
    other = sso.list_account_assignments(InstanceArn=instance, AccountId="222222222222", PermissionSetArn=arn)
    assert len(other["AccountAssignments"]) == 1


# --- Organizations ----------------------------------------------------------------------


def _member_iam(endpoint: str, role_arn: str) -> Any:
    creds = client("sts", endpoint).assume_role(RoleArn=role_arn, RoleSessionName="check")["Credentials"]
    return boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


@pytest.mark.parametrize("role_name", [None, "CustomAccessRole"])
def test_create_account_gives_access_role_administrator_access(aws: Any, emulator: EmulatorInfo, account: str, role_name: str | None) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    extra = {"RoleName": role_name} if role_name else {}
    member = org.create_account(Email="m@example.com", AccountName="member", **extra)["CreateAccountStatus"]["AccountId"]
    name = role_name or "OrganizationAccountAccessRole"
    iam = _member_iam(emulator.endpoint, f"arn:aws:iam::{member}:role/{name}")
    role = iam.get_role(RoleName=name)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{member}:role/{name}"
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert attached == [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}]


# --- Access Analyzer (a service moto lacks) ---------------------------------------------


def test_access_analyzer_lifecycle(aws: Any, account: str) -> None:
    aa = aws("accessanalyzer")
    arn = aa.create_analyzer(analyzerName="acct", type="ACCOUNT", tags={"Team": "sec"})["arn"]
    assert arn == f"arn:aws:access-analyzer:{REGION}:{account}:analyzer/acct"
    aa.create_analyzer(analyzerName="org", type="ORGANIZATION")
    got = aa.get_analyzer(analyzerName="acct")["analyzer"]
    assert (got["arn"], got["name"], got["type"], got["status"], got["tags"]) == (arn, "acct", "ACCOUNT", "ACTIVE", {"Team": "sec"})
    assert sorted(a["name"] for a in aa.list_analyzers()["analyzers"]) == ["acct", "org"]
    assert [a["name"] for a in aa.list_analyzers(type="ORGANIZATION")["analyzers"]] == ["org"]
    aa.delete_analyzer(analyzerName="acct")
    with pytest.raises(ClientError) as exc:
        aa.get_analyzer(analyzerName="acct")
    assert _error_code(exc) == "ResourceNotFoundException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_access_analyzer_tags(aws: Any) -> None:
    aa = aws("accessanalyzer")
    arn = aa.create_analyzer(analyzerName="tagged", type="ACCOUNT")["arn"]
    assert aa.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    aa.tag_resource(resourceArn=arn, tags={"A": "1", "B": "2"})
    aa.untag_resource(resourceArn=arn, tagKeys=["A"])
    assert aa.list_tags_for_resource(resourceArn=arn)["tags"] == {"B": "2"}


def test_access_analyzer_rejects_duplicates_and_bad_types(aws: Any) -> None:
    aa = aws("accessanalyzer")
    aa.create_analyzer(analyzerName="dup", type="ACCOUNT")
    with pytest.raises(ClientError) as exc:
        aa.create_analyzer(analyzerName="dup", type="ACCOUNT")
    assert _error_code(exc) == "ConflictException"
    with pytest.raises(ClientError) as exc:
        aa.create_analyzer(analyzerName="bad", type="NOPE")
    assert _error_code(exc) == "ValidationException"


def test_access_analyzer_is_per_account(emulator: EmulatorInfo, aws: Any) -> None:
    aws("accessanalyzer").create_analyzer(analyzerName="mine", type="ACCOUNT")
    other = boto3.client(
        "accessanalyzer",
        endpoint_url=emulator.endpoint,
        region_name=REGION,
        aws_access_key_id=emulator_access_key("299999999999"),
        aws_secret_access_key=EMULATOR_SECRET,
    )
    assert other.list_analyzers()["analyzers"] == []


def _lock_table(aws: Any) -> Any:
    ddb = aws("dynamodb")
    ddb.create_table(
        TableName="locks",
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def test_a_retried_lock_put_succeeds_and_a_rival_lock_still_fails(aws: Any) -> None:
    ddb = _lock_table(aws)
    mine = {"LockID": {"S": "bucket/key"}, "Info": {"S": '{"ID":"a1","Created":"t1"}'}}
    put = {"TableName": "locks", "ConditionExpression": "attribute_not_exists(LockID)"}
    ddb.put_item(Item=mine, **put)
    ddb.put_item(Item=mine, **put)  # the same request again: what an SDK retry sends
    rival = {"LockID": {"S": "bucket/key"}, "Info": {"S": '{"ID":"b2","Created":"t2"}'}}
    with pytest.raises(ClientError) as exc:
        ddb.put_item(Item=rival, **put)
    assert _error_code(exc) == "ConditionalCheckFailedException"
    assert ddb.get_item(TableName="locks", Key={"LockID": {"S": "bucket/key"}})["Item"] == mine


def test_a_retried_enable_policy_type_succeeds(aws: Any) -> None:
    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    for _ in range(2):  # the second: what an SDK retry of an answered call sends
        enabled = org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")["Root"]["PolicyTypes"]
        assert enabled == [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]
    with pytest.raises(ClientError) as exc:
        org.enable_policy_type(RootId=root, PolicyType="NOT_A_POLICY_TYPE")
    assert _error_code(exc) == "InvalidInputException"


def test_a_retry_of_an_answered_create_gets_its_answer_and_a_new_create_still_conflicts(aws: Any) -> None:
    """What the SDK sends when an answer did not reach it: the same invocation id, a later attempt."""
    iam = aws("iam")
    sent = {"amz-sdk-invocation-id": "5b1c0d6e-0000-4000-8000-000000000001", "amz-sdk-request": "attempt=1; max=3"}

    def stamp(request: Any, **_: Any) -> None:
        for name, value in sent.items():
            del request.headers[name]
            request.headers[name] = value

    iam.meta.events.register("before-send.iam.CreateRole", stamp)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    first = iam.create_role(RoleName="retried", AssumeRolePolicyDocument=trust)["Role"]
    sent["amz-sdk-request"] = "attempt=2; max=3"
    assert iam.create_role(RoleName="retried", AssumeRolePolicyDocument=trust)["Role"]["RoleId"] == first["RoleId"]
    sent.update({"amz-sdk-invocation-id": "5b1c0d6e-0000-4000-8000-000000000002", "amz-sdk-request": "attempt=1; max=3"})
    with pytest.raises(ClientError) as exc:
        iam.create_role(RoleName="retried", AssumeRolePolicyDocument=trust)
    assert _error_code(exc) == "EntityAlreadyExists"
    assert [r["RoleId"] for r in iam.list_roles()["Roles"] if r["RoleName"] == "retried"] == [first["RoleId"]]


def test_update_table_switches_server_side_encryption(aws: Any) -> None:
    ddb = _lock_table(aws)
    assert "SSEDescription" not in ddb.describe_table(TableName="locks")["Table"]
    ddb.update_table(TableName="locks", SSESpecification={"Enabled": True})
    sse = ddb.describe_table(TableName="locks")["Table"]["SSEDescription"]
    assert sse["Status"] == "ENABLED" and sse["SSEType"] == "KMS" and sse["KMSMasterKeyArn"].startswith("arn:aws:kms:")
    ddb.update_table(TableName="locks", SSESpecification={"Enabled": False})
    assert "SSEDescription" not in ddb.describe_table(TableName="locks")["Table"]
