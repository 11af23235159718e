"""AWS managed policy documents, offline: the copy moto ships (`moto.iam.aws_managed_policies`)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

# Organizations attaches this SCP to the root, every OU and every account unless removed;
# the landing zone keeps it, so only the denies of its own SCPs bite.
FULL_AWS_ACCESS = "FullAWSAccess"
FULL_AWS_ACCESS_DOCUMENT: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


class UnknownManagedPolicy(Exception):
    pass


@cache
def _catalogue() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return dict(json.loads(aws_managed_policies_data))


def document(arn: str) -> dict[str, Any]:
    """The document of `arn:aws:iam::aws:policy[/path]/Name`."""
    path, _, name = arn.removeprefix("arn:aws:iam::aws:policy").rpartition("/")
    entry = _catalogue().get(name)
    if entry is None or entry.get("Path", "/") != f"{path}/":
        raise UnknownManagedPolicy(f"AWS managed policy {arn} is not in moto's catalogue")
    return dict(entry["Document"])
