"""What every bucket the landing zone creates has: all four public-access flags and no ACLs."""

from __future__ import annotations

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls, S3BucketOwnershipControlsRule
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from constructs import Construct


def block_public_access(scope: Construct, prefix: str, bucket_id: str, provider: TerraformProvider | None = None) -> S3BucketPublicAccessBlock:
    """The public-access block (a bucket policy must depend on it: S3 rejects policy writes racing
    it) and BucketOwnerEnforced ownership, which turns ACLs off."""
    block = S3BucketPublicAccessBlock(
        scope,
        f"{prefix}public-access-block",
        provider=provider,
        bucket=bucket_id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    S3BucketOwnershipControls(
        scope, f"{prefix}ownership", provider=provider, bucket=bucket_id, rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced")
    )
    return block
