"""`management-sso`: Identity Center users, groups, permission sets and assignments in one apply."""

from __future__ import annotations

from cdktf import TerraformOutput

from landing_zone import naming
from landing_zone.constructs.identity_center import IdentityCenter, PermissionSetSpec
from landing_zone.constructs.scoped_access import allowed_regions, devops_policy
from landing_zone.roles import managed
from landing_zone.stacks.base import LayerStack

GROUPS = naming.SSO_GROUPS
NAMES = naming.SSO_PERMISSION_SETS


class SsoStack(LayerStack):
    def build(self) -> None:
        p = self.project
        mgmt = (naming.MANAGEMENT,)
        members = tuple(a.name for a in p.member_accounts)
        sets = {
            "administrators": PermissionSetSpec(NAMES["administrators"], "Full access", (managed("AdministratorAccess"),), accounts=mgmt),
            "devops": PermissionSetSpec(
                NAMES["devops"],
                "Named services in the project's regions, sizes limited",
                inline_policy=devops_policy(allowed_regions(p.primary_region, p.secondary_region), p.devops.extra_services),
                accounts=members,
            ),
            "finops": PermissionSetSpec(NAMES["finops"], "Billing", (managed("job-function/Billing"),), accounts=mgmt),
            "securityauditor": PermissionSetSpec(
                NAMES["securityauditor"], "Security audit, read only", (managed("SecurityAudit"), managed("job-function/ViewOnlyAccess")), accounts=members
            ),
            "readonly": PermissionSetSpec(
                NAMES["readonly"], "View only", (managed("job-function/ViewOnlyAccess"),), accounts=tuple(a for a in members if a != naming.SECURITY)
            ),
        }
        center = IdentityCenter(
            self,
            "identity-center",
            users=list(p.users),
            groups=GROUPS,
            permission_sets=sets,
            account_ids=self.account_ids,
            session_duration=p.sso.session_duration,
            adopted=self.adopted,
        )
        # What `lz sso configure` writes into [sso-session]: read from state, no AWS call of its own.
        TerraformOutput(self, naming.SSO_START_URL_OUTPUT, value=center.start_url)
