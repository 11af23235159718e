"""`management-organizations`: the organization, OUs, member accounts, SCPs, delegated admins."""

from __future__ import annotations

from cdktf import TerraformOutput

from landing_zone.constructs.organization import Organization
from landing_zone.constructs.organization_trail import TrailDelegatedAdministrator
from landing_zone.constructs.service_control_policies import ServiceControlPolicies
from landing_zone.stacks.base import LayerStack

SECURITY = "security"


class OrganizationsStack(LayerStack):
    def build(self) -> None:
        # Member accounts carry prevent_destroy; only `lz down` synthesizes without it.
        org = Organization(self, "org", project=self.project, protect=not self.settings.allow_destroy, adopted=self.adopted)
        ServiceControlPolicies(self, "scp", project=self.project, units=org.units, depends_on=[org.organization], adopted=self.adopted)
        if SECURITY in org.accounts:
            org.delegate("access-analyzer.amazonaws.com", SECURITY)
            # The audit layer's organization trail: security administers it, as in the reference.
            TrailDelegatedAdministrator(self, "cloudtrail-admin", account_id=org.accounts[SECURITY].id)
        # Member stacks read these ids (through `lz`), never this stack's remote state.
        TerraformOutput(self, "account_ids", value={name: acct.id for name, acct in org.accounts.items()})
        TerraformOutput(self, "organization_id", value=org.organization.id)
