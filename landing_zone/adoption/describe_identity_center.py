"""`lz adopt`: describe Identity Center as project.yaml's `users` (read-only).

lz's model: users named by their email, with a given and a family name, members of lz's five
groups; lz's five permission sets, each assigned to the group of its key in fixed accounts
(Administrator and FinOps in management, DevOps and SecurityAuditor in every member, ReadOnly
in every member but security). What fits becomes `users`; the rest (another group, a
membership in it, another permission set, an assignment lz would not make) becomes a note:
`lz up` leaves it alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from landing_zone import naming
from landing_zone.adoption.organizations import pages

_EMAIL = "@"


@dataclass
class IdentityCenterDescription:
    users: list[dict[str, Any]] = field(default_factory=list)  # project.yaml's `users` entries
    notes: list[str] = field(default_factory=list)


def lz_accounts(key: str, accounts: list[dict[str, Any]]) -> set[str]:
    """The account ids lz assigns the permission set of `key` in (as stacks/sso.py does)."""
    if key in ("administrators", "finops"):
        return {a["id"] for a in accounts if a["name"] == naming.MANAGEMENT}
    members = [a for a in accounts if a["name"] != naming.MANAGEMENT]
    if key == "readonly":
        members = [a for a in members if a["name"] != naming.SECURITY]
    return {a["id"] for a in members}


def describe(sso_admin: Any, identitystore: Any, accounts: list[dict[str, Any]]) -> IdentityCenterDescription:
    """`accounts`: the described accounts (name, id) from adoption/describe.py."""
    found = IdentityCenterDescription()
    instances = sso_admin.list_instances().get("Instances", [])
    if not instances:
        return found
    instance, store = instances[0]["InstanceArn"], instances[0]["IdentityStoreId"]
    key_of_group = {display: key for key, display in naming.SSO_GROUPS.items()}
    groups: dict[str, str] = {}  # group id → display name
    for group in pages(identitystore, "list_groups", "Groups", IdentityStoreId=store):
        groups[group["GroupId"]] = group["DisplayName"]
        if group["DisplayName"] not in key_of_group:
            found.notes.append(f"Identity Center group {group['DisplayName']} ({group['GroupId']}): lz has its five groups only; left alone")
    users: dict[str, str] = {}  # user id → user name
    for user in pages(identitystore, "list_users", "Users", IdentityStoreId=store):
        users[user["UserId"]] = user["UserName"]
        name = user.get("Name") or {}
        what = f"Identity Center user {user['UserName']} ({user['UserId']})"
        if _EMAIL not in user["UserName"] or not name.get("GivenName") or not name.get("FamilyName"):
            found.notes.append(f"{what}: lz names users by their email and needs a given and a family name; left alone")
            continue
        member_of: list[str] = []
        for membership in pages(
            identitystore, "list_group_memberships_for_member", "GroupMemberships", IdentityStoreId=store, MemberId={"UserId": user["UserId"]}
        ):
            display = groups.get(membership["GroupId"], membership["GroupId"])
            if display in key_of_group:
                member_of.append(key_of_group[display])
            else:
                found.notes.append(f"{what} is a member of {display}: left alone")
        entry: dict[str, Any] = {"first_name": name["GivenName"], "last_name": name["FamilyName"], "email": user["UserName"]}
        found.users.append({**entry, "groups": sorted(member_of)} if member_of else entry)
    key_of_set = {name: key for key, name in naming.SSO_PERMISSION_SETS.items()}
    for arn in pages(sso_admin, "list_permission_sets", "PermissionSets", InstanceArn=instance):
        name = sso_admin.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)["PermissionSet"]["Name"]
        if name not in key_of_set:
            found.notes.append(f"permission set {name} ({arn}): lz has its five permission sets only; it and its assignments are left alone")
            continue
        key = key_of_set[name]
        expected = lz_accounts(key, accounts)
        for account in accounts:
            for a in pages(sso_admin, "list_account_assignments", "AccountAssignments", InstanceArn=instance, AccountId=account["id"], PermissionSetArn=arn):
                principal = groups.get(a["PrincipalId"]) if a["PrincipalType"] == "GROUP" else users.get(a["PrincipalId"])
                if a["PrincipalType"] == "GROUP" and principal == naming.SSO_GROUPS[key] and account["id"] in expected:
                    continue  # lz's model makes exactly this one
                found.notes.append(
                    f"assignment of {name} to {a['PrincipalType'].lower()} {principal or a['PrincipalId']} in account {account['name']}: "
                    f"lz assigns {name} to {naming.SSO_GROUPS[key]} in lz's accounts for it only; left alone"
                )
    return found
