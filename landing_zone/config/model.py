"""The pydantic model of project.yaml.

Key names are the reference's (what `leverage project create` reads) so an
existing reference project.yaml loads unchanged; everything we add is optional
with a documented default.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints

from landing_zone import naming

ProjectName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,23}[a-z0-9]$")]
ShortName = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,4}$")]
AccountName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}$")]
AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")]
SsoGroup = Literal["administrators", "devops", "finops", "securityauditor", "readonly"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Account(_Strict):
    """An AWS account of the organization. Only the management account has an id up front."""

    name: AccountName
    email: Email
    id: AccountId | None = None


class OrganizationalUnit(_Strict):
    name: str = Field(min_length=1)
    # SCP names; the reference writes them as Terraform addresses
    # (`aws_organizations_policy.default`), we also accept the bare name.
    policy: list[str] = []
    accounts: list[str] = []
    parent: str | None = Field(default=None, description="Name of the parent OU (nested OUs); root when unset.")

    @property
    def policy_names(self) -> list[str]:
        return [p.removeprefix("aws_organizations_policy.") for p in self.policy]


class ServiceControlPolicy(_Strict):
    """A custom SCP; `default` and `standard` are built in unless redefined here."""

    name: str = Field(min_length=1)
    description: str = ""
    file: str = Field(description="Path of the JSON policy document, relative to project.yaml.")


class Organization(_Strict):
    accounts: list[Account] = Field(min_length=1)
    organizational_units: list[OrganizationalUnit] = []
    policies: list[ServiceControlPolicy] = []


class User(_Strict):
    """An Identity Center (SSO) user."""

    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    email: Email
    groups: list[SsoGroup] = []


class IamGroup(_Strict):
    name: str = Field(min_length=1)
    users: list[str] = []


class AccountSettings(_Strict):
    """Per-account settings (the reference's `accounts:` block)."""

    groups: list[IamGroup] = []


class Sso(_Strict):
    enabled: bool = True
    session_duration: str = "PT1H"


class Project(_Strict):
    project_name: ProjectName
    short_name: ShortName
    primary_region: str
    secondary_region: str
    organization: Organization
    users: list[User] = []
    accounts: dict[str, AccountSettings] = {}
    require_mfa: bool = Field(default=False, description="Require MFA to assume the MFA roles of every account.")
    mfa_max_age: int = Field(default=43200, gt=0, description="Seconds an MFA sign-in stays valid for role trust.")
    sso: Sso = Sso()
    gpg_keys: dict[str, str] = Field(
        default={},
        description="IAM user (first.last) → public key file; default keys/<first.last> next to project.yaml.",
    )

    _source: Path | None = PrivateAttr(default=None)

    @property
    def base_dir(self) -> Path:
        """Directory of project.yaml: relative paths in it (keys, policies) start here."""
        return self._source.parent if self._source else Path.cwd()

    @property
    def account_names(self) -> list[str]:
        return [a.name for a in self.organization.accounts]

    def account(self, name: str) -> Account:
        for acct in self.organization.accounts:
            if acct.name == name:
                return acct
        raise KeyError(name)

    @property
    def management(self) -> Account:
        return self.account(naming.MANAGEMENT)

    @property
    def member_accounts(self) -> list[Account]:
        return [a for a in self.organization.accounts if a.name != naming.MANAGEMENT]

    def ou_of(self, account: str) -> OrganizationalUnit | None:
        for ou in self.organization.organizational_units:
            if account in ou.accounts:
                return ou
        return None
