"""AWS Organizations: the organization, its OUs and its accounts (management adopted, never created)."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.organizations_account import OrganizationsAccount
from cdktf_cdktf_provider_aws.organizations_delegated_administrator import OrganizationsDelegatedAdministrator
from cdktf_cdktf_provider_aws.organizations_organization import OrganizationsOrganization
from cdktf_cdktf_provider_aws.organizations_organizational_unit import OrganizationsOrganizationalUnit
from constructs import Construct

from landing_zone import naming
from landing_zone.adoption.model import ADOPTED_DELEGATIONS_TAG, ADOPTED_ORGANIZATION_TAG, ADOPTED_TAG, NOTHING, Adopted, adopted_delegations
from landing_zone.config.model import OrganizationalUnit, Project
from landing_zone.constructs import adoption

# The reference's trusted services (the full repository's securityhub and
# cost-optimization-hub included): each service can then be set up organization-wide.
TRUSTED_SERVICES = (
    "access-analyzer.amazonaws.com",
    "account.amazonaws.com",
    "aws-artifact-account-sync.amazonaws.com",
    "backup.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "config.amazonaws.com",
    "cost-optimization-hub.bcm.amazonaws.com",
    "fms.amazonaws.com",
    "guardduty.amazonaws.com",
    "inspector2.amazonaws.com",
    "malware-protection.guardduty.amazonaws.com",
    "ram.amazonaws.com",
    "securityhub.amazonaws.com",
    "sso.amazonaws.com",
)
POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "BACKUP_POLICY")
# AWS never returns these for an existing account: without this every plan shows a diff.
_WRITE_ONLY = ["role_name", "iam_user_access_to_billing"]
# Closing or removing a member account is never a side effect of a plan: prevent_destroy,
# lifted only when `lz down` synthesizes (protect=False).
_MEMBER_LIFECYCLE = TerraformResourceLifecycle(ignore_changes=_WRITE_ONLY, prevent_destroy=True)
_MEMBER_LIFECYCLE_UNPROTECTED = TerraformResourceLifecycle(ignore_changes=_WRITE_ONLY)
# The management account is adopted: its name and email belong to the account's root
# user (a mismatch would otherwise plan its replacement), and it is never destroyed.
_MANAGEMENT_LIFECYCLE = TerraformResourceLifecycle(ignore_changes=[*_WRITE_ONLY, "name", "email"], prevent_destroy=True)
# An adopted member keeps its name too: a new name replaces the account (the API cannot rename).
_ADOPTED_LIFECYCLE = TerraformResourceLifecycle(ignore_changes=[*_WRITE_ONLY, "name"], prevent_destroy=True)
_ADOPTED_LIFECYCLE_UNPROTECTED = TerraformResourceLifecycle(ignore_changes=[*_WRITE_ONLY, "name"])
ADOPTED_TAGS = {ADOPTED_TAG: "true"}


def _parents_first(ous: list[OrganizationalUnit]) -> list[OrganizationalUnit]:
    ordered: list[OrganizationalUnit] = []
    while len(ordered) < len(ous):
        placed = {ou.name for ou in ordered}
        ordered += [ou for ou in ous if ou not in ordered and (ou.parent is None or ou.parent in placed)]
    return ordered


def _account_tags(name: str, is_management: bool, found: str | None, adopted: Adopted) -> dict[str, str] | None:
    if is_management:  # the organization has no tags: its adoption is marked here
        return {ADOPTED_ORGANIZATION_TAG: "true"} if adopted.organization else None
    return {**ADOPTED_TAGS, ADOPTED_DELEGATIONS_TAG: adopted_delegations(adopted.delegations, name)} if found else None


class Organization(Construct):
    """Organization with feature set ALL, SCP + BACKUP policies enabled, OUs and accounts.

    Accounts are `<project_name>-<name>`; members under their OU, the management account
    adopted by an import block from its id in project.yaml. Every account has
    prevent_destroy; `protect=False` (the `lz down` synthesis) lifts it for the members.
    `adopted`: what exists already (adoption/organizations.py), imported and tagged as adopted,
    released by `lz down` instead of destroyed.
    """

    def __init__(self, scope: Construct, id: str, *, project: Project, protect: bool = True, adopted: Adopted = NOTHING) -> None:
        super().__init__(scope, id)
        self.adopted = adopted
        self.organization = OrganizationsOrganization(
            self,
            "organization",
            feature_set="ALL",
            enabled_policy_types=list(POLICY_TYPES),
            aws_service_access_principals=list(TRUSTED_SERVICES),
        )
        if adopted.organization:
            adoption.adopt(self.organization, adopted.organization)
        root_id = self.organization.roots.get(0).id

        self.units: dict[str, OrganizationsOrganizationalUnit] = {}
        for ou in _parents_first(list(project.organization.organizational_units)):
            self.units[ou.name] = OrganizationsOrganizationalUnit(
                self,
                f"ou-{ou.name}",
                name=ou.name,
                parent_id=self.units[ou.parent].id if ou.parent else root_id,
                tags=ADOPTED_TAGS if ou.name in adopted.ous else None,
            )
            if ou.name in adopted.ous:
                adoption.adopt(self.units[ou.name], adopted.ous[ou.name])

        self.accounts: dict[str, OrganizationsAccount] = {}
        for acct in project.organization.accounts:
            unit = project.ou_of(acct.name)
            is_management = acct.name == naming.MANAGEMENT
            found = adopted.accounts.get(acct.name)
            if is_management:
                lifecycle = _MANAGEMENT_LIFECYCLE
            elif found:
                lifecycle = _ADOPTED_LIFECYCLE if protect else _ADOPTED_LIFECYCLE_UNPROTECTED
            else:
                lifecycle = _MEMBER_LIFECYCLE if protect else _MEMBER_LIFECYCLE_UNPROTECTED
            resource = OrganizationsAccount(
                self,
                f"account-{acct.name}",
                name=naming.org_account_name(project.project_name, acct.name),
                email=acct.email,
                parent_id=self.units[unit.name].id if unit else root_id,
                lifecycle=lifecycle,
                depends_on=[self.organization],
                tags=_account_tags(acct.name, is_management, found, adopted),
            )
            if is_management:
                if not acct.id:  # validation requires it (config/validate.py)
                    raise ValueError("the management account's id is not set")
                adoption.adopt(resource, acct.id)
            elif found:
                adoption.adopt(resource, found)
            self.accounts[acct.name] = resource

    def delegate(self, service_principal: str, account: str) -> OrganizationsDelegatedAdministrator:
        """Make `account` the delegated administrator of an AWS service for the organization."""
        resource = OrganizationsDelegatedAdministrator(
            self,
            f"delegated-{service_principal.split('.')[0]}",
            account_id=self.accounts[account].id,
            service_principal=service_principal,
        )
        found = self.adopted.delegations.get(f"{account}/{service_principal}")
        if found:  # already delegated by hand: registering again would fail
            adoption.adopt(resource, found)
        return resource
