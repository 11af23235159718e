"""The role and IAM group catalogue of the identities layer (spec §2), free of cdktf imports.

The identities stack builds from it; `lz mfa enable` reads it to say which trust
policies change.
"""

from __future__ import annotations

from dataclasses import dataclass

from landing_zone import naming


def managed(name: str) -> str:
    """ARN of an AWS managed policy."""
    return f"arn:aws:iam::aws:policy/{name}"


@dataclass(frozen=True)
class RoleSpec:
    name: str
    mfa: bool  # the spec's MFA roles: trust requires a recent MFA sign-in when require_mfa is on
    policies: tuple[str, ...]


OAAR = RoleSpec(naming.OAAR_ROLE, True, (managed("AdministratorAccess"),))
# Roles in every member account, assumed from the identity (security) account.
MEMBER_ROLES = (
    RoleSpec(naming.DEVOPS_ROLE, True, (managed("PowerUserAccess"), managed("IAMFullAccess"))),
    RoleSpec(naming.ADMIN_ROLE, True, (managed("AdministratorAccess"),)),
    RoleSpec(naming.AUDITOR_ROLE, False, (managed("SecurityAudit"), managed("ReadOnlyAccess"))),
)
# The CI/CD deployment role lives in shared; machines cannot answer MFA prompts.
SHARED_ROLES = (RoleSpec(naming.DEPLOY_MASTER_ROLE, False, (managed("PowerUserAccess"), managed("IAMFullAccess"))),)


# The roles the stacks themselves run as: OAAR (bootstrap keys, and the management account's
# MFA session) and DevOps (member accounts once MFA is required). The protection SCPs exempt them.
DEPLOY_ROLES = tuple(dict.fromkeys(naming.assumed_role(t) for t in naming.CREDENTIAL_TYPES))


def roles_in(account: str) -> tuple[RoleSpec, ...]:
    """Every role the identities stack of `account` manages (OAAR first)."""
    if account == naming.MANAGEMENT:
        return (OAAR,)
    return (OAAR, *MEMBER_ROLES, *(SHARED_ROLES if account == naming.SHARED else ()))


@dataclass(frozen=True)
class GroupSpec:
    """Policies of an IAM group by name: attached directly in the management account; elsewhere
    the group may assume these roles in the member accounts."""

    management_policies: tuple[str, ...]
    assumes: tuple[str, ...]


GROUPS = {
    # Not OAAR: member OAARs trust only the management account, so such a grant would be dead.
    "admins": GroupSpec((managed("AdministratorAccess"),), (naming.ADMIN_ROLE,)),
    "devops": GroupSpec((managed("PowerUserAccess"),), (naming.DEVOPS_ROLE, naming.DEPLOY_MASTER_ROLE)),
    "auditors": GroupSpec((managed("SecurityAudit"), managed("job-function/ViewOnlyAccess")), (naming.AUDITOR_ROLE,)),
    "finops": GroupSpec((managed("job-function/Billing"), managed("job-function/ViewOnlyAccess")), ()),
}
