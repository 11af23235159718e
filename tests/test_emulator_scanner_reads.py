"""Emulator answers Prowler's CIS scan reads (landing_zone/emulator/scanner_reads.py)."""

from __future__ import annotations

from landing_zone.emulator.server import EmulatorInfo
from tests.emulator_harness import client

ACCOUNT = "216666666666"


def test_describe_key_always_says_whether_the_key_is_multi_region(emulator: EmulatorInfo) -> None:
    kms = client("kms", emulator.endpoint, ACCOUNT)
    single = kms.create_key(Description="no MultiRegion parameter, as terraform sends it")["KeyMetadata"]["KeyId"]
    multi = kms.create_key(Description="multi", MultiRegion=True)["KeyMetadata"]["KeyId"]
    assert kms.describe_key(KeyId=single)["KeyMetadata"]["MultiRegion"] is False
    assert kms.describe_key(KeyId=multi)["KeyMetadata"]["MultiRegion"] is True


def test_service_default_keys_are_aws_managed(emulator: EmulatorInfo) -> None:
    """DynamoDB's default key (made by moto for an SSE table) is AWS managed; a customer's key stays CUSTOMER."""
    ddb = client("dynamodb", emulator.endpoint, ACCOUNT)
    ddb.create_table(
        TableName="locks",
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True},
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
    )
    kms = client("kms", emulator.endpoint, ACCOUNT)
    mine = kms.create_key(Description="customer")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/mine", TargetKeyId=mine)
    # (moto lists other alias/aws/* aliases whose keys do not exist: only these two are read)
    managers = {
        a["AliasName"]: kms.describe_key(KeyId=a["TargetKeyId"])["KeyMetadata"]["KeyManager"]
        for a in kms.list_aliases()["Aliases"]
        if a["AliasName"] in ("alias/aws/dynamodb", "alias/mine")
    }
    assert managers["alias/aws/dynamodb"] == "AWS"
    assert managers["alias/mine"] == "CUSTOMER"
