"""Terraform state storage: a hardened S3 bucket and a DynamoDB lock table.

Always: versioning (every state version kept), encryption, all four public-access-block
flags, ACLs off, a TLS-only bucket policy, and a lock table with point-in-time recovery
and encryption. Opt-in (project.yaml `state_backend`): a customer-managed KMS key for the
bucket and the table, and S3 server access logs into a `<bucket>-logs` bucket. On by default
(`state_backend.replication`, as the reference): every state version replicated to a
`<bucket>-replica` bucket in the secondary region with the same hardening.

`protect` sets `prevent_destroy` on what holds state (bucket, table, key, logs): only
`lz down` synthesizes with it off (Settings.allow_destroy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cdktf import TerraformProvider, TerraformResource, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
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

from landing_zone.constructs import adoption
from landing_zone.constructs.organization import ADOPTED_TAGS as _ADOPTED_TAGS
from landing_zone.constructs.policy import Statement, deny_insecure_transport, document
from landing_zone.constructs.private_bucket import block_public_access

ACCESS_LOG_DAYS = 365
ACCESS_LOG_PREFIX = "access-logs/"
ABORT_MULTIPART_DAYS = 7
KMS_DELETION_WINDOW_DAYS = 30


def kms_alias(bucket: str) -> str:
    """Alias of the state key: the S3 backend of every stack of the account names it."""
    return f"alias/{bucket}"


def log_bucket(bucket: str) -> str:
    return f"{bucket}-logs"


@dataclass(frozen=True)
class Replica:
    """Where state is replicated: a bucket and the role S3 replicates with, in `provider`'s region."""

    bucket: str
    role: str
    provider: TerraformProvider


def _lifecycle(protect: bool) -> TerraformResourceLifecycle | None:
    return TerraformResourceLifecycle(prevent_destroy=True) if protect else None


class StateBackend(Construct):
    """Bucket `name` and lock table `name` (hash key LockID), with what the module docstring lists.

    account_id: the account's id (the KMS key policy delegates to its IAM policies).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        account_id: str,
        kms: bool = False,
        access_logging: bool = False,
        protect: bool = True,
        replica: Replica | None = None,
        adopted: Mapping[str, str] = MappingProxyType({}),
    ) -> None:
        """adopted: "bucket" | "lock-table" → import id of those that exist already (adoption/state_backend.py)."""
        super().__init__(scope, id)
        self.account_id, self.protect = account_id, protect
        self.key = self._key("key", name, f"Terraform state in {name} (bucket and lock table)", None) if kms else None
        key_arn = self.key.arn if self.key else None

        self.bucket = S3Bucket(self, "bucket", bucket=name, lifecycle=_lifecycle(protect), tags=_ADOPTED_TAGS if "bucket" in adopted else None)
        # No lifecycle rule: every state version is kept (a few KB each), the way back from a bad
        # apply and a record of every change; terraform never leaves multipart uploads behind.
        self.versioning, self.policy = self._harden(self.bucket, "", name, key_arn=key_arn)
        self.log_bucket: S3Bucket | None = None
        if access_logging:
            self._access_logs(name, protect)

        self.replica_bucket: S3Bucket | None = None
        if replica:
            self._replicate(name, replica, kms)

        self.lock_table = DynamodbTable(
            self,
            "lock-table",
            name=name,
            billing_mode="PAY_PER_REQUEST",
            hash_key="LockID",
            attribute=[DynamodbTableAttribute(name="LockID", type="S")],
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True, kms_key_arn=key_arn),
            lifecycle=_lifecycle(protect),
            tags=_ADOPTED_TAGS if "lock-table" in adopted else None,
        )
        for what, resource in (("bucket", self.bucket), ("lock-table", self.lock_table)):
            if what in adopted:
                resource.import_from(adopted[what])
        if adopted:
            # Made elsewhere, and maybe holding others' state: `lz down` leaves the bucket and table,
            # and with them what lz set on them or made for them (the KMS key their objects are
            # encrypted with, the versioning, the policy, the replica and log buckets).
            adoption.release_on_destroy(*(c for c in self.node.find_all() if isinstance(c, TerraformResource)))

    def _key(self, id: str, name: str, description: str, provider: TerraformProvider | None) -> KmsKey:
        key = KmsKey(
            self,
            id,
            provider=provider,
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=KMS_DELETION_WINDOW_DAYS,
            # The default key policy, written out: the account's IAM policies decide who may use it.
            policy=document(
                {
                    "Sid": "AccountIamPolicies",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{self.account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
            lifecycle=_lifecycle(self.protect),
        )
        KmsAlias(self, f"{id}-alias", provider=provider, name=kms_alias(name), target_key_id=key.key_id)
        return key

    def _replicate(self, name: str, replica: Replica, kms: bool) -> None:
        """`replica.bucket` in the replica's region, hardened like the state bucket, and S3
        replication of every object version and delete marker into it through `replica.role`."""
        where = replica.provider
        replica_key = self._key("replica-key", replica.bucket, f"Terraform state replica in {replica.bucket}", where) if kms else None
        # force_destroy: `lz down` (protect off) removes replicated versions with it; prevent_destroy guards it.
        self.replica_bucket = S3Bucket(self, "replica-bucket", provider=where, bucket=replica.bucket, force_destroy=True, lifecycle=_lifecycle(self.protect))
        replica_versioning, _ = self._harden(self.replica_bucket, "replica-", replica.bucket, key_arn=replica_key.arn if replica_key else None, provider=where)
        source, target = f"arn:aws:s3:::{name}", f"arn:aws:s3:::{replica.bucket}"
        statements: list[Statement] = [
            {"Sid": "ReadSource", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": source},
            {
                "Sid": "ReadSourceVersions",
                "Effect": "Allow",
                "Resource": f"{source}/*",
                "Action": ["s3:GetObjectVersionAcl", "s3:GetObjectVersionForReplication", "s3:GetObjectVersionTagging"],
            },
            {
                "Sid": "WriteReplica",
                "Effect": "Allow",
                "Resource": f"{target}/*",
                "Action": ["s3:ObjectOwnerOverrideToBucketOwner", "s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"],
            },
        ]
        if self.key and replica_key:
            statements += [
                {"Sid": "DecryptSource", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": self.key.arn},
                {"Sid": "EncryptReplica", "Effect": "Allow", "Action": "kms:Encrypt", "Resource": replica_key.arn},
            ]
        self.replication_role = IamRole(
            self,
            "replication-role",
            name=replica.role,
            description=f"S3 replication of {name} into {replica.bucket}",
            assume_role_policy=document(
                {
                    "Sid": "S3Replication",
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": self.account_id}},
                }
            ),
        )
        IamRolePolicy(self, "replication-policy", name="replicate-state", role=self.replication_role.name, policy=document(*statements))
        # KMS-encrypted state replicates only when the rule opts in and names the replica's key.
        kms_objects = S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
            sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(status="Enabled")
        )
        S3BucketReplicationConfigurationA(
            self,
            "replication",
            bucket=self.bucket.id,
            role=self.replication_role.arn,
            rule=[
                S3BucketReplicationConfigurationRule(
                    id="state",
                    status="Enabled",
                    filter=S3BucketReplicationConfigurationRuleFilter(),
                    delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(status="Enabled"),
                    destination=S3BucketReplicationConfigurationRuleDestination(
                        bucket=self.replica_bucket.arn,
                        storage_class="STANDARD",
                        encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(replica_kms_key_id=replica_key.arn)
                        if replica_key
                        else None,
                    ),
                    source_selection_criteria=kms_objects if replica_key else None,
                )
            ],
            # S3 refuses replication unless both buckets are versioned.
            depends_on=[self.versioning, replica_versioning],
        )

    def _harden(
        self,
        bucket: S3Bucket,
        prefix: str,
        name: str,
        *,
        key_arn: str | None,
        extra: tuple[Statement, ...] = (),
        provider: TerraformProvider | None = None,
    ) -> tuple[S3BucketVersioningA, S3BucketPolicy]:
        """Versioning, default encryption, public-access block, ACLs off, TLS-only policy (+ `extra`)."""
        versioning = S3BucketVersioningA(
            self,
            f"{prefix}versioning",
            provider=provider,
            bucket=bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            f"{prefix}encryption",
            provider=provider,
            bucket=bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms" if key_arn else "AES256",
                            kms_master_key_id=key_arn,
                        )
                    ),
                    bucket_key_enabled=bool(key_arn) or None,
                )
            ],
        )
        public_access_block = block_public_access(self, prefix, bucket.id, provider)
        policy = S3BucketPolicy(
            self,
            f"{prefix}tls-only",
            provider=provider,
            bucket=bucket.id,
            # `extra` first: the emulator's log-delivery check (moto) fails on a "*" principal before it.
            policy=document(*extra, deny_insecure_transport(f"arn:aws:s3:::{name}")),
            # S3 rejects policy writes racing the public-access block.
            depends_on=[public_access_block],
        )
        return versioning, policy

    def _access_logs(self, name: str, protect: bool) -> None:
        """Server access logs of the state bucket into `<name>-logs` (SSE-S3: the only encryption
        S3 log delivery writes to), delivered by the logging service for this bucket only."""
        logs = log_bucket(name)
        # force_destroy: `lz down` (protect off) removes the logs with the bucket; prevent_destroy
        # guards it otherwise.
        self.log_bucket = S3Bucket(self, "logs-bucket", bucket=logs, force_destroy=True, lifecycle=_lifecycle(protect))
        delivery: Statement = {
            "Sid": "S3ServerAccessLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": ["s3:PutObject"],
            "Resource": f"arn:aws:s3:::{logs}/{ACCESS_LOG_PREFIX}*",
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{name}"}},
        }
        _, delivery_policy = self._harden(self.log_bucket, "logs-", logs, key_arn=None, extra=(delivery,))
        S3BucketLifecycleConfiguration(
            self,
            "logs-lifecycle",
            bucket=self.log_bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter()],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=ACCESS_LOG_DAYS)],
                    noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=30)],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=ABORT_MULTIPART_DAYS)
                    ],
                )
            ],
        )
        S3BucketLoggingA(
            self,
            "access-logging",
            bucket=self.bucket.id,
            target_bucket=self.log_bucket.id,
            target_prefix=ACCESS_LOG_PREFIX,
            depends_on=[delivery_policy],  # S3 checks the log bucket grants delivery first
        )
