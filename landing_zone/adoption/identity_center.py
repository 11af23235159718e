"""Identity Center objects that exist already (read-only), matched to what lz makes.

Groups by display name, users by user name (project.yaml's email), permission sets by name,
assignments by permission set, group and account. lz marks what it made itself: a group's
description (naming.sso_group_description), a user's type (naming.sso_user_type), a permission
set's ManagedBy tag; anything else of that name was made elsewhere and is adopted (import,
released by `lz down`). An adopted permission set's managed policies and inline policy are
imported with it; memberships only between an adopted user and an adopted group; assignments
only of an adopted permission set to an adopted group, those found when it was adopted
(ADOPTED_ASSIGNMENTS_TAG). Users and permission sets project.yaml does not describe are listed
as unmanaged and never touched.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from landing_zone import naming
from landing_zone.adoption.model import ADOPTED_ASSIGNMENTS_TAG, ADOPTED_TAG, MANAGED_BY, Adopted
from landing_zone.adoption.organizations import pages
from landing_zone.config.model import Project


def read(project: Project, sso_admin: Any, identitystore: Any, found: Adopted, *, own_users: frozenset[str] | set[str] = frozenset()) -> Adopted:
    """`found` with what Identity Center holds of lz's groups, users, permission sets and assignments;
    `own_users`: user ids lz's state holds as its own (made before lz's users had a type)."""
    instances = sso_admin.list_instances().get("Instances", [])
    if not instances:
        return found  # Identity Center not enabled: `lz up` says so in the sso stack
    instance, store = instances[0]["InstanceArn"], instances[0]["IdentityStoreId"]
    group_ids = _groups(identitystore, store)
    groups = {display: f"{store}/{gid}" for display, gid in group_ids.items()}
    users, unmanaged_users = _users(project, identitystore, store, own_users)
    memberships: dict[str, str] = {}
    for user in project.users:
        if user.email not in users:
            continue
        for key in user.groups:
            display = naming.SSO_GROUPS[key]
            if display in group_ids:
                member = {"UserId": users[user.email].split("/", 1)[1]}
                try:
                    mid = identitystore.get_group_membership_id(IdentityStoreId=store, GroupId=group_ids[display], MemberId=member)["MembershipId"]
                except identitystore.exceptions.ResourceNotFoundException:
                    continue
                memberships[f"{user.email}/{display}"] = f"{store}/{mid}"
    sets, policies, assignments, unmanaged_sets = _permission_sets(sso_admin, instance, group_ids)
    return replace(
        found,
        groups=groups,
        users=users,
        memberships=memberships,
        permission_sets=sets,
        permission_set_policies=policies,
        assignments=assignments,
        unmanaged=(*found.unmanaged, *unmanaged_sets, *unmanaged_users),
    )


def _groups(identitystore: Any, store: str) -> dict[str, str]:
    """display name → group id of lz's groups made elsewhere."""
    found: dict[str, str] = {}
    for display in naming.SSO_GROUPS.values():
        filters = [{"AttributePath": "DisplayName", "AttributeValue": display}]
        for group in identitystore.list_groups(IdentityStoreId=store, Filters=filters).get("Groups", []):
            if group.get("Description") != naming.sso_group_description(display):
                found[display] = group["GroupId"]
    return found


def _users(project: Project, identitystore: Any, store: str, own: frozenset[str] | set[str]) -> tuple[dict[str, str], list[str]]:
    """user name → import id of project.yaml's users made elsewhere; the users it does not describe."""
    wanted = {u.email.lower() for u in project.users}
    found: dict[str, str] = {}
    unmanaged: list[str] = []
    for user in pages(identitystore, "list_users", "Users", IdentityStoreId=store):
        name = user["UserName"]
        if name.lower() not in wanted:
            unmanaged.append(f"Identity Center user {name} ({user['UserId']})")
        elif user.get("UserType") != naming.sso_user_type() and user["UserId"] not in own:
            email = next(u.email for u in project.users if u.email.lower() == name.lower())
            found[email] = f"{store}/{user['UserId']}"
    return found, unmanaged


def _permission_sets(sso_admin: Any, instance: str, group_ids: dict[str, str]) -> tuple[dict[str, str], dict[str, str], dict[str, str], list[str]]:
    """lz's permission sets made elsewhere, their policies and assignments; those lz does not make."""
    key_of = {name: key for key, name in naming.SSO_PERMISSION_SETS.items()}
    sets: dict[str, str] = {}
    policies: dict[str, str] = {}
    assignments: dict[str, str] = {}
    unmanaged: list[str] = []
    for arn in pages(sso_admin, "list_permission_sets", "PermissionSets", InstanceArn=instance):
        name = sso_admin.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)["PermissionSet"]["Name"]
        if name not in key_of:
            unmanaged.append(f"permission set {name} ({arn})")
            continue
        tags = {t["Key"]: t["Value"] for t in pages(sso_admin, "list_tags_for_resource", "Tags", InstanceArn=instance, ResourceArn=arn)}
        if tags.get(MANAGED_BY[0]) == MANAGED_BY[1] and ADOPTED_TAG not in tags:
            continue  # lz made it: in its state already
        sets[name] = f"{arn},{instance}"
        for policy in pages(sso_admin, "list_managed_policies_in_permission_set", "AttachedManagedPolicies", InstanceArn=instance, PermissionSetArn=arn):
            policies[f"{name}/{policy['Arn']}"] = f"{policy['Arn']},{arn},{instance}"
        if sso_admin.get_inline_policy_for_permission_set(InstanceArn=instance, PermissionSetArn=arn).get("InlinePolicy"):
            policies[f"{name}/inline"] = f"{arn},{instance}"
        group = group_ids.get(naming.SSO_GROUPS[key_of[name]])
        if group is None:
            continue  # lz's own group (or none yet): no assignment of it existed before lz
        recorded = tags.get(ADOPTED_ASSIGNMENTS_TAG)
        for assignment in pages(
            sso_admin,
            "list_account_assignments_for_principal",
            "AccountAssignments",
            InstanceArn=instance,
            PrincipalId=group,
            PrincipalType="GROUP",
        ):
            account = assignment["AccountId"]
            if assignment["PermissionSetArn"] != arn or (recorded is not None and account not in recorded.split()):
                continue  # another permission set's, or one lz added since adopting
            assignments[f"{name}/{account}"] = f"{group},GROUP,{account},AWS_ACCOUNT,{arn},{instance}"
    return sets, policies, assignments, unmanaged
