"""Account security baseline: EBS encryption, S3 public-access block, the Access Analyzers."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.accessanalyzer_analyzer import AccessanalyzerAnalyzer
from cdktf_cdktf_provider_aws.ebs_encryption_by_default import EbsEncryptionByDefault
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_account_public_access_block import S3AccountPublicAccessBlock
from constructs import Construct


class SecurityBaseline(Construct):
    """Default EBS encryption and the account-wide S3 public-access block (all four flags)."""

    def __init__(self, scope: Construct, id: str, *, account_id: str) -> None:
        super().__init__(scope, id)
        EbsEncryptionByDefault(self, "ebs-encryption", enabled=True)
        S3AccountPublicAccessBlock(
            self,
            "s3-public-access-block",
            account_id=account_id,  # the provider would otherwise look it up
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )


class OrganizationAnalyzer(Construct):
    """An ORGANIZATION-wide IAM Access Analyzer (in the delegated administrator account)."""

    def __init__(self, scope: Construct, id: str, *, name: str) -> None:
        super().__init__(scope, id)
        self.analyzer = AccessanalyzerAnalyzer(self, "analyzer", analyzer_name=name, type="ORGANIZATION")


class RegionalBaseline(Construct):
    """What CIS checks per region beyond the primary one's baseline: default EBS encryption
    (6.1.1) and an ACCOUNT analyzer (2.18), each in `provider`'s region.

    The organization analyzer covers the organization from the security account, but each
    account and region lists only its own analyzers, so CIS 2.18 fails without these.
    External-access analyzers cost nothing.
    """

    def __init__(self, scope: Construct, id: str, *, provider: AwsProvider, analyzer_name: str | None, ebs_encryption: bool) -> None:
        super().__init__(scope, id)
        if ebs_encryption:
            EbsEncryptionByDefault(self, "ebs-encryption", enabled=True, provider=provider)
        if analyzer_name:
            AccessanalyzerAnalyzer(self, "analyzer", analyzer_name=analyzer_name, type="ACCOUNT", provider=provider)
