"""Issue 15 on the emulator: the two moto gaps the alerts and the state replica hit (each patch in
landing_zone/emulator/handlers.py, via boto3), then the real stacks the session's `lz up` deployed: a root
sign-in event put on EventBridge reaches a subscriber, the replica is hardened. That a second plan of
these stacks is empty is the MFA journey's full `lz up --refresh` (test_integration_mfa_journey.py).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from landing_zone import naming
from landing_zone.constructs.alerts import ROOT_SIGN_IN_PATTERN
from landing_zone.emulator.server import EmulatorInfo
from tests.deployment import Deployment
from tests.emulator_harness import client

_account_ids: Iterator[int] = itertools.count(215000000001)
ROOT_SIGN_IN_EVENT = {
    "Source": "aws.signin",
    "DetailType": "AWS Console Sign In via CloudTrail",
    "Detail": json.dumps(
        {
            "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin",
            "userIdentity": {"type": "Root", "arn": "arn:aws:iam::123456789012:root"},
            "responseElements": {"ConsoleLogin": "Success"},
        }
    ),
}
USER_SIGN_IN_EVENT = {**ROOT_SIGN_IN_EVENT, "Detail": json.dumps({"userIdentity": {"type": "IAMUser"}})}


@pytest.fixture
def aws(emulator: EmulatorInfo) -> Any:
    account = f"{next(_account_ids):012d}"
    return lambda service, region="us-east-1": client(service, emulator.endpoint, account, region_name=region)


def _subscribed_queue(aws: Any, topic_arn: str, name: str) -> str:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return url


def _received(aws: Any, url: str) -> list[dict[str, Any]]:
    messages = aws("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


# --- the gaps, each failing on plain moto ---


def test_eventbridge_delivers_to_sns_targets(aws: Any) -> None:
    topic = aws("sns").create_topic(Name="alerts")["TopicArn"]
    url = _subscribed_queue(aws, topic, "inbox")
    events = aws("events")
    events.put_rule(Name="root", EventPattern=json.dumps(ROOT_SIGN_IN_PATTERN))
    events.put_targets(Rule="root", Targets=[{"Id": "sns", "Arn": topic}])
    events.put_events(Entries=[USER_SIGN_IN_EVENT])
    assert _received(aws, url) == []  # an IAM user's sign-in does not match
    events.put_events(Entries=[ROOT_SIGN_IN_EVENT])
    (got,) = _received(aws, url)
    assert got["detail-type"] == "AWS Console Sign In via CloudTrail" and got["detail"]["userIdentity"]["type"] == "Root"


def test_bucket_replication_reads_back_as_put(aws: Any) -> None:
    s3 = aws("s3")
    for name in ("src-bucket", "dst-bucket"):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    rule = {
        "ID": "state",
        "Priority": 0,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": "arn:aws:s3:::dst-bucket", "StorageClass": "STANDARD"},
    }
    s3.put_bucket_replication(Bucket="src-bucket", ReplicationConfiguration={"Role": "arn:aws:iam::1:role/r", "Rules": [rule]})
    (got,) = s3.get_bucket_replication(Bucket="src-bucket")["ReplicationConfiguration"]["Rules"]
    assert got["DeleteMarkerReplication"] == {"Status": "Enabled"} and got["Filter"] == {}


def test_organizations_trusts_every_service_the_layer_names(aws: Any) -> None:
    from landing_zone.constructs.organization import TRUSTED_SERVICES

    org = aws("organizations")
    org.create_organization(FeatureSet="ALL")
    for principal in TRUSTED_SERVICES:
        org.enable_aws_service_access(ServicePrincipal=principal)
    enabled = {s["ServicePrincipal"] for s in org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]}
    assert enabled == set(TRUSTED_SERVICES)


# --- the synthesized stacks, as the session deployment's `lz up` deployed them (read only) ---


@pytest.fixture
def deployed(deployment: Deployment) -> Deployment:
    return deployment


@pytest.mark.integration
def test_root_sign_in_reaches_a_subscriber(deployed: Deployment) -> None:
    short = deployed.project.short_name
    topic = f"arn:aws:sns:us-east-1:{deployed.project.management.id}:{naming.alerts_topic(short, naming.MANAGEMENT)}"
    sns = deployed.client("sns")  # the management account, primary region us-east-1 (the root project)
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    key = deployed.client("kms").describe_key(KeyId=attrs["KmsMasterKeyId"])["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"  # not alias/aws/sns: EventBridge could not publish
    policy = json.loads(deployed.client("kms").get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert any(s["Principal"] == {"Service": "events.amazonaws.com"} and "kms:GenerateDataKey*" in s["Action"] for s in policy["Statement"])
    # An SQS queue stands in for the email subscriber.
    sqs = deployed.client("sqs")
    url = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    events = deployed.client("events")
    events.put_events(Entries=[USER_SIGN_IN_EVENT])
    events.put_events(Entries=[ROOT_SIGN_IN_EVENT])
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    assert [b["detail"]["userIdentity"]["type"] for b in bodies] == ["Root"]


@pytest.mark.integration
def test_state_replica_is_hardened_and_replicated(deployed: Deployment) -> None:
    short = deployed.project.short_name
    source, replica = naming.state_bucket(short, naming.MANAGEMENT), naming.replica_bucket(short, naming.MANAGEMENT)
    s3 = deployed.client("s3")
    assert s3.get_bucket_location(Bucket=replica)["LocationConstraint"] == deployed.project.secondary_region
    assert s3.get_bucket_versioning(Bucket=replica)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=replica)["PublicAccessBlockConfiguration"]
    assert len(block) == 4 and all(block.values())
    assert s3.get_bucket_encryption(Bucket=replica)["ServerSideEncryptionConfiguration"]["Rules"]
    deny = json.loads(s3.get_bucket_policy(Bucket=replica)["Policy"])["Statement"][-1]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (rule,) = s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["Destination"]["Bucket"] == f"arn:aws:s3:::{replica}"
