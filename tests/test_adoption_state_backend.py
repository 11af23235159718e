"""adoption/state_backend.py: a state bucket and lock table with lz's names that exist before
the account's tf-backend stack first runs (moto in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from landing_zone.adoption import state_backend
from landing_zone.adoption.model import ADOPTED_TAG
from landing_zone.config import load_project
from landing_zone.config.model import Project
from tests.test_adoption_reads import FIXTURE, MANAGED


@pytest.fixture
def clients() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1"), boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def project() -> Project:
    return load_project(FIXTURE)[0]


def _table(dynamodb: Any, name: str, tags: list[dict[str, str]]) -> None:
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        **({"Tags": tags} if tags else {}),
    )


def test_an_existing_bucket_and_table_are_adopted(clients: tuple[Any, Any], project: Project) -> None:
    s3, dynamodb = clients
    name = f"{project.short_name}-security-terraform-backend"
    assert state_backend.read(project, "security", s3, dynamodb) == {}  # neither exists: lz creates them
    s3.create_bucket(Bucket=name)
    _table(dynamodb, name, [])
    s3.create_bucket(Bucket="our-terraform-state")  # another name: not lz's business
    assert state_backend.read(project, "security", s3, dynamodb) == {"security/bucket": name, "security/lock-table": name}
    assert state_backend.read(project, "shared", s3, dynamodb) == {}


def test_lz_s_own_are_not_adopted_and_adopted_ones_stay_adopted(clients: tuple[Any, Any], project: Project) -> None:
    s3, dynamodb = clients
    name = f"{project.short_name}-security-terraform-backend"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": MANAGED})
    _table(dynamodb, name, [*MANAGED, {"Key": ADOPTED_TAG, "Value": "true"}])
    assert state_backend.read(project, "security", s3, dynamodb) == {"security/lock-table": name}
