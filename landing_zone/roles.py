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
    # The `require_mfa` switch: trust requires a recent MFA sign-in while it is on (OAAR, as in
    # the reference; `lz mfa enable` changes exactly these trust policies).
    mfa: bool
    policies: tuple[str, ...]
    # Trust requires a recent MFA sign-in whatever `require_mfa` says (the reference's people roles).
    mfa_always: bool = False
    # A scoped inline policy (constructs/scoped_access.py) by name, beside the managed ones.
    access: str | None = None
    # The account the role lives in trusts its own root too, without MFA (DeployMaster: pipelines
    # in shared, machines that cannot answer MFA); the identity account's people still need MFA.
    trusts_own_account: bool = False
    max_session_duration: int = 3600
    # Callers may tag the session and set a source identity (CI/CD audit trails).
    session_tags: bool = False

    def requires_mfa(self, require_mfa: bool) -> bool:
        return self.mfa_always or (self.mfa and require_mfa)


# Scoped inline policies by name (see constructs/scoped_access.py).
DEVOPS_ACCESS, DEPLOY_MASTER_ACCESS = "devops", "deploy-master"

OAAR = RoleSpec(naming.OAAR_ROLE, True, (managed("AdministratorAccess"),))
# The CIS support role (incidents with AWS Support), in every account; the identity account's admins assume it.
SUPPORT = RoleSpec(naming.SUPPORT_ROLE, False, (managed("AWSSupportAccess"),), mfa_always=True)
# Roles in every member account, assumed from the identity (security) account.
MEMBER_ROLES = (
    RoleSpec(naming.DEVOPS_ROLE, False, (), mfa_always=True, access=DEVOPS_ACCESS),
    RoleSpec(naming.ADMIN_ROLE, False, (managed("AdministratorAccess"),), mfa_always=True),
    RoleSpec(naming.AUDITOR_ROLE, False, (managed("SecurityAudit"), managed("ReadOnlyAccess"))),
    SUPPORT,
)
SHARED_ROLES = (
    # The CI/CD deployment role (the reference's DeployMaster): pipelines in shared assume it without
    # MFA (machines cannot answer prompts); people of the identity account only with MFA, since it
    # holds iam:* (a leaked key alone must not make anyone administrator of shared).
    RoleSpec(
        naming.DEPLOY_MASTER_ROLE,
        False,
        (),
        mfa_always=True,
        access=DEPLOY_MASTER_ACCESS,
        trusts_own_account=True,
        max_session_duration=10800,
        session_tags=True,
    ),
    RoleSpec(naming.FINOPS_ROLE, False, (managed("job-function/Billing"), managed("job-function/ViewOnlyAccess")), mfa_always=True),
)


# The roles the stacks themselves run as: OAAR, from the bootstrap keys or, once MFA is
# required, from the management keys' MFA session. The protection SCPs exempt them (not DevOps:
# an exemption would let the role people use day to day stop the trail or rewrite OAAR).
DEPLOY_ROLES = tuple(dict.fromkeys(naming.assumed_role(t) for t in ("BOOTSTRAP", naming.stack_credentials_type(naming.SHARED))))


def roles_in(account: str) -> tuple[RoleSpec, ...]:
    """Every role the identities stack of `account` manages (OAAR first)."""
    if account == naming.MANAGEMENT:
        return (OAAR,)
    return (OAAR, *MEMBER_ROLES, *(SHARED_ROLES if account == naming.SHARED else ()))


# The management account's support role is made by its audit stack: it trusts the identity
# account, whose id is known only once organizations has run (management-identities runs before).
MANAGEMENT_AUDIT_ROLES = (SUPPORT,)


def assumable_in(account: str) -> tuple[RoleSpec, ...]:
    """Every role of `account` an IAM group may be granted: the identities stack's and the audit stack's."""
    return (*roles_in(account), *(MANAGEMENT_AUDIT_ROLES if account == naming.MANAGEMENT else ()))


@dataclass(frozen=True)
class GroupSpec:
    """Policies of an IAM group by name: attached directly in the management account; elsewhere
    the group may assume these roles in the member accounts."""

    management_policies: tuple[str, ...]
    assumes: tuple[str, ...]


GROUPS = {
    # Not OAAR: member OAARs trust only the management account, so such a grant would be dead.
    "admins": GroupSpec((managed("AdministratorAccess"),), (naming.ADMIN_ROLE, naming.SUPPORT_ROLE)),
    "devops": GroupSpec((managed("PowerUserAccess"),), (naming.DEVOPS_ROLE, naming.DEPLOY_MASTER_ROLE)),
    "auditors": GroupSpec((managed("SecurityAudit"), managed("job-function/ViewOnlyAccess")), (naming.AUDITOR_ROLE,)),
    "finops": GroupSpec((managed("job-function/Billing"), managed("job-function/ViewOnlyAccess")), (naming.FINOPS_ROLE,)),
}
