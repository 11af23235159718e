"""IAM Identity Center (SSO): users, groups, permission sets and account assignments — one apply.

Assignments reference the groups' ids directly (the reference looks groups up by name,
which needs a second apply).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf import Fn
from cdktf_cdktf_provider_aws.data_aws_ssoadmin_instances import DataAwsSsoadminInstances
from cdktf_cdktf_provider_aws.identitystore_group import IdentitystoreGroup
from cdktf_cdktf_provider_aws.identitystore_group_membership import IdentitystoreGroupMembership
from cdktf_cdktf_provider_aws.identitystore_user import (
    IdentitystoreUser,
    IdentitystoreUserEmails,
    IdentitystoreUserName,
)
from cdktf_cdktf_provider_aws.ssoadmin_account_assignment import SsoadminAccountAssignment
from cdktf_cdktf_provider_aws.ssoadmin_managed_policy_attachment import SsoadminManagedPolicyAttachment
from cdktf_cdktf_provider_aws.ssoadmin_permission_set import SsoadminPermissionSet
from cdktf_cdktf_provider_aws.ssoadmin_permission_set_inline_policy import SsoadminPermissionSetInlinePolicy
from constructs import Construct

from landing_zone import naming
from landing_zone.adoption.model import ADOPTED_ASSIGNMENTS_TAG, ADOPTED_TAG, NOTHING, Adopted, adopted_assignments
from landing_zone.config.model import User
from landing_zone.constructs import adoption


@dataclass(frozen=True)
class PermissionSetSpec:
    name: str
    description: str
    managed_policies: tuple[str, ...] = ()
    inline_policy: str | None = None
    # account names this permission set is assigned in, through the group of the same role
    accounts: tuple[str, ...] = field(default=())


class IdentityCenter(Construct):
    """groups: config group key (e.g. `devops`) → display name (e.g. `DevOps`); adopted: what
    exists already (adoption/identity_center.py), imported and released by `lz down`."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        users: list[User],
        groups: dict[str, str],
        permission_sets: dict[str, PermissionSetSpec],
        account_ids: dict[str, str],
        session_duration: str,
        adopted: Adopted = NOTHING,
    ) -> None:
        super().__init__(scope, id)
        instances = DataAwsSsoadminInstances(self, "instances")
        store_id = Fn.element(instances.identity_store_ids, 0)
        instance_arn = Fn.element(instances.arns, 0)
        self.start_url = naming.sso_start_url(store_id)

        self.groups: dict[str, IdentitystoreGroup] = {}
        for key, display in groups.items():
            found = adopted.groups.get(display)
            self.groups[key] = IdentitystoreGroup(
                self, f"group-{key}", identity_store_id=store_id, display_name=display, description=naming.sso_group_description(display, adopted=bool(found))
            )
            if found:  # a group of that name exists (made by hand): its id and members stay
                adoption.adopt(self.groups[key], found)
        for user in users:
            existing = adopted.users.get(user.email)
            person = IdentitystoreUser(
                self,
                f"user-{user.login}",
                identity_store_id=store_id,
                user_name=user.email,
                display_name=f"{user.first_name} {user.last_name}",
                name=IdentitystoreUserName(given_name=user.first_name, family_name=user.last_name),
                emails=IdentitystoreUserEmails(value=user.email, primary=True, type="work"),
                user_type=naming.sso_user_type(adopted=bool(existing)),
            )
            if existing:  # made elsewhere: its id, password and MFA devices stay
                adoption.adopt(person, existing)
            for group_key in user.groups:
                membership = IdentitystoreGroupMembership(
                    self,
                    f"member-{user.login}-{group_key}",
                    identity_store_id=store_id,
                    group_id=self.groups[group_key].group_id,
                    member_id=person.user_id,
                )
                if f"{user.email}/{groups[group_key]}" in adopted.memberships:
                    adoption.adopt(membership, adopted.memberships[f"{user.email}/{groups[group_key]}"])

        for key, spec in permission_sets.items():
            existing = adopted.permission_sets.get(spec.name)
            pset = SsoadminPermissionSet(
                self,
                f"pset-{key}",
                name=spec.name,
                description=spec.description,
                instance_arn=instance_arn,
                session_duration=session_duration,
                tags={ADOPTED_TAG: "true", ADOPTED_ASSIGNMENTS_TAG: adopted_assignments(adopted.assignments, spec.name)} if existing else None,
            )
            if existing:  # same name: description and session become lz's, in place (same ARN)
                adoption.adopt(pset, existing)
            for arn in spec.managed_policies:
                attachment = SsoadminManagedPolicyAttachment(
                    self,
                    f"pset-{key}-{arn.rsplit('/', 1)[-1]}",
                    instance_arn=instance_arn,
                    permission_set_arn=pset.arn,
                    managed_policy_arn=arn,
                )
                if f"{spec.name}/{arn}" in adopted.permission_set_policies:
                    adoption.adopt(attachment, adopted.permission_set_policies[f"{spec.name}/{arn}"])
            if spec.inline_policy:
                inline = SsoadminPermissionSetInlinePolicy(
                    self,
                    f"pset-{key}-inline",
                    instance_arn=instance_arn,
                    permission_set_arn=pset.arn,
                    inline_policy=spec.inline_policy,
                )
                if f"{spec.name}/inline" in adopted.permission_set_policies:
                    adoption.adopt(inline, adopted.permission_set_policies[f"{spec.name}/inline"])
            for account in spec.accounts:
                assignment = SsoadminAccountAssignment(
                    self,
                    f"assign-{key}-{account}",
                    instance_arn=instance_arn,
                    permission_set_arn=pset.arn,
                    principal_type="GROUP",
                    principal_id=self.groups[key].group_id,
                    target_type="AWS_ACCOUNT",
                    target_id=account_ids[account],
                )
                if f"{spec.name}/{account_ids[account]}" in adopted.assignments:
                    adoption.adopt(assignment, adopted.assignments[f"{spec.name}/{account_ids[account]}"])
