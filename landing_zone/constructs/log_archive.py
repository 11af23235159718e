"""The log archive: the bucket the organization trail (and AWS Config) deliver into, in the
security account, and the bucket its server access logs go to.

Both: versioned, every public-access flag, ACLs off, TLS-only. The archive: deliveries only
from the organization trail (and Config of the organization's accounts), no object or version
deleted by anyone (the lifecycle rule is S3 itself, which no bucket policy stops), objects to
Glacier after `glacier_days` and gone after `retention_days`. The objects are encrypted with
the trail's KMS key by CloudTrail itself; the bucket default (SSE-S3) covers Config's.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from landing_zone.constructs.policy import Statement, deny_insecure_transport, document
from landing_zone.constructs.private_bucket import block_public_access

ACCESS_LOG_PREFIX = "access-logs/"
ABORT_MULTIPART_DAYS = 7
# An overwritten (or expired) version stays this long: an overwrite stays visible to an investigation.
NONCURRENT_DAYS = 90
GLACIER = "GLACIER"  # S3 Glacier Flexible Retrieval
# What nobody may do to a log object (CloudTrail never overwrites or deletes one).
LOG_DELETIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")


@dataclass(frozen=True)
class Retention:
    glacier_days: int
    retention_days: int


def _lifecycle(protect: bool) -> TerraformResourceLifecycle | None:
    return TerraformResourceLifecycle(prevent_destroy=True) if protect else None


def trail_delivery(bucket: str, trail_arn: str) -> list[Statement]:
    """CloudTrail checks the bucket's ACL, then writes under AWSLogs/ (the management account's
    and the organization's prefixes), for this one trail only."""
    only_this_trail = {"aws:SourceArn": trail_arn}
    return [
        {
            "Sid": "CloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": {"StringEquals": only_this_trail},
        },
        {
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/*",
            "Condition": {"StringEquals": {**only_this_trail, "s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    ]


def config_delivery(bucket: str, account_ids: list[str]) -> list[Statement]:
    """AWS Config of the organization's accounts checks the bucket and writes its snapshots, each
    account under its own AWSLogs/<id>/Config/ only."""
    accounts = {"aws:SourceAccount": sorted(account_ids)}
    own_prefixes = [f"arn:aws:s3:::{bucket}/AWSLogs/{i}/Config/*" for i in sorted(account_ids)]
    return [
        {
            "Sid": "ConfigBucketCheck",
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": {"StringEquals": accounts},
        },
        {
            "Sid": "ConfigWrite",
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": own_prefixes,
            "Condition": {"StringEquals": {**accounts, "s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    ]


def deny_log_deletion(bucket: str) -> Statement:
    return {"Sid": "DenyLogDeletion", "Effect": "Deny", "Principal": "*", "Action": list(LOG_DELETIONS), "Resource": f"arn:aws:s3:::{bucket}/*"}


class LogArchive(Construct):
    """Bucket `name` (the archive) and `access_log_bucket` (its server access logs).

    deliveries: the statements that let services write into the archive (trail_delivery,
    config_delivery). protect: prevent_destroy on both buckets (off only for `lz down`).
    """

    def __init__(
        self, scope: Construct, id: str, *, name: str, access_log_bucket: str, retention: Retention, deliveries: list[Statement], protect: bool = True
    ) -> None:
        super().__init__(scope, id)
        self.name, self.protect = name, protect
        # force_destroy: `lz down` (protect off) removes the logs with the bucket; prevent_destroy guards it otherwise.
        self.logs_bucket = S3Bucket(self, "access-logs", bucket=access_log_bucket, force_destroy=True, lifecycle=_lifecycle(protect))
        access_delivery: Statement = {
            "Sid": "S3ServerAccessLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{access_log_bucket}/{ACCESS_LOG_PREFIX}*",
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{name}"}},
        }
        self.logs_policy = self._harden(self.logs_bucket, "access-logs-", access_log_bucket, [access_delivery])
        self._expire(self.logs_bucket, "access-logs-lifecycle", retention, archive=False)

        self.bucket = S3Bucket(self, "bucket", bucket=name, force_destroy=True, lifecycle=_lifecycle(protect))
        # Deliveries first, the denials after (the emulator's log-delivery check reads them in order).
        self.policy = self._harden(self.bucket, "", name, [*deliveries, deny_log_deletion(name)])
        self.lifecycle = self._expire(self.bucket, "lifecycle", retention, archive=True)
        self.logging = S3BucketLoggingA(
            self,
            "access-logging",
            bucket=self.bucket.id,
            target_bucket=self.logs_bucket.id,
            target_prefix=ACCESS_LOG_PREFIX,
            depends_on=[self.logs_policy],  # S3 checks the log bucket grants delivery first
        )

    def _harden(self, bucket: S3Bucket, prefix: str, name: str, extra: list[Statement]) -> S3BucketPolicy:
        """Versioning, SSE-S3 by default (what S3 log delivery writes to), every public-access
        flag, ACLs off, TLS-only policy (+ `extra`)."""
        S3BucketVersioningA(
            self,
            f"{prefix}versioning",
            bucket=bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            f"{prefix}encryption",
            bucket=bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(sse_algorithm="AES256")
                    )
                )
            ],
        )
        public_access_block = block_public_access(self, prefix, bucket.id)
        return S3BucketPolicy(
            self,
            f"{prefix}policy",
            bucket=bucket.id,
            policy=document(*extra, deny_insecure_transport(f"arn:aws:s3:::{name}")),
            depends_on=[public_access_block],  # S3 rejects policy writes racing the public-access block
        )

    def _expire(self, bucket: S3Bucket, id: str, retention: Retention, *, archive: bool) -> S3BucketLifecycleConfiguration:
        """The archive: Glacier after glacier_days, deleted after retention_days; its access logs
        are deleted after retention_days too (read rarely, kept as long as what they watch)."""
        return S3BucketLifecycleConfiguration(
            self,
            id,
            bucket=bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="archive-then-expire" if archive else "expire",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter()],
                    transition=[S3BucketLifecycleConfigurationRuleTransition(days=retention.glacier_days, storage_class=GLACIER)] if archive else None,
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=retention.retention_days)],
                    noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=NONCURRENT_DAYS)],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=ABORT_MULTIPART_DAYS)
                    ],
                )
            ],
        )
