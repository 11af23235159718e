"""CloudTrail for the whole organization: one trail from the management account, every region,
global service events, log file validation, encrypted with a customer-managed key, delivering
into the log archive; and the security account as CloudTrail's delegated administrator.

An organization trail is created in every member account as a trail they can see but not
change or stop (AWS enforces it; the ProtectAuditTrail SCP adds the same for any trail of
their own). The key lives with the trail in the management account: a CreateTrail checks the
key policy grants CloudTrail, which a cross-account key would need a lookup at plan time for.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudtrail import Cloudtrail
from cdktf_cdktf_provider_aws.cloudtrail_organization_delegated_admin_account import (
    CloudtrailOrganizationDelegatedAdminAccount,
)
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from landing_zone import naming
from landing_zone.constructs.policy import Statement, document
from landing_zone.constructs.trail_monitoring import TrailLogGroup, logs_key_statement

KEY_DELETION_WINDOW_DAYS = 30
# CloudTrail names the trail in the encryption context of every log file it encrypts.
TRAIL_CONTEXT = "kms:EncryptionContext:aws:cloudtrail:arn"


def key_policy(*, management_id: str, archive_id: str, trail_arn: str) -> list[Statement]:
    """The trail key's policy: the management account's IAM policies decide its own use;
    CloudTrail encrypts for this trail only; the archive account decrypts the logs."""
    trails = f"arn:aws:cloudtrail:*:{management_id}:trail/*"
    return [
        {"Sid": "AccountIamPolicies", "Effect": "Allow", "Principal": {"AWS": naming.root_arn(management_id)}, "Action": "kms:*", "Resource": "*"},
        {
            "Sid": "CloudTrailEncrypts",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}, "StringLike": {TRAIL_CONTEXT: trails}},
        },
        {
            "Sid": "CloudTrailDescribesKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        },
        # Whom the archive account's own IAM policies allow (its admins, auditors) reads the logs.
        {
            "Sid": "ArchiveAccountDecryptsLogs",
            "Effect": "Allow",
            "Principal": {"AWS": naming.root_arn(archive_id)},
            "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": archive_id}, "StringLike": {TRAIL_CONTEXT: trails}},
        },
    ]


class OrganizationTrail(Construct):
    """The trail `name` into `bucket` (in the archive account) and the log group `log_group`
    (retention_days, written through the role `logs_role`), and its key `key_alias`.

    protect: prevent_destroy on the trail and its key (off only for `lz down`). depends_on: the
    archive's bucket policy when it is in the same stack (CreateTrail checks it)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        bucket: str,
        key_alias: str,
        region: str,
        management_id: str,
        archive_id: str,
        log_group: str,
        logs_role: str,
        retention_days: int,
        protect: bool = True,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id)
        lifecycle = TerraformResourceLifecycle(prevent_destroy=True) if protect else None
        self.arn = naming.trail_arn(region, management_id, name)
        self.key = KmsKey(
            self,
            "key",
            description=f"Organization trail {name}",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            policy=document(
                *key_policy(management_id=management_id, archive_id=archive_id, trail_arn=self.arn),
                logs_key_statement(region=region, account_id=management_id, log_group=log_group),
            ),
            lifecycle=lifecycle,
        )
        KmsAlias(self, "key-alias", name=key_alias, target_key_id=self.key.key_id)
        self.logs = TrailLogGroup(
            self, "logs", name=log_group, role_name=logs_role, key_arn=self.key.arn, trail_arn=self.arn, retention_days=retention_days, protect=protect
        )
        self.trail = Cloudtrail(
            self,
            "trail",
            name=name,
            s3_bucket_name=bucket,
            is_organization_trail=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=self.key.arn,
            # CloudTrail wants the group's ARN with its stream wildcard.
            cloud_watch_logs_group_arn=f"{self.logs.group.arn}:*",
            cloud_watch_logs_role_arn=self.logs.role.arn,
            lifecycle=lifecycle,
            depends_on=[*depends_on, *self.logs.dependables],
        )


class TrailDelegatedAdministrator(Construct):
    """`account_id` administers the organization's trails (CloudTrail's own API registers it with
    Organizations too: the generic delegated-administrator resource is not enough for CloudTrail)."""

    def __init__(self, scope: Construct, id: str, *, account_id: str) -> None:
        super().__init__(scope, id)
        self.admin = CloudtrailOrganizationDelegatedAdminAccount(self, "admin", account_id=account_id)
