"""IAM users that exist already in an account (read-only), matched by lz's names.

A user project.yaml names (`accounts.<account>.groups[].users`) that exists is adopted unless
lz made it (ManagedBy without ADOPTED_TAG, as organizations.py): the user keeps its id, access
keys and MFA devices (lz manages neither). Its console password stays too: an existing login
profile is imported, never recreated, though its password is not lz's to show (import cannot
recover `encrypted_password`; `lz passwords show` says so).

The account alias (lz's name) and the password policy have no tags: one that exists is adopted
unless the account's identities state holds it as lz's own (in state, not in its
naming.ADOPTED_OUTPUT); the output of what was adopted keeps it adopted on later runs.
"""

from __future__ import annotations

from typing import Any

from landing_zone import naming
from landing_zone.adoption.model import ADOPTED_TAG, MANAGED_BY
from landing_zone.config.model import Project


def users_of(project: Project, account: str) -> list[str]:
    """The IAM users lz makes in `account` (as stacks/identities.py does)."""
    settings = project.accounts.get(account)
    return sorted({u for g in settings.groups for u in g.users}) if settings else []


def read(project: Project, account: str, iam: Any) -> tuple[dict[str, str], dict[str, str]]:
    """`iam`: a client in `account` with its identities stack's credentials. Returns the adopted
    users and login profiles, each "<account>/<user>" → import id (the user name)."""
    users: dict[str, str] = {}
    logins: dict[str, str] = {}
    for name in users_of(project, account):
        try:
            tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name).get("Tags", [])}
        except iam.exceptions.NoSuchEntityException:
            continue  # lz creates it
        if tags.get(MANAGED_BY[0]) == MANAGED_BY[1] and ADOPTED_TAG not in tags:
            continue  # lz made it: in its state already
        users[f"{account}/{name}"] = name
        try:
            iam.get_login_profile(UserName=name)
        except iam.exceptions.NoSuchEntityException:
            continue  # no console password yet: lz creates one, encrypted to the user's key
        logins[f"{account}/{name}"] = name
    return users, logins


PASSWORD_POLICY_ID = "iam-account-password-policy"  # the provider's import id: one per account


def account_objects(project: Project, account: str, iam: Any, state: dict[str, Any] | None) -> dict[str, str]:
    """The alias and password policy to adopt in `account`: "<account>/alias" | "<account>/password-policy" → import id.
    `state`: the account's identities state (None: not deployed yet)."""
    state = state or {}
    mine = {r.get("type") for r in state.get("resources", []) if r.get("mode") == "managed" and r.get("instances")}
    recorded = set(state.get("outputs", {}).get(naming.ADOPTED_OUTPUT, {}).get("value") or [])
    found: dict[str, str] = {}
    alias = naming.account_alias(project.project_name, account)
    if alias in iam.list_account_aliases().get("AccountAliases", []) and ("aws_iam_account_alias" not in mine or "alias" in recorded):
        found[f"{account}/alias"] = alias
    try:
        iam.get_account_password_policy()
    except iam.exceptions.NoSuchEntityException:
        return found
    if "aws_iam_account_password_policy" not in mine or "password-policy" in recorded:
        found[f"{account}/password-policy"] = PASSWORD_POLICY_ID
    return found
