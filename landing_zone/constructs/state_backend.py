"""Terraform state storage: a hardened S3 bucket and a DynamoDB lock table."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
)
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
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

from landing_zone.constructs.policy import deny_insecure_transport, document


class StateBackend(Construct):
    """Bucket `name` (versioned, encrypted, private, TLS-only) and lock table `name` (hash key LockID).

    kms_key_arn: encrypt state with this KMS key instead of S3-managed AES256.
    """

    def __init__(self, scope: Construct, id: str, *, name: str, kms_key_arn: str | None = None) -> None:
        super().__init__(scope, id)
        self.bucket = S3Bucket(self, "bucket", bucket=name)
        S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms" if kms_key_arn else "AES256",
                            kms_master_key_id=kms_key_arn,
                        )
                    ),
                    bucket_key_enabled=bool(kms_key_arn) or None,
                )
            ],
        )
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketPolicy(
            self,
            "tls-only",
            bucket=self.bucket.id,
            policy=document(deny_insecure_transport(f"arn:aws:s3:::{name}")),
            # S3 rejects policy writes racing the public-access block.
            depends_on=[self.public_access_block],
        )
        self.lock_table = DynamodbTable(
            self,
            "lock-table",
            name=name,
            billing_mode="PAY_PER_REQUEST",
            hash_key="LockID",
            attribute=[DynamodbTableAttribute(name="LockID", type="S")],
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True),
        )
