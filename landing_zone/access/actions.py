"""What applying or destroying each synthesized resource asks of AWS: IAM actions on which ARN.

The create actions stand for every apply (`lz up`, and the `require_mfa` transitions, which
update the same resources); the delete actions for `lz down`. Adopted resources are released
from state by `lz down`, so they ask for nothing then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from landing_zone.access.terraform import Json, ref

# (account id, region, body, resolved names of this stack) → resource ARN
ArnOf = Callable[[str, str, Json, dict[str, str]], str]


@dataclass(frozen=True)
class Calls:
    create: tuple[str, ...]
    delete: tuple[str, ...]
    arn: ArnOf


def _any(_a: str, _r: str, _b: Json, _n: dict[str, str]) -> str:
    return "*"


def _named(kind: str, attr: str, template: str) -> ArnOf:
    """ARN from the resource's own name attribute or from the resource it references."""

    def arn(account: str, region: str, body: Json, names: dict[str, str]) -> str:
        value = body.get(attr, "")
        name = names.get(f"{kind}.{ref(kind, value)}", value) if ref(kind, value) else value
        return template.format(account=account, region=region, name=name)

    return arn


def _oidc_provider(account: str, _r: str, body: Json, _n: dict[str, str]) -> str:
    # Named by its issuer's URL without the scheme.
    return f"arn:aws:iam::{account}:oidc-provider/{str(body.get('url', '')).removeprefix('https://')}"


_BUCKET = "arn:aws:s3:::{name}"
_ROLE = "arn:aws:iam::{account}:role/{name}"
_LOG_GROUP = "arn:aws:logs:{region}:{account}:log-group:{name}"
_USER = "arn:aws:iam::{account}:user/{name}"
_GROUP = "arn:aws:iam::{account}:group/{name}"

CALLS: dict[str, Calls] = {
    "aws_s3_bucket": Calls(("s3:CreateBucket", "s3:PutBucketTagging"), ("s3:DeleteBucket",), _named("aws_s3_bucket", "bucket", _BUCKET)),
    "aws_s3_bucket_versioning": Calls(("s3:PutBucketVersioning",), ("s3:PutBucketVersioning",), _named("aws_s3_bucket", "bucket", _BUCKET)),
    "aws_s3_bucket_server_side_encryption_configuration": Calls(
        ("s3:PutEncryptionConfiguration",), ("s3:PutEncryptionConfiguration",), _named("aws_s3_bucket", "bucket", _BUCKET)
    ),
    "aws_s3_bucket_public_access_block": Calls(
        ("s3:PutBucketPublicAccessBlock",), ("s3:PutBucketPublicAccessBlock",), _named("aws_s3_bucket", "bucket", _BUCKET)
    ),
    "aws_s3_bucket_ownership_controls": Calls(
        ("s3:PutBucketOwnershipControls",), ("s3:PutBucketOwnershipControls",), _named("aws_s3_bucket", "bucket", _BUCKET)
    ),
    "aws_s3_bucket_policy": Calls(("s3:PutBucketPolicy",), ("s3:DeleteBucketPolicy",), _named("aws_s3_bucket", "bucket", _BUCKET)),
    "aws_s3_bucket_logging": Calls(("s3:PutBucketLogging",), ("s3:PutBucketLogging",), _named("aws_s3_bucket", "bucket", _BUCKET)),
    "aws_s3_account_public_access_block": Calls(("s3:PutAccountPublicAccessBlock",), ("s3:PutAccountPublicAccessBlock",), _any),
    "aws_dynamodb_table": Calls(
        ("dynamodb:CreateTable", "dynamodb:UpdateContinuousBackups"),
        ("dynamodb:DeleteTable",),
        _named("aws_dynamodb_table", "name", "arn:aws:dynamodb:{region}:{account}:table/{name}"),
    ),
    "aws_kms_key": Calls(("kms:CreateKey",), ("kms:ScheduleKeyDeletion",), _any),
    "aws_kms_alias": Calls(("kms:CreateAlias",), ("kms:DeleteAlias",), _any),
    "aws_ebs_encryption_by_default": Calls(("ec2:EnableEbsEncryptionByDefault",), ("ec2:DisableEbsEncryptionByDefault",), _any),
    "aws_accessanalyzer_analyzer": Calls(
        ("access-analyzer:CreateAnalyzer",),
        ("access-analyzer:DeleteAnalyzer",),
        _named("aws_accessanalyzer_analyzer", "analyzer_name", "arn:aws:access-analyzer:{region}:{account}:analyzer/{name}"),
    ),
    "aws_cloudwatch_event_rule": Calls(
        ("events:PutRule",), ("events:DeleteRule",), _named("aws_cloudwatch_event_rule", "name", "arn:aws:events:{region}:{account}:rule/{name}")
    ),
    "aws_cloudwatch_event_target": Calls(
        ("events:PutTargets",), ("events:RemoveTargets",), _named("aws_cloudwatch_event_rule", "rule", "arn:aws:events:{region}:{account}:rule/{name}")
    ),
    "aws_sns_topic": Calls(("sns:CreateTopic",), ("sns:DeleteTopic",), _named("aws_sns_topic", "name", "arn:aws:sns:{region}:{account}:{name}")),
    "aws_sns_topic_policy": Calls(
        ("sns:SetTopicAttributes",), ("sns:SetTopicAttributes",), _named("aws_sns_topic", "arn", "arn:aws:sns:{region}:{account}:{name}")
    ),
    "aws_iam_account_alias": Calls(("iam:CreateAccountAlias",), ("iam:DeleteAccountAlias",), _any),
    "aws_iam_account_password_policy": Calls(("iam:UpdateAccountPasswordPolicy",), ("iam:DeleteAccountPasswordPolicy",), _any),
    "aws_iam_user": Calls(("iam:CreateUser", "iam:TagUser"), ("iam:DeleteUser",), _named("aws_iam_user", "name", _USER)),
    "aws_iam_user_login_profile": Calls(("iam:CreateLoginProfile",), ("iam:DeleteLoginProfile",), _named("aws_iam_user", "user", _USER)),
    "aws_iam_group": Calls(("iam:CreateGroup",), ("iam:DeleteGroup",), _named("aws_iam_group", "name", _GROUP)),
    "aws_iam_group_membership": Calls(("iam:AddUserToGroup",), ("iam:RemoveUserFromGroup",), _named("aws_iam_group", "group", _GROUP)),
    "aws_iam_group_policy": Calls(("iam:PutGroupPolicy",), ("iam:DeleteGroupPolicy",), _named("aws_iam_group", "group", _GROUP)),
    "aws_iam_group_policy_attachment": Calls(("iam:AttachGroupPolicy",), ("iam:DetachGroupPolicy",), _named("aws_iam_group", "group", _GROUP)),
    # An adopted role already exists: applying it updates its trust (and tags).
    "aws_iam_openid_connect_provider": Calls(
        ("iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"), ("iam:DeleteOpenIDConnectProvider",), _oidc_provider
    ),
    "aws_iam_role": Calls(("iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole"), ("iam:DeleteRole",), _named("aws_iam_role", "name", _ROLE)),
    "aws_iam_role_policy": Calls(("iam:PutRolePolicy",), ("iam:DeleteRolePolicy",), _named("aws_iam_role", "role", _ROLE)),
    "aws_s3_bucket_replication_configuration": Calls(
        ("s3:PutReplicationConfiguration", "iam:PassRole"), ("s3:PutReplicationConfiguration",), _named("aws_s3_bucket", "bucket", _BUCKET)
    ),
    "aws_sns_topic_subscription": Calls(
        ("sns:Subscribe",), ("sns:Unsubscribe",), _named("aws_sns_topic", "topic_arn", "arn:aws:sns:{region}:{account}:{name}")
    ),
    "aws_iam_policy": Calls(
        ("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion"),
        ("iam:DeletePolicy",),
        _named("aws_iam_policy", "name", "arn:aws:iam::{account}:policy/{name}"),
    ),
    "aws_iam_role_policy_attachment": Calls(("iam:AttachRolePolicy",), ("iam:DetachRolePolicy",), _named("aws_iam_role", "role", _ROLE)),
    "aws_organizations_organization": Calls(
        ("organizations:CreateOrganization", "organizations:EnablePolicyType", "organizations:EnableAWSServiceAccess"),
        ("organizations:DeleteOrganization",),
        _any,
    ),
    "aws_organizations_organizational_unit": Calls(("organizations:CreateOrganizationalUnit",), ("organizations:DeleteOrganizationalUnit",), _any),
    "aws_organizations_account": Calls(("organizations:CreateAccount", "organizations:MoveAccount"), ("organizations:RemoveAccountFromOrganization",), _any),
    "aws_organizations_policy": Calls(("organizations:CreatePolicy",), ("organizations:DeletePolicy",), _any),
    "aws_organizations_policy_attachment": Calls(("organizations:AttachPolicy",), ("organizations:DetachPolicy",), _any),
    "aws_organizations_delegated_administrator": Calls(
        ("organizations:RegisterDelegatedAdministrator",), ("organizations:DeregisterDelegatedAdministrator",), _any
    ),
    # The audit layer: the log archive, the organization trail, CloudTrail's delegated administrator.
    "aws_s3_bucket_lifecycle_configuration": Calls(
        ("s3:PutLifecycleConfiguration",), ("s3:PutLifecycleConfiguration",), _named("aws_s3_bucket", "bucket", _BUCKET)
    ),
    "aws_cloudtrail": Calls(
        ("cloudtrail:CreateTrail", "cloudtrail:StartLogging", "cloudtrail:AddTags", "iam:CreateServiceLinkedRole"),
        ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail"),
        _named("aws_cloudtrail", "name", "arn:aws:cloudtrail:{region}:{account}:trail/{name}"),
    ),
    # The trail's CloudWatch Logs group and the CIS 5.x metric filters and alarms on it.
    "aws_cloudwatch_log_group": Calls(
        ("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:TagResource"),
        ("logs:DeleteLogGroup",),
        _named("aws_cloudwatch_log_group", "name", _LOG_GROUP),
    ),
    "aws_cloudwatch_log_metric_filter": Calls(
        ("logs:PutMetricFilter",), ("logs:DeleteMetricFilter",), _named("aws_cloudwatch_log_group", "log_group_name", _LOG_GROUP)
    ),
    "aws_cloudwatch_metric_alarm": Calls(
        ("cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"),
        ("cloudwatch:DeleteAlarms",),
        _named("aws_cloudwatch_metric_alarm", "alarm_name", "arn:aws:cloudwatch:{region}:{account}:alarm:{name}"),
    ),
    "aws_cloudtrail_organization_delegated_admin_account": Calls(
        ("cloudtrail:RegisterOrganizationDelegatedAdmin", "organizations:RegisterDelegatedAdministrator"),
        ("cloudtrail:DeregisterOrganizationDelegatedAdmin", "organizations:DeregisterDelegatedAdministrator"),
        _any,
    ),
    "aws_identitystore_user": Calls(("identitystore:CreateUser",), ("identitystore:DeleteUser",), _any),
    "aws_identitystore_group": Calls(("identitystore:CreateGroup",), ("identitystore:DeleteGroup",), _any),
    "aws_identitystore_group_membership": Calls(("identitystore:CreateGroupMembership",), ("identitystore:DeleteGroupMembership",), _any),
    "aws_ssoadmin_permission_set": Calls(("sso:CreatePermissionSet",), ("sso:DeletePermissionSet",), _any),
    "aws_ssoadmin_managed_policy_attachment": Calls(("sso:AttachManagedPolicyToPermissionSet",), ("sso:DetachManagedPolicyFromPermissionSet",), _any),
    "aws_ssoadmin_permission_set_inline_policy": Calls(("sso:PutInlinePolicyToPermissionSet",), ("sso:DeleteInlinePolicyFromPermissionSet",), _any),
    "aws_ssoadmin_account_assignment": Calls(("sso:CreateAccountAssignment",), ("sso:DeleteAccountAssignment",), _any),
}


def names(stack: Json) -> dict[str, str]:
    """`type.name` → the resource's AWS name, for references like `${aws_s3_bucket.x.id}`."""
    attrs = {"aws_s3_bucket": "bucket", "aws_accessanalyzer_analyzer": "analyzer_name"}
    return {f"{kind}.{key}": str(body.get(attrs.get(kind, "name"), "")) for kind, items in (stack.get("resource") or {}).items() for key, body in items.items()}
