"""IAM users that exist already in an account (read-only), matched by lz's names.

A user project.yaml names (`accounts.<account>.groups[].users`) that exists is adopted unless
lz made it (ManagedBy without ADOPTED_TAG, as organizations.py): the user keeps its id, access
keys and MFA devices (lz manages neither). Its console password stays too: an existing login
profile is imported, never recreated, though its password is not lz's to show (import cannot
recover `encrypted_password`; `lz passwords show` says so).

IAM groups (project.yaml's names) and roles (landing_zone/roles.py's) that exist are adopted
the same way: roles by their tags as users, groups (IAM groups take no tags) by the state as
below. Their existing policy attachments and inline policies are imported with them.

The account alias (lz's name) and the password policy have no tags: one that exists is adopted
unless the account's identities state holds it as lz's own (in state, not in its
naming.ADOPTED_OUTPUT); the output of what was adopted keeps it adopted on later runs.
"""

from __future__ import annotations

from typing import Any

from landing_zone import naming
from landing_zone.adoption.model import ADOPTED_TAG, MANAGED_BY
from landing_zone.config.model import Project
from landing_zone.roles import roles_in


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


def roles_of(account: str) -> list[str]:
    """The IAM roles lz makes in `account` that may exist already (a member's OAAR is always
    adopted by the identities stack: Organizations made it with the account)."""
    return [spec.name for spec in roles_in(account) if not (spec.name == naming.OAAR_ROLE and account != naming.MANAGEMENT)]


def principals(project: Project, account: str, iam: Any, state: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The IAM groups and roles to adopt in `account`, each "<account>/<name>" → import id (the
    name), and their existing policies: "<account>/<group|role>/<name>/<policy arn | inline
    name>" → import id. `state`: the account's identities state (None: not deployed yet)."""
    state = state or {}
    own_groups = {
        str(i.get("attributes", {}).get("name"))
        for r in state.get("resources", [])
        if r.get("mode") == "managed" and r.get("type") == "aws_iam_group"
        for i in r.get("instances", [])
    }
    recorded = set(state.get("outputs", {}).get(naming.ADOPTED_OUTPUT, {}).get("value") or [])
    settings = project.accounts.get(account)
    groups: dict[str, str] = {}
    roles: dict[str, str] = {}
    policies: dict[str, str] = {}
    for name in sorted({g.name for g in settings.groups} if settings else set()):
        try:
            iam.get_group(GroupName=name, MaxItems=1)
        except iam.exceptions.NoSuchEntityException:
            continue  # lz creates it
        if name in own_groups and f"group/{name}" not in recorded:
            continue  # lz made it: in its state already
        groups[f"{account}/{name}"] = name
        policies |= _policies(iam, account, "group", name)
    for name in roles_of(account):
        try:
            tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name).get("Tags", [])}
        except iam.exceptions.NoSuchEntityException:
            continue
        if tags.get(MANAGED_BY[0]) == MANAGED_BY[1] and ADOPTED_TAG not in tags:
            continue
        roles[f"{account}/{name}"] = name
        policies |= _policies(iam, account, "role", name)
    return groups, roles, policies


def _policies(iam: Any, account: str, kind: str, name: str) -> dict[str, str]:
    """The provider's import ids of what is attached to a group or role: "<name>/<arn>" for a
    managed policy, "<name>:<policy name>" for an inline one."""
    key = "GroupName" if kind == "group" else "RoleName"
    attached = getattr(iam, f"list_attached_{kind}_policies")(**{key: name}).get("AttachedPolicies", [])
    inline = getattr(iam, f"list_{kind}_policies")(**{key: name}).get("PolicyNames", [])
    found = {f"{account}/{kind}/{name}/{p['PolicyArn']}": f"{name}/{p['PolicyArn']}" for p in attached}
    return found | {f"{account}/{kind}/{name}/{p}": f"{name}:{p}" for p in inline}
