"""The pydantic model of project.yaml.

Key names are the reference's (what `leverage project create` reads) so an
existing reference project.yaml loads unchanged; everything we add is optional
with a documented default. Field descriptions end up in schema/project.schema.json
(editor completion), so they are written for the person editing the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, StringConstraints, model_validator

from landing_zone import naming

PROJECT_NAME_RE = r"^[a-z0-9][a-z0-9-]{1,23}[a-z0-9]$"
SHORT_NAME_RE = r"^[a-z]{2,4}$"
ACCOUNT_NAME_RE = r"^[a-z][a-z0-9-]{0,30}$"
ACCOUNT_ID_RE = r"^\d{12}$"
EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
IAM_USER_RE = r"^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$"
SERVICE_PREFIX_RE = r"^[a-z0-9][a-z0-9-]{0,39}$"
# GitHub's owner (39 of letters, digits, inner hyphens) / repository (100 of letters, digits, . _ -).
GITHUB_REPOSITORY_RE = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}$"
# Both go verbatim into the apply role's trust (StringEquals): no wildcards, no spaces, no `:`.
GIT_BRANCH_RE = r"^[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$"  # git's other rules: validate.py
GITHUB_ENVIRONMENT_RE = r"^[A-Za-z0-9._-]{1,255}$"

# What a value failing each pattern should have been, for error messages; a None keeps
# the regex itself in the message (the spec states those two as regexes).
PATTERN_HINTS: dict[str, str | None] = {
    PROJECT_NAME_RE: None,
    SHORT_NAME_RE: None,
    ACCOUNT_NAME_RE: "a valid account name (lower-case letter, then up to 30 of a-z 0-9 -)",
    ACCOUNT_ID_RE: "a 12-digit account id",
    EMAIL_RE: "a valid email address",
    IAM_USER_RE: "a first.last IAM user name (lower-case)",
    SERVICE_PREFIX_RE: "an AWS service prefix as IAM actions use it (e.g. sagemaker, bedrock)",
    GITHUB_REPOSITORY_RE: "a GitHub repository as owner/name",
    GIT_BRANCH_RE: "a branch name (letters, digits, . _ - in parts between single slashes; no wildcards or spaces)",
    GITHUB_ENVIRONMENT_RE: "a GitHub environment name (letters, digits, . _ -)",
}

ProjectName = Annotated[str, StringConstraints(pattern=PROJECT_NAME_RE)]
ShortName = Annotated[str, StringConstraints(pattern=SHORT_NAME_RE)]
AccountName = Annotated[str, StringConstraints(pattern=ACCOUNT_NAME_RE)]
AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_RE)]
Email = Annotated[str, StringConstraints(pattern=EMAIL_RE)]
IamUserName = Annotated[str, StringConstraints(pattern=IAM_USER_RE)]
ServicePrefix = Annotated[str, StringConstraints(pattern=SERVICE_PREFIX_RE)]
GithubRepository = Annotated[str, StringConstraints(pattern=GITHUB_REPOSITORY_RE)]
GitBranch = Annotated[str, StringConstraints(pattern=GIT_BRANCH_RE)]
GithubEnvironment = Annotated[str, StringConstraints(pattern=GITHUB_ENVIRONMENT_RE)]
# Checked by a validation rule (with a suggestion), listed in the schema for completion.
AWS_REGIONS = frozenset(
    """us-east-1 us-east-2 us-west-1 us-west-2 af-south-1 ap-east-1 ap-east-2 ap-south-1 ap-south-2
    ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-southeast-1 ap-southeast-2 ap-southeast-3
    ap-southeast-4 ap-southeast-5 ap-southeast-7 ca-central-1 ca-west-1 eu-central-1 eu-central-2
    eu-west-1 eu-west-2 eu-west-3 eu-south-1 eu-south-2 eu-north-1 il-central-1 me-south-1
    me-central-1 mx-central-1 sa-east-1""".split()
)
DEFAULT_PRIMARY_REGION, DEFAULT_SECONDARY_REGION = "us-east-1", "us-west-2"
REGION_CHOICES: list[JsonValue] = [*sorted(AWS_REGIONS)]
REGION_ENUM: dict[str, JsonValue] = {"enum": REGION_CHOICES}  # schema: editors complete regions
SsoGroup = Literal["administrators", "devops", "finops", "securityauditor", "readonly"]


_ADDRESS_ALIASES = {"delete_protection": "delete-protection", "tag_protection": "tag-protection"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Account(_Strict):
    """An AWS account of the organization. Only the management account has an id up front."""

    name: AccountName = Field(description="Short account name; the AWS account is named <project_name>-<name>.")
    email: Email = Field(description="Root email address of the account; unique across AWS.")
    id: AccountId | None = Field(
        default=None,
        description="12-digit account id, quoted. Required for the management account (adopted, not created).",
    )
    enable_dynamo_encryption: bool | None = Field(
        default=None,
        description="The reference's switch for encrypting this account's Terraform state; lz always encrypts "
        "the state bucket and lock table (false is accepted with a warning).",
    )


class OrganizationalUnit(_Strict):
    """An organizational unit and the member accounts it holds."""

    name: str = Field(min_length=1, description="OU name; unique in the organization.")
    # SCP names; the reference writes them as Terraform addresses
    # (`aws_organizations_policy.default`), we also accept the bare name.
    policy: list[str] = Field(
        default=[],
        description="SCPs attached to the OU: default, standard, delete-protection, tag-protection or a custom policy name "
        "(aws_organizations_policy.<name> also works).",
    )
    accounts: list[str] = Field(default=[], description="Member accounts in this OU; each member in exactly one OU.")
    parent: str | None = Field(default=None, description="Name of the parent OU (nested OUs); root when unset.")

    @property
    def policy_names(self) -> list[str]:
        prefix = "aws_organizations_policy."
        # HCL names cannot hold '-': the reference's aws_organizations_policy.delete_protection is delete-protection.
        return [_ADDRESS_ALIASES.get(p.removeprefix(prefix), p.removeprefix(prefix)) if p.startswith(prefix) else p for p in self.policy]


class ServiceControlPolicy(_Strict):
    """A custom SCP; `default` and `standard` are built in unless redefined here."""

    name: str = Field(min_length=1, description="Policy name, referenced from organizational_units[].policy.")
    description: str = ""
    file: str = Field(description="Path of the JSON policy document, relative to project.yaml (at most 5,120 characters minified).")


class Organization(_Strict):
    """The AWS Organization: its accounts, OUs and custom SCPs."""

    accounts: list[Account] = Field(min_length=1, description="Every account; one must be named management.")
    organizational_units: list[OrganizationalUnit] = []
    policies: list[ServiceControlPolicy] = []


class User(_Strict):
    """An Identity Center (SSO) user."""

    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    email: Email = Field(description="Email address; also the Identity Center user name.")
    groups: list[SsoGroup] = Field(default=[], description="Identity Center groups the user belongs to.")

    @property
    def login(self) -> str:
        """first.last, lower-cased: the IAM user name the same person has in `accounts.*.groups`."""
        return f"{self.first_name}.{self.last_name}".lower()


class IamGroup(_Strict):
    """An IAM group of an account (the reference's base-identities layer)."""

    name: str = Field(min_length=1, description="Group name, e.g. admins, finops, auditors, devops.")
    users: list[IamUserName] = Field(default=[], description="IAM users (first.last); each needs a GPG public key, see gpg_keys.")
    policies: list[str] = Field(
        default=[],
        description="The reference's policy list (ARNs or Terraform references). lz attaches its own policies by "
        "group name: the reference's defaults are accepted, other entries get a warning and are not applied.",
    )


class AccountSettings(_Strict):
    """Per-account settings (the reference's `accounts:` block)."""

    groups: list[IamGroup] = Field(default=[], description="IAM groups and their IAM users in this account.")
    users: list[IamUserName] = Field(
        default=[],
        description="The older reference's list of the account's IAM users; lz creates the users of `groups`, so a user listed only here gets a warning.",
    )
    networks: list[dict[str, JsonValue]] = Field(
        default=[],
        description="The reference's VPCs (its base-network layer, accounts.shared.networks); accepted, not deployed by lz (a warning says so).",
    )


class Meta(_Strict):
    """The older reference's `meta:` block."""

    enable_mfa: bool | None = Field(default=None, description="The older reference's MFA switch; read as require_mfa.")


class Sso(_Strict):
    """AWS IAM Identity Center settings."""

    enabled: bool = Field(default=True, description="Manage Identity Center users, groups and permission sets.")
    session_duration: str = Field(default="PT1H", description="ISO 8601 session length of the permission sets.")


class StateBackend(_Strict):
    """Terraform state storage of every account (the tf-backend stacks).

    Always: a versioned bucket (every state version kept) with every public-access flag on,
    a TLS-only policy and encryption, and a lock table with point-in-time recovery and
    encryption. These two switches add cost, so they are opt-in.
    """

    kms: bool = Field(
        default=False,
        description="Encrypt the state bucket and lock table with a customer-managed KMS key per account "
        "(yearly rotation; about 1 USD a month per key). Off: S3- and DynamoDB-managed keys (AES-256).",
    )
    access_logging: bool = Field(
        default=False,
        description="Write S3 server access logs of the state bucket to a <bucket>-logs bucket in the same account (kept 365 days).",
    )
    replication: bool = Field(
        default=True,
        description="Replicate every state bucket to a <bucket>-replica bucket in secondary_region (same hardening), as the reference does.",
    )


class Audit(_Strict):
    """The audit layer: the organization trail, its log archive in the security account, and
    the optional AWS Config and GuardDuty.

    The defaults keep 90 days of logs in S3 Standard for investigations, then Glacier, and
    delete them after a year: PCI DSS 10.5.1 (a year of audit history, three months at hand),
    and longer than the reference's 120 days.
    """

    glacier_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Days after which trail and Config logs move to S3 Glacier Flexible Retrieval (cheaper, hours to read back).",
    )
    retention_days: int = Field(
        default=365,
        ge=2,
        le=3653,
        description="Days after which logs are deleted (the bucket's lifecycle rule); more than glacier_days.",
    )
    config: bool = Field(
        default=False,
        description="AWS Config recorder and delivery channel in every account, delivering into the log archive "
        "(billed per configuration item recorded; see README).",
    )
    guardduty: bool = Field(
        default=False,
        description="GuardDuty in every account, the security account its delegated administrator (billed per event and GB analysed; see README).",
    )


class DevOpsAccess(_Strict):
    """What the DevOps role and permission set may use beyond the built-in service allow-list."""

    extra_services: list[ServicePrefix] = Field(
        default=[],
        description="More AWS services (IAM action prefixes, e.g. sagemaker) DevOps may use, in the project's "
        "regions only, with the same instance-size limits.",
    )


class Notifications(_Strict):
    """Who hears about security alerts (root sign-in)."""

    emails: list[Email] = Field(
        default=[],
        description="Email addresses subscribed to every account's security-alerts topic; each must confirm the subscription AWS mails them.",
    )


class PasswordPolicy(_Strict):
    """The IAM password policy of every account (length 30, all character classes, 24 remembered)."""

    max_age: int | None = Field(
        default=None,
        ge=1,
        le=1095,
        description="Days until a password expires; unset: no forced expiry (CIS AWS Foundations v7).",
    )


class Pipeline(_Strict):
    """The GitHub Actions pipeline (`lz pipeline github`) and the ci layer's OIDC roles in management."""

    repository: GithubRepository = Field(
        description="owner/name of the GitHub repository whose workflows may assume the ci roles, spelled as "
        "GitHub does (the OIDC subject is compared exactly)."
    )
    default_branch: GitBranch = Field(default="main", description="The branch pushes to which apply; pull requests against it plan.")
    environment: GithubEnvironment | None = Field(
        default="landing-zone",
        description="GitHub environment of the apply jobs (can require approval): the apply role trusts only "
        "jobs in it; null: the apply role trusts the default branch instead.",
    )
    max_parallel: int = Field(default=10, ge=1, le=256, description="Stacks planned or applied at once per wave.")
    drift_schedule: str = Field(
        default="17 5 * * *",
        description="When the scheduled drift check (`lz drift`) runs: a cron in UTC, as GitHub Actions' `schedule` reads it (default: daily at 05:17).",
    )

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]


class Project(_Strict):
    """project.yaml: one file describing the whole landing zone."""

    project_name: ProjectName = Field(description="Long project name: accounts are named <project_name>-<account>.")
    short_name: ShortName = Field(description="2-4 lower-case letters; prefixes profiles, buckets and tables.")
    # The reference's defaults (its config/common.tfvars.template): us-east-1 and us-west-2.
    primary_region: str = Field(
        default=DEFAULT_PRIMARY_REGION,
        description="AWS region for everything regional, e.g. us-east-1 (the default, as in the reference).",
        json_schema_extra=REGION_ENUM,
    )
    secondary_region: str = Field(
        default=DEFAULT_SECONDARY_REGION,
        description="Second AWS region (replicas); must differ from primary_region. Default us-west-2, as in the reference.",
        json_schema_extra=REGION_ENUM,
    )
    organization: Organization
    users: list[User] = Field(default=[], description="Identity Center (SSO) users.")
    accounts: dict[str, AccountSettings] = Field(default={}, description="Per-account settings, keyed by account name (IAM groups and users).")
    require_mfa: bool = Field(default=False, description="Require MFA to assume the MFA roles of every account.")
    mfa_enabled: bool | None = Field(
        default=None,
        description="The reference's name for require_mfa (its build.env MFA_ENABLED); read as require_mfa, an error when both are given and disagree.",
    )
    meta: Meta | None = Field(default=None, description="The older reference's meta block (enable_mfa).")
    mfa_max_age: int = Field(default=3600, gt=0, description="Seconds an MFA sign-in stays valid for role trust.")
    sso: Sso = Sso()
    auth: Literal["bootstrap", "sso"] = Field(
        default="bootstrap",
        description="How `lz up` signs in: bootstrap (the access keys of `lz credentials configure`) or sso "
        "(your `lz sso login` session: the Administrator permission set in management, member accounts through "
        "OrganizationAccountAccessRole). LZ_AUTH=sso does the same for one run.",
    )
    state_backend: StateBackend = Field(
        default=StateBackend(),
        description="Terraform state storage: optional customer-managed KMS key and access logging.",
    )
    audit: Audit = Field(default=Audit(), description="Organization trail, log archive retention, AWS Config, GuardDuty.")
    devops: DevOpsAccess = Field(default=DevOpsAccess(), description="Extra services for the DevOps role.")
    notifications: Notifications = Field(default=Notifications(), description="Subscribers of security alerts.")
    password_policy: PasswordPolicy = Field(default=PasswordPolicy(), description="IAM password policy settings.")
    pipeline: Pipeline | None = Field(default=None, description="GitHub Actions with OIDC (the ci layer); unset: no CI roles, no workflow.")
    gpg_keys: dict[str, str] = Field(
        default={},
        description="IAM user (first.last) → public key file; default keys/<first.last> next to project.yaml.",
    )
    gpg_key_emails: dict[str, Email] = Field(
        default={},
        description="IAM user (first.last) → the email address in the user id of their GPG key, when it is "
        "neither their users: email nor first.last@<any domain> (lz validate checks the key is theirs).",
    )

    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _reference_mfa_switch(cls, data: Any) -> Any:
        """The reference's mfa_enabled (or meta.enable_mfa) stands for require_mfa when that is not given."""
        if not isinstance(data, dict) or "require_mfa" in data:
            return data  # both given: validate.mfa_switches reports a disagreement
        meta = data.get("meta")
        for value in (data.get("mfa_enabled"), meta.get("enable_mfa") if isinstance(meta, dict) else None):
            if isinstance(value, bool):
                return {**data, "require_mfa": value}
        return data

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

    @property
    def iam_users(self) -> list[str]:
        """Every IAM user named in `accounts.*.groups[].users`, first appearance first."""
        seen = dict.fromkeys(u for settings in self.accounts.values() for g in settings.groups for u in g.users)
        return list(seen)

    def gpg_key_file(self, user: str, base_dir: Path | None = None) -> Path:
        """Public key file of an IAM user: gpg_keys.<user>, else keys/<user>, relative to project.yaml."""
        rel = Path(self.gpg_keys.get(user, f"keys/{user}")).expanduser()
        return (base_dir or self.base_dir) / rel
