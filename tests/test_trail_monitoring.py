"""The organization trail in CloudWatch Logs and the CIS AWS Foundations 5.x metric filters and
alarms on it (synthesized JSON): whatever a snapshot update says, every control has a filter on
the trail's log group that catches its events, and an alarm on that metric to the alerts topic."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from landing_zone import naming
from landing_zone.constructs.trail_monitoring import log_retention
from tests.conftest import ROOT
from tests.synth_helpers import synth_stacks

SHORT = "me"
MANAGEMENT_ID = "000123456789"  # synth_helpers.fake_account_ids
# Per control, events its filter must name (from the CIS benchmark's audit procedure; written
# out here, not read from the construct, so a change there cannot weaken the test).
CIS_EVENTS: dict[str, list[str]] = {
    "5.1": ["*UnauthorizedOperation", "AccessDenied*"],
    "5.2": ["ConsoleLogin", "MFAUsed"],
    "5.3": ["Root", "invokedBy NOT EXISTS", "AwsServiceEvent"],
    "5.4": ["PutRolePolicy", "AttachRolePolicy", "CreatePolicyVersion", "DetachGroupPolicy", "DeleteUserPolicy"],
    "5.5": ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"],
    "5.6": ["ConsoleLogin", "Failed authentication"],
    "5.7": ["kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"],
    "5.8": ["s3.amazonaws.com", "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl", "PutBucketReplication"],
    "5.9": ["config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutConfigurationRecorder"],
    "5.10": ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"],
    "5.11": ["CreateNetworkAcl", "DeleteNetworkAclEntry", "ReplaceNetworkAclAssociation"],
    "5.12": ["CreateCustomerGateway", "AttachInternetGateway", "DetachInternetGateway", "DeleteInternetGateway"],
    "5.13": ["CreateRoute", "ReplaceRouteTableAssociation", "DisassociateRouteTable", "DeleteRoute"],
    "5.14": ["CreateVpc", "ModifyVpcAttribute", "CreateVpcPeeringConnection", "EnableVpcClassicLink"],
    "5.15": ["organizations.amazonaws.com", "CreateAccount", "LeaveOrganization", "AttachPolicy", "MoveAccount"],
}


def _resources(stack: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return dict((stack.get("resource") or {}).get(kind, {}))


def _one(stack: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = _resources(stack, kind)
    assert len(found) == 1, f"{kind}: {len(found)}"
    return next(iter(found.items()))


@pytest.fixture(scope="module")
def root() -> dict[str, dict[str, Any]]:
    return synth_stacks(ROOT / "project.yaml", "aws", False)


def test_trail_delivers_to_an_encrypted_log_group(root: dict[str, Any]) -> None:
    stack = root["management-audit"]
    _, trail = _one(stack, "aws_cloudtrail")
    group_key, group = _one(stack, "aws_cloudwatch_log_group")
    role_key, role = next((k, b) for k, b in _resources(stack, "aws_iam_role").items() if b["name"] == naming.audit_trail_logs_role(SHORT))
    key_key, _ = _one(stack, "aws_kms_key")
    assert group["name"] == naming.audit_trail_log_group(SHORT)
    assert group["kms_key_id"] == f"${{aws_kms_key.{key_key}.arn}}"  # the trail's key
    assert group["retention_in_days"] == 365 and group["lifecycle"] == {"prevent_destroy": True}
    assert trail["cloud_watch_logs_group_arn"] == f"${{aws_cloudwatch_log_group.{group_key}.arn}}:*"
    assert trail["cloud_watch_logs_role_arn"] == f"${{aws_iam_role.{role_key}.arn}}"
    trust = json.loads(role["assume_role_policy"])["Statement"]
    trail_arn = naming.trail_arn("us-east-1", MANAGEMENT_ID, naming.audit_trail(SHORT))
    assert [(st["Principal"], st["Condition"]) for st in trust] == [({"Service": "cloudtrail.amazonaws.com"}, {"StringEquals": {"aws:SourceArn": trail_arn}})]
    policy = next(b for b in _resources(stack, "aws_iam_role_policy").values() if role_key in b["role"])
    (write,) = json.loads(policy["policy"])["Statement"]
    assert sorted(write["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert write["Resource"] == f"${{aws_cloudwatch_log_group.{group_key}.arn}}:log-stream:*"  # this group only


def test_key_policy_lets_cloudwatch_logs_encrypt_this_group_only(root: dict[str, Any]) -> None:
    _, key = _one(root["management-audit"], "aws_kms_key")
    statements = {st["Sid"]: st for st in json.loads(key["policy"])["Statement"]}
    logs = statements["CloudWatchLogsEncryptsTrailLogGroup"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    group_arn = naming.log_group_arn("us-east-1", MANAGEMENT_ID, naming.audit_trail_log_group(SHORT))
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}}


def test_every_cis_control_has_a_filter_and_an_alarm_to_the_alerts_topic(root: dict[str, Any]) -> None:
    stack = root["management-audit"]
    group_key, _ = _one(stack, "aws_cloudwatch_log_group")
    filters = list(_resources(stack, "aws_cloudwatch_log_metric_filter").values())
    alarms = list(_resources(stack, "aws_cloudwatch_metric_alarm").values())
    topic = naming.alerts_topic_arn("us-east-1", MANAGEMENT_ID, SHORT, naming.MANAGEMENT)
    numbers = {re.match(r"CIS AWS Foundations (5\.\d+):", a["alarm_description"]).group(1): a for a in alarms}  # type: ignore[union-attr]  # no match fails the test, as it should
    assert sorted(numbers) == sorted(CIS_EVENTS) and len(alarms) == len(CIS_EVENTS) == len(filters)
    for number, events in CIS_EVENTS.items():
        alarm = numbers[number]
        (flt,) = [f for f in filters if f["metric_transformation"]["name"] == alarm["metric_name"]]
        assert flt["log_group_name"] == f"${{aws_cloudwatch_log_group.{group_key}.name}}", number
        assert flt["metric_transformation"]["namespace"] == alarm["namespace"] == naming.cis_namespace(SHORT)
        assert all(event in flt["pattern"] for event in events), (number, flt["pattern"])
        assert alarm["alarm_actions"] == [topic], number
        assert (alarm["threshold"], alarm["comparison_operator"], alarm["statistic"]) == (1, "GreaterThanOrEqualToThreshold", "Sum")


def test_alerts_topic_accepts_this_accounts_alarms(root: dict[str, Any]) -> None:
    stack = root["management-security-base"]
    _, topic_policy = _one(stack, "aws_sns_topic_policy")
    statements = {st["Sid"]: st for st in json.loads(topic_policy["policy"])["Statement"]}
    alarms = statements["AllowCloudWatchAlarmsPublish"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and alarms["Action"] == "sns:Publish"
    assert alarms["Condition"] == {"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:*:{MANAGEMENT_ID}:alarm:*"}}
    key = next(b for b in _resources(stack, "aws_kms_key").values() if "alerts" in b["description"])
    key_statements = {st["Sid"]: st for st in json.loads(key["policy"])["Statement"]}
    assert key_statements["CloudWatchAlarmsPublish"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}


@pytest.mark.parametrize(("days", "kept"), [(2, 1), (365, 365), (400, 400), (1000, 731), (3653, 3653), (90, 90)])
def test_log_retention_is_a_value_cloudwatch_accepts_within_the_archives(days: int, kept: int) -> None:
    assert log_retention(days) == kept


def test_retention_follows_project_yaml(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    config.write_text((ROOT / "project.yaml").read_text() + "\naudit:\n  retention_days: 2557\n")
    _, group = _one(synth_stacks(config, "aws", False)["management-audit"], "aws_cloudwatch_log_group")
    assert group["retention_in_days"] == 2557


def test_a_primary_region_without_the_alerts_topic_gets_its_own_alarm_topic(tmp_path: Path) -> None:
    """Alarms notify topics of their own region only: four-accounts' trail is homed in eu-west-1,
    where security-base has no alerts topic (it is in us-east-1), so management-audit makes one."""
    import shutil

    from tests.conftest import FIXTURES

    shutil.copytree(FIXTURES / "four-accounts", tmp_path / "p")
    config = tmp_path / "p" / "project.yaml"
    config.write_text(config.read_text() + "notifications: {emails: [oncall@acme.example.com]}\n")
    stacks = synth_stacks(config, "aws", False)
    stack = stacks["management-audit"]
    assert stack["provider"]["aws"][0]["region"] == "eu-west-1"
    topic_key, topic = _one(stack, "aws_sns_topic")
    short = "acm"
    assert topic["name"] == naming.cis_alarms_topic(short)
    ((key_key, key),) = ((k, v) for k, v in _resources(stack, "aws_kms_key").items() if k.startswith("cis-alarm-topic"))
    assert topic["kms_master_key_id"] == f"${{aws_kms_key.{key_key}.arn}}" and key["enable_key_rotation"] is True
    key_statements = {st["Sid"]: st for st in json.loads(key["policy"])["Statement"]}
    assert key_statements["CloudWatchAlarmsPublish"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    _, topic_policy = _one(stack, "aws_sns_topic_policy")
    (publish,) = json.loads(topic_policy["policy"])["Statement"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and publish["Action"] == "sns:Publish"
    assert publish["Condition"]["ArnLike"]["aws:SourceArn"].startswith("arn:aws:cloudwatch:*:210987654321:alarm:")
    alarms = list(_resources(stack, "aws_cloudwatch_metric_alarm").values())
    assert len(alarms) == len(CIS_EVENTS)
    assert all(a["alarm_actions"] == [f"${{aws_sns_topic.{topic_key}.arn}}"] for a in alarms)
    subscribed = {s["endpoint"] for s in _resources(stack, "aws_sns_topic_subscription").values()}
    alerts = {s["endpoint"] for s in _resources(stacks["management-security-base"], "aws_sns_topic_subscription").values()}
    assert subscribed == alerts == {"oncall@acme.example.com"}
