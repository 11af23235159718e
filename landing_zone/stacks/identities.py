"""`<acct>-identities`: alias, password policy, IAM users/groups and the roles people assume."""

from __future__ import annotations

from typing import Any

from cdktf import TerraformOutput
from cdktf_cdktf_provider_aws.iam_account_alias import IamAccountAlias
from cdktf_cdktf_provider_aws.iam_account_password_policy import IamAccountPasswordPolicy
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy

from landing_zone import naming
from landing_zone.adoption.model import ADOPTED_TAG
from landing_zone.config.gpgkey import pgp_key_base64
from landing_zone.constructs import adoption
from landing_zone.constructs.ci_member_access import MemberPlanRole
from landing_zone.constructs.ci_policies import apply_reaches_oaar
from landing_zone.constructs.iam_roles import MfaPolicy, Role, trust_statement
from landing_zone.constructs.iam_users import IamUserGroup, IamUsers
from landing_zone.constructs.policy import Statement
from landing_zone.constructs.scoped_access import allowed_regions, deploy_master_policy, devops_policy
from landing_zone.roles import DEPLOY_MASTER_ACCESS, DEVOPS_ACCESS, GROUPS, GroupSpec, RoleSpec, assumable_in, roles_in
from landing_zone.stacks.base import LayerStack

# CIS AWS Foundations v7 (length >= 14, 24 remembered, no forced expiry) and the reference's length 30.
PASSWORD_POLICY: dict[str, Any] = dict(
    minimum_password_length=30,
    require_lowercase_characters=True,
    require_uppercase_characters=True,
    require_numbers=True,
    require_symbols=True,
    allow_users_to_change_password=True,
    password_reuse_prevention=24,
)


class IdentitiesStack(LayerStack):
    def build(self) -> None:
        p, account = self.project, self.account
        alias = IamAccountAlias(self, "alias", account_alias=naming.account_alias(p.project_name, account))
        # Expiry only when project.yaml asks for it (CIS v7: forced rotation breeds weak passwords).
        policy = IamAccountPasswordPolicy(self, "password-policy", **PASSWORD_POLICY, max_password_age=p.password_policy.max_age)
        adopted = []
        for name, resource in (("alias", alias), ("password-policy", policy)):
            if f"{account}/{name}" in self.adopted.iam_account:  # it existed: updated in place, released by `lz down`
                adoption.adopt(resource, self.adopted.iam_account[f"{account}/{name}"])
                adopted.append(name)
        adopted += self._people()
        if adopted:  # no tags on any of these: the next run reads this from state (adoption/iam.py)
            TerraformOutput(self, naming.ADOPTED_OUTPUT, value=adopted)
        self._roles()

    def _mfa(self, spec: RoleSpec) -> MfaPolicy | None:
        if not (spec.mfa or spec.mfa_always):
            return None
        return MfaPolicy(spec.requires_mfa(self.project.require_mfa), self.project.mfa_max_age)

    def _access(self, spec: RoleSpec) -> str | None:
        regions = allowed_regions(self.project.primary_region, self.project.secondary_region)
        if spec.access == DEVOPS_ACCESS:
            return devops_policy(regions, self.project.devops.extra_services)
        if spec.access == DEPLOY_MASTER_ACCESS:
            return deploy_master_policy(regions)
        return None

    def _adopted_policies(self, kind: str, name: str) -> dict[str, str]:
        prefix = f"{self.account}/{kind}/{name}/"
        return {k.removeprefix(prefix): v for k, v in self.adopted.iam_policies.items() if k.startswith(prefix)}

    def _people(self) -> list[str]:
        """Returns the adopted groups ("group/<name>"), for the record of what was adopted."""
        settings = self.project.accounts.get(self.account)
        groups = settings.groups if settings else []
        names = sorted({u for g in groups for u in g.users})
        found = {n: self.adopted.iam_users[f"{self.account}/{n}"] for n in names if f"{self.account}/{n}" in self.adopted.iam_users}
        logins = {n: self.adopted.iam_login_profiles[f"{self.account}/{n}"] for n in names if f"{self.account}/{n}" in self.adopted.iam_login_profiles}
        keys = {n: pgp_key_base64(self.project.gpg_key_file(n)) for n in names}
        users = IamUsers(self, "iam", pgp_keys=keys, adopted=found, adopted_logins=logins)
        # Management too: its audit stack's support role (groups there get no grants, see below).
        targets = [a.name for a in self.project.organization.accounts if a.name in self.account_ids]
        adopted_groups: list[str] = []
        for group in groups:
            adopt = f"{self.account}/{group.name}" in self.adopted.iam_groups
            adopted_groups += [f"group/{group.name}"] if adopt else []
            spec = GROUPS.get(group.name, GroupSpec((), ()))
            in_management = self.account == naming.MANAGEMENT
            # Only roles that exist in that account: a grant on a missing role is dead.
            assumable = [
                naming.role_arn(self.account_ids[acct], role) for role in spec.assumes for acct in targets if role in {r.name for r in assumable_in(acct)}
            ]
            IamUserGroup(
                self,
                f"group-{group.name}",
                name=group.name,
                members=[users.users[u] for u in group.users],
                managed_policies=list(spec.management_policies) if in_management else [],
                statements=[]
                if in_management or not assumable
                else [{"Sid": "AssumeMemberRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": assumable}],
                adopt=adopt,
                adopted_policies=self._adopted_policies("group", group.name),
            )
        TerraformOutput(
            self,
            naming.USERS_OUTPUT,
            sensitive=True,
            value={n: {"name": users.users[n].name, "encrypted_password": users.login_profiles[n].encrypted_password} for n in names},
        )
        return adopted_groups

    def _roles(self) -> None:
        identity_account = naming.identity_account(self.account_ids)
        specs = roles_in(self.account)
        if any(spec.access == DEVOPS_ACCESS for spec in specs):
            # What every role DevOps creates must carry as its boundary: DevOps's own fence.
            regions = allowed_regions(self.project.primary_region, self.project.secondary_region)
            IamPolicy(
                self,
                "devops-boundary",
                name=naming.DEVOPS_BOUNDARY_POLICY,
                description="Permissions boundary of the roles DevOps creates (landing-zone)",
                policy=devops_policy(regions, self.project.devops.extra_services),
            )
        for spec in specs:
            is_oaar = spec.name == naming.OAAR_ROLE
            found = f"{self.account}/{spec.name}" in self.adopted.iam_roles  # made elsewhere with lz's name
            # OAAR is trusted by the management account; the others by the identity account.
            trusted = {naming.MANAGEMENT if is_oaar else identity_account}
            own = (
                (trust_statement([naming.root_arn(self.account_ids[self.account])], None, session_tags=spec.session_tags, sid="OwnAccountPipelines"),)
                if spec.trusts_own_account and self.account not in trusted
                else ()
            )
            Role(
                self,
                "oaar" if is_oaar else spec.name.lower(),
                name=spec.name,
                principals=[naming.root_arn(self.account_ids[a]) for a in trusted],
                policies=list(spec.policies),
                mfa=self._mfa(spec),
                # In member accounts Organizations created OAAR with the account: adopt it.
                adopt=found or (is_oaar and self.account != naming.MANAGEMENT),
                adopted_policies=self._adopted_policies("role", spec.name),
                tags={ADOPTED_TAG: "true"} if found else None,
                max_session_duration=spec.max_session_duration,
                inline_policy=self._access(spec),
                session_tags=spec.session_tags,
                extra_trust=self._ci_trust() if is_oaar else own,
            )
        if self.project.pipeline and self.account != naming.MANAGEMENT:
            MemberPlanRole(
                self,
                "ci-plan",
                short_name=self.project.short_name,
                account=self.account,
                account_id=self.account_ids[self.account],
                management_id=self.account_ids[naming.MANAGEMENT],
                region=self.project.primary_region,
                kms=self.project.state_backend.kms,
            )

    def _ci_trust(self) -> tuple[Statement, ...]:
        """The pipeline's apply role reaches member accounts through OAAR, as `lz up` from a laptop does."""
        if not self.project.pipeline or self.account == naming.MANAGEMENT:
            return ()
        return (apply_reaches_oaar(self.account_ids[naming.MANAGEMENT], self.project.short_name),)
