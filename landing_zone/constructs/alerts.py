"""Security alerts that reach people: root console sign-in → EventBridge → an SNS topic under a
customer-managed key EventBridge may use → the project's email subscribers.

Root console sign-ins are delivered to EventBridge in us-east-1, so the stack places this
construct there (a provider alias). The AWS-managed SNS key would not do: its key policy
cannot grant EventBridge, so publishing to a topic under it fails silently.
"""

from __future__ import annotations

import json

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from landing_zone.constructs.policy import document

# CloudTrail delivers console sign-ins to EventBridge; a Root identity is the root user.
ROOT_SIGN_IN_PATTERN = {
    "detail-type": ["AWS Console Sign In via CloudTrail"],
    "detail": {"userIdentity": {"type": ["Root"]}},
}
KEY_DELETION_WINDOW_DAYS = 30


class RootSignInAlarm(Construct):
    """The rule, its topic and key, and one email subscription per address (each waits until
    its owner confirms the mail AWS sends)."""

    def __init__(
        self, scope: Construct, id: str, *, topic_name: str, key_alias: str, account_id: str, emails: list[str], provider: TerraformProvider | None = None
    ) -> None:
        super().__init__(scope, id)
        only_this_account = {"StringEquals": {"aws:SourceAccount": account_id}}
        self.key = KmsKey(
            self,
            "key",
            provider=provider,
            description=f"Security alerts topic {topic_name}",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            policy=document(
                {"Sid": "AccountIamPolicies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "kms:*", "Resource": "*"},
                # EventBridge encrypts what it publishes to the topic with this key.
                {
                    "Sid": "EventBridgePublishes",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": only_this_account,
                },
                # So do the account's CloudWatch alarms (the CIS 5.x alarms of the audit layer).
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": only_this_account,
                },
            ),
        )
        KmsAlias(self, "key-alias", provider=provider, name=key_alias, target_key_id=self.key.key_id)
        self.topic = SnsTopic(self, "topic", provider=provider, name=topic_name, kms_master_key_id=self.key.arn)
        self.rule = CloudwatchEventRule(
            self,
            "rule",
            provider=provider,
            name=f"{topic_name}-root-sign-in",
            description="Root user signed in to the console",
            event_pattern=json.dumps(ROOT_SIGN_IN_PATTERN, sort_keys=True),
        )
        SnsTopicPolicy(
            self,
            "topic-policy",
            provider=provider,
            arn=self.topic.arn,
            policy=document(
                {
                    "Sid": "AllowEventBridgePublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": self.topic.arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": self.rule.arn}},
                },
                {
                    "Sid": "AllowCloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": self.topic.arn,
                    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:*:{account_id}:alarm:*"}},
                },
            ),
        )
        CloudwatchEventTarget(self, "target", provider=provider, rule=self.rule.name, arn=self.topic.arn, target_id="sns")
        self.subscriptions = _subscribe(self, self.topic, emails, provider)


class AlarmTopic(Construct):
    """A topic for the account's CloudWatch alarms in a region that has no alerts topic (alarms
    notify topics of their own region only; RootSignInAlarm's lives in us-east-1), under a
    customer-managed key CloudWatch may use, with the same email subscribers."""

    def __init__(self, scope: Construct, id: str, *, topic_name: str, key_alias: str, account_id: str, emails: list[str]) -> None:
        super().__init__(scope, id)
        only_this_account = {"StringEquals": {"aws:SourceAccount": account_id}}
        self.key = KmsKey(
            self,
            "key",
            description=f"CloudWatch alarms topic {topic_name}",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            policy=document(
                {"Sid": "AccountIamPolicies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "kms:*", "Resource": "*"},
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": only_this_account,
                },
            ),
        )
        KmsAlias(self, "key-alias", name=key_alias, target_key_id=self.key.key_id)
        self.topic = SnsTopic(self, "topic", name=topic_name, kms_master_key_id=self.key.arn)
        SnsTopicPolicy(
            self,
            "topic-policy",
            arn=self.topic.arn,
            policy=document(
                {
                    "Sid": "AllowCloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": self.topic.arn,
                    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:*:{account_id}:alarm:*"}},
                }
            ),
        )
        self.subscriptions = _subscribe(self, self.topic, emails)


def _subscribe(scope: Construct, topic: SnsTopic, emails: list[str], provider: TerraformProvider | None = None) -> list[SnsTopicSubscription]:
    return [SnsTopicSubscription(scope, f"email-{email.lower()}", provider=provider, topic_arn=topic.arn, protocol="email", endpoint=email) for email in emails]
