"""The one registry of names: stacks, state objects, buckets, roles, profiles.

Everything that two rooms must agree on is computed here from config values, so
stacks find each other by well-known names instead of cross-stack references.
"""

from __future__ import annotations

MANAGEMENT = "management"
OAAR_ROLE = "OrganizationAccountAccessRole"


def stack_id(account: str, layer: str) -> str:
    return f"{account}-{layer}"


def state_bucket(short_name: str, account: str) -> str:
    return f"{short_name}-{account}-terraform-backend"


def lock_table(short_name: str, account: str) -> str:
    # The reference names the lock table like the bucket.
    return state_bucket(short_name, account)


def state_key(account: str, layer: str) -> str:
    return f"{account}/{layer}/terraform.tfstate"


def org_account_name(project_name: str, account: str) -> str:
    return f"{project_name}-{account}"


def account_alias(project_name: str, account: str) -> str:
    return org_account_name(project_name, account)


def role_arn(account_id: str, role: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{role}"


def profile(short_name: str, *parts: str) -> str:
    """AWS CLI profile names: `<short>-bootstrap`, `<short>-<acct>-oaar`, …"""
    return "-".join((short_name, *parts))
