"""An account's state bucket and lock table that exist before its tf-backend stack first runs
(read-only), matched by lz's names (naming.state_bucket, naming.lock_table).

Made elsewhere (by hand, by another tool, by a previous lz whose state was lost): adopted, so
the bootstrap imports them instead of failing on BucketAlreadyOwnedByYou / ResourceInUse. Told
from lz's own by their tags, as IAM users are (adoption/iam.py): lz's carry ManagedBy, adopted
ones ADOPTED_TAG too.
"""

from __future__ import annotations

from typing import Any

from landing_zone import naming
from landing_zone.adoption.model import ADOPTED_TAG, MANAGED_BY
from landing_zone.config.model import Project


def _adopted(tags: dict[str, str]) -> bool:
    return not (tags.get(MANAGED_BY[0]) == MANAGED_BY[1] and ADOPTED_TAG not in tags)


def read(project: Project, account: str, s3: Any, dynamodb: Any) -> dict[str, str]:
    """`s3`, `dynamodb`: clients in `account` (its primary region). Returns "<account>/bucket" |
    "<account>/lock-table" → import id (the name) of those to adopt."""
    from botocore.exceptions import ClientError

    found: dict[str, str] = {}
    bucket = naming.state_bucket(project.short_name, account)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "403"):
            raise
    else:
        try:
            tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])}
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchTagSet":
                raise
            tags = {}
        if _adopted(tags):
            found[f"{account}/bucket"] = bucket
    table = naming.lock_table(project.short_name, account)
    try:
        arn = dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
    except dynamodb.exceptions.ResourceNotFoundException:
        return found
    tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(ResourceArn=arn).get("Tags", [])}
    if _adopted(tags):
        found[f"{account}/lock-table"] = table
    return found
