"""The organization trail into CloudWatch Logs, and CIS AWS Foundations section 5 ("Monitoring",
v7.0 numbering) on it: one metric filter and one alarm per control, alarming the security
alerts topic. The reference (le-tf-infra-aws) does the same with a log group on its trail.

The filter patterns are the ones the CIS benchmark documents (Prowler's checks look for the
same event names, in any order). The log group is in the trail's home region (CloudTrail
delivers there only), under the trail's key; the alarms watch metrics of that region.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_log_metric_filter import (
    CloudwatchLogMetricFilter,
    CloudwatchLogMetricFilterMetricTransformation,
)
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from landing_zone import naming
from landing_zone.constructs.policy import Statement, document

# The retention values CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
ALARM_PERIOD_SECONDS = 300


@dataclass(frozen=True)
class Control:
    """One CIS 5.x control: its number, a name for the metric and alarm, the filter pattern."""

    number: str
    name: str
    description: str
    pattern: str


def _events(names: list[str], source: str | None = None) -> str:
    """`{ ($.eventSource = s) && (($.eventName = a) || ...) }`: any of `names`, from `source`."""
    any_name = " || ".join(f"($.eventName = {name})" for name in names)
    return f"{{ ($.eventSource = {source}) && ({any_name}) }}" if source else f"{{ {any_name} }}"


CONTROLS: tuple[Control, ...] = (
    Control(
        "5.1",
        "unauthorized-api-calls",
        "Unauthorized API calls",
        '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
        '(($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket")) }',
    ),
    Control(
        "5.2",
        "console-sign-in-without-mfa",
        "Console sign-in without MFA",
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    ),
    Control(
        "5.3",
        "root-usage",
        "Usage of the root user",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    ),
    Control(
        "5.4",
        "iam-policy-changes",
        "IAM policy changes",
        _events(
            [
                "DeleteGroupPolicy",
                "DeleteRolePolicy",
                "DeleteUserPolicy",
                "PutGroupPolicy",
                "PutRolePolicy",
                "PutUserPolicy",
                "CreatePolicy",
                "DeletePolicy",
                "CreatePolicyVersion",
                "DeletePolicyVersion",
                "AttachRolePolicy",
                "DetachRolePolicy",
                "AttachUserPolicy",
                "DetachUserPolicy",
                "AttachGroupPolicy",
                "DetachGroupPolicy",
            ],
            "iam.amazonaws.com",
        ),
    ),
    Control(
        "5.5", "cloudtrail-changes", "CloudTrail configuration changes", _events(["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"])
    ),
    Control(
        "5.6",
        "console-authentication-failures",
        "Console authentication failures",
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    ),
    Control(
        "5.7",
        "cmk-disable-or-deletion",
        "Disabling or scheduled deletion of customer managed keys",
        _events(["DisableKey", "ScheduleKeyDeletion"], "kms.amazonaws.com"),
    ),
    Control(
        "5.8",
        "s3-bucket-policy-changes",
        "S3 bucket policy changes",
        _events(
            [
                "PutBucketAcl",
                "PutBucketPolicy",
                "PutBucketCors",
                "PutBucketLifecycle",
                "PutBucketReplication",
                "DeleteBucketPolicy",
                "DeleteBucketCors",
                "DeleteBucketLifecycle",
                "DeleteBucketReplication",
            ],
            "s3.amazonaws.com",
        ),
    ),
    Control(
        "5.9",
        "config-changes",
        "AWS Config configuration changes",
        _events(["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"], "config.amazonaws.com"),
    ),
    Control(
        "5.10",
        "security-group-changes",
        "Security group changes",
        _events(
            [
                "AuthorizeSecurityGroupIngress",
                "AuthorizeSecurityGroupEgress",
                "RevokeSecurityGroupIngress",
                "RevokeSecurityGroupEgress",
                "CreateSecurityGroup",
                "DeleteSecurityGroup",
            ]
        ),
    ),
    Control(
        "5.11",
        "nacl-changes",
        "Network ACL changes",
        _events(
            ["CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"]
        ),
    ),
    Control(
        "5.12",
        "network-gateway-changes",
        "Network gateway changes",
        _events(
            [
                "CreateCustomerGateway",
                "DeleteCustomerGateway",
                "AttachInternetGateway",
                "CreateInternetGateway",
                "DeleteInternetGateway",
                "DetachInternetGateway",
            ]
        ),
    ),
    Control(
        "5.13",
        "route-table-changes",
        "Route table changes",
        _events(
            ["CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"],
            "ec2.amazonaws.com",
        ),
    ),
    Control(
        "5.14",
        "vpc-changes",
        "VPC changes",
        _events(
            [
                "CreateVpc",
                "DeleteVpc",
                "ModifyVpcAttribute",
                "AcceptVpcPeeringConnection",
                "CreateVpcPeeringConnection",
                "DeleteVpcPeeringConnection",
                "RejectVpcPeeringConnection",
                "AttachClassicLinkVpc",
                "DetachClassicLinkVpc",
                "DisableVpcClassicLink",
                "EnableVpcClassicLink",
            ]
        ),
    ),
    Control(
        "5.15",
        "organizations-changes",
        "AWS Organizations changes",
        _events(
            [
                "AcceptHandshake",
                "AttachPolicy",
                "CancelHandshake",
                "CreateAccount",
                "CreateOrganization",
                "CreateOrganizationalUnit",
                "CreatePolicy",
                "DeclineHandshake",
                "DeleteOrganization",
                "DeleteOrganizationalUnit",
                "DeletePolicy",
                "EnableAllFeatures",
                "EnablePolicyType",
                "InviteAccountToOrganization",
                "LeaveOrganization",
                "DetachPolicy",
                "DisablePolicyType",
                "MoveAccount",
                "RemoveAccountFromOrganization",
                "UpdateOrganizationalUnit",
                "UpdatePolicy",
            ],
            "organizations.amazonaws.com",
        ),
    ),
)


def log_retention(days: int) -> int:
    """The longest retention CloudWatch Logs accepts that does not outlive the archive's `days`."""
    return max((d for d in LOG_RETENTION_DAYS if d <= days), default=LOG_RETENTION_DAYS[0])


def logs_key_statement(*, region: str, account_id: str, log_group: str) -> Statement:
    """For the trail key's policy: CloudWatch Logs encrypts this log group's events with it."""
    return {
        "Sid": "CloudWatchLogsEncryptsTrailLogGroup",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        # No kms:Describe* (AWS's example has it): those calls carry no encryption context, so
        # under this condition they were never granted; naming them only misleads a reader.
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": naming.log_group_arn(region, account_id, log_group)}},
    }


class TrailLogGroup(Construct):
    """The log group `name` under `key_arn`, and the role CloudTrail writes to it with.

    protect: prevent_destroy on the log group (off only for `lz down`)."""

    def __init__(
        self, scope: Construct, id: str, *, name: str, role_name: str, key_arn: str, trail_arn: str, retention_days: int, protect: bool = True
    ) -> None:
        super().__init__(scope, id)
        self.group = CloudwatchLogGroup(
            self,
            "group",
            name=name,
            kms_key_id=key_arn,
            retention_in_days=log_retention(retention_days),
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if protect else None,
        )
        self.role = IamRole(
            self,
            "role",
            name=role_name,
            assume_role_policy=document(
                {
                    "Sid": "CloudTrailDelivers",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
                }
            ),
        )
        self.policy = IamRolePolicy(
            self,
            "role-policy",
            role=self.role.id,
            name="deliver-to-log-group",
            policy=document(
                {
                    "Sid": "WriteTrailLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{self.group.arn}:log-stream:*",
                }
            ),
        )

    @property
    def dependables(self) -> list[ITerraformDependable]:
        """What CreateTrail checks: the role may write to the group."""
        return [self.group, self.policy]


class CisAlarms(Construct):
    """One metric filter on `log_group` and one alarm to `topic_arn` per CIS 5.x control."""

    def __init__(self, scope: Construct, id: str, *, log_group: CloudwatchLogGroup, namespace: str, prefix: str, topic_arn: str) -> None:
        super().__init__(scope, id)
        for control in CONTROLS:
            metric = naming.cis_metric(prefix, control.name)
            CloudwatchLogMetricFilter(
                self,
                f"filter-{control.name}",
                name=metric,
                log_group_name=log_group.name,
                pattern=control.pattern,
                metric_transformation=CloudwatchLogMetricFilterMetricTransformation(name=metric, namespace=namespace, value="1"),
            )
            CloudwatchMetricAlarm(
                self,
                f"alarm-{control.name}",
                alarm_name=metric,
                namespace=namespace,
                metric_name=metric,
                statistic="Sum",
                period=ALARM_PERIOD_SECONDS,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=[topic_arn],
                alarm_description=f"CIS AWS Foundations {control.number}: {control.description}",
            )
