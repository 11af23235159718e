"""Account security baseline: EBS encryption, S3 public-access block, root sign-in alarm, analyzer."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.accessanalyzer_analyzer import AccessanalyzerAnalyzer
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.ebs_encryption_by_default import EbsEncryptionByDefault
from cdktf_cdktf_provider_aws.s3_account_public_access_block import S3AccountPublicAccessBlock
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from constructs import Construct

from landing_zone.constructs.policy import document

# CloudTrail delivers console sign-ins to EventBridge; a Root identity is the root user.
ROOT_SIGN_IN_PATTERN = {
    "detail-type": ["AWS Console Sign In via CloudTrail"],
    "detail": {"userIdentity": {"type": ["Root"]}},
}


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


class RootSignInAlarm(Construct):
    """EventBridge rule on root console sign-in → an SNS topic this construct creates.

    (The reference wires the rule to a topic it never creates.)
    """

    def __init__(self, scope: Construct, id: str, *, topic_name: str) -> None:
        super().__init__(scope, id)
        self.topic = SnsTopic(self, "topic", name=topic_name, kms_master_key_id="alias/aws/sns")
        SnsTopicPolicy(
            self,
            "topic-policy",
            arn=self.topic.arn,
            policy=document(
                {
                    "Sid": "AllowEventBridgePublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": self.topic.arn,
                }
            ),
        )
        rule = CloudwatchEventRule(
            self,
            "rule",
            name=f"{topic_name}-root-sign-in",
            description="Root user signed in to the console",
            event_pattern=json.dumps(ROOT_SIGN_IN_PATTERN, sort_keys=True),
        )
        CloudwatchEventTarget(self, "target", rule=rule.name, arn=self.topic.arn, target_id="sns")


class OrganizationAnalyzer(Construct):
    """An ORGANIZATION-wide IAM Access Analyzer (in the delegated administrator account)."""

    def __init__(self, scope: Construct, id: str, *, name: str) -> None:
        super().__init__(scope, id)
        self.analyzer = AccessanalyzerAnalyzer(self, "analyzer", analyzer_name=name, type="ORGANIZATION")
