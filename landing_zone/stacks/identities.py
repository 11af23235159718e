"""`<acct>-identities`: alias, password policy, IAM users/groups and the roles people assume."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformOutput
from cdktf_cdktf_provider_aws.iam_account_alias import IamAccountAlias
from cdktf_cdktf_provider_aws.iam_account_password_policy import IamAccountPasswordPolicy

from landing_zone import naming
from landing_zone.config.gpgkey import pgp_key_base64
from landing_zone.constructs.iam_roles import MfaPolicy, Role, managed
from landing_zone.constructs.iam_users import IamUserGroup, IamUsers
from landing_zone.stacks.base import LayerStack


@dataclass(frozen=True)
class RoleSpec:
    name: str
    mfa: bool  # the spec's MFA roles: trust requires a recent MFA sign-in when require_mfa is on
    policies: tuple[str, ...]


# Roles in every member account, assumed from the identity (security) account.
MEMBER_ROLES = (
    RoleSpec(naming.DEVOPS_ROLE, True, (managed("PowerUserAccess"), managed("IAMFullAccess"))),
    RoleSpec(naming.ADMIN_ROLE, True, (managed("AdministratorAccess"),)),
    RoleSpec(naming.AUDITOR_ROLE, False, (managed("SecurityAudit"), managed("ReadOnlyAccess"))),
)
# The CI/CD deployment role lives in shared; machines cannot answer MFA prompts.
SHARED_ROLES = (RoleSpec(naming.DEPLOY_MASTER_ROLE, False, (managed("PowerUserAccess"), managed("IAMFullAccess"))),)


@dataclass(frozen=True)
class GroupSpec:
    """Policies of an IAM group by name: attached directly in the management account; elsewhere
    the group may assume these roles in the member accounts."""

    management_policies: tuple[str, ...]
    assumes: tuple[str, ...]


GROUPS = {
    "admins": GroupSpec((managed("AdministratorAccess"),), (naming.ADMIN_ROLE, naming.OAAR_ROLE)),
    "devops": GroupSpec((managed("PowerUserAccess"),), (naming.DEVOPS_ROLE, naming.DEPLOY_MASTER_ROLE)),
    "auditors": GroupSpec((managed("SecurityAudit"), managed("job-function/ViewOnlyAccess")), (naming.AUDITOR_ROLE,)),
    "finops": GroupSpec((managed("job-function/Billing"), managed("job-function/ViewOnlyAccess")), ()),
}
PASSWORD_POLICY = dict(
    minimum_password_length=30,
    require_lowercase_characters=True,
    require_uppercase_characters=True,
    require_numbers=True,
    require_symbols=True,
    allow_users_to_change_password=True,
    password_reuse_prevention=24,
    max_password_age=90,
)


class IdentitiesStack(LayerStack):
    layer = "identities"

    def build(self) -> None:
        p, account = self.project, self.account
        IamAccountAlias(self, "alias", account_alias=naming.account_alias(p.project_name, account))
        IamAccountPasswordPolicy(self, "password-policy", **PASSWORD_POLICY)
        self._people()
        self._roles()

    @property
    def _mfa(self) -> MfaPolicy:
        return MfaPolicy(self.project.require_mfa, self.project.mfa_max_age)

    def _people(self) -> None:
        settings = self.project.accounts.get(self.account)
        groups = settings.groups if settings else []
        names = sorted({u for g in groups for u in g.users})
        users = IamUsers(self, "iam", pgp_keys={n: pgp_key_base64(self.project.gpg_key_file(n)) for n in names})
        members = [self.account_ids[a.name] for a in self.project.member_accounts if a.name in self.account_ids]
        for group in groups:
            spec = GROUPS.get(group.name, GroupSpec((), ()))
            in_management = self.account == naming.MANAGEMENT
            assumable = [naming.role_arn(acct, role) for role in spec.assumes for acct in members]
            IamUserGroup(
                self,
                f"group-{group.name}",
                name=group.name,
                members=[users.users[u] for u in group.users],
                managed_policies=list(spec.management_policies) if in_management else [],
                statements=[] if in_management or not assumable else [
                    {"Sid": "AssumeMemberRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": assumable}
                ],
            )  # fmt: skip
        TerraformOutput(
            self,
            "users",
            sensitive=True,
            value={n: {"name": users.users[n].name, "encrypted_password": users.login_profiles[n].encrypted_password}
                   for n in names},
        )  # fmt: skip

    def _roles(self) -> None:
        mgmt_root = naming.root_arn(self.account_ids[naming.MANAGEMENT])
        Role(
            self,
            "oaar",
            name=naming.OAAR_ROLE,
            principals=[mgmt_root],
            policies=[managed("AdministratorAccess")],
            mfa=self._mfa,
            adopt=self.account != naming.MANAGEMENT,  # Organizations created it with the account
        )
        if self.account == naming.MANAGEMENT:
            return
        identity_account = naming.SECURITY if naming.SECURITY in self.account_ids else naming.MANAGEMENT
        trusted = [naming.root_arn(self.account_ids[identity_account])]
        specs = MEMBER_ROLES + (SHARED_ROLES if self.account == naming.SHARED else ())
        for spec in specs:
            Role(self, spec.name.lower(), name=spec.name, principals=trusted, policies=list(spec.policies),
                 mfa=self._mfa if spec.mfa else None)  # fmt: skip
