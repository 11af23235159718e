"""The one registry of names: stacks, state objects, buckets, roles, profiles.

Everything that two rooms must agree on is computed here from config values, so
stacks find each other by well-known names instead of cross-stack references.
"""

from __future__ import annotations

from collections.abc import Iterable

MANAGEMENT = "management"
SECURITY = "security"  # the identity account: IAM users live there, roles elsewhere trust it
# Identity Center groups: project.yaml's key → display name (the sso stack makes them; the
# adoption reads match existing groups by display name).
SSO_GROUPS = {
    "administrators": "Administrators",
    "devops": "DevOps",
    "finops": "FinOps",
    "securityauditor": "SecurityAuditor",
    "readonly": "ReadOnly",
}


# Permission sets: the sso stack's key (the group of the same key is assigned it) → name.
SSO_PERMISSION_SETS = {
    "administrators": "Administrator",
    "devops": "DevOps",
    "finops": "FinOps",
    "securityauditor": "SecurityAuditor",
    "readonly": "ReadOnly",
}


def sso_user_type(*, adopted: bool = False) -> str:
    """lz's Identity Center user type: a user without it was made elsewhere and is adopted."""
    return "landing-zone, adopted" if adopted else "landing-zone"


def sso_group_description(display: str, *, adopted: bool = False) -> str:
    """lz's group description; an adopted group's says so, and the next run knows it by that."""
    return f"{display} (landing-zone, adopted)" if adopted else f"{display} (landing-zone)"


SHARED = "shared"
OAAR_ROLE = "OrganizationAccountAccessRole"
# Roles the identities layer creates in member accounts (spec §2).
DEVOPS_ROLE, ADMIN_ROLE, AUDITOR_ROLE, DEPLOY_MASTER_ROLE = "DevOps", "Admin", "Auditor", "DeployMaster"
FINOPS_ROLE = "FinOps"
# The managed policy every role DevOps creates must carry as its permissions boundary (member accounts).
DEVOPS_BOUNDARY_POLICY = "DevOpsBoundary"
# Root console sign-ins are delivered to EventBridge in this region only.
GLOBAL_EVENTS_REGION = "us-east-1"


# The identities stack's output of IAM users and their encrypted initial passwords.
USERS_OUTPUT = "users"
# An identities stack's output of the account-wide objects it adopted (alias, password policy):
# they have no tags, so the next run knows them by this, in state, as adopted rather than lz's.
ADOPTED_OUTPUT = "lz_adopted"
# Every stack's output of its own id: a state holding it was written by lz.
STACK_MARKER_OUTPUT = "lz_stack"
# lz's own key in a stack's `//` metadata (terraform ignores `//`).
STACK_METADATA = "lz"


def stack_id(account: str, layer: str) -> str:
    """`<account>-<layer>`; layers.parse_stack_id turns it back."""
    return f"{account}-{layer}"


def identity_account(accounts: Iterable[str]) -> str:
    """The account holding the IAM users that roles elsewhere trust: security, else management."""
    return SECURITY if SECURITY in accounts else MANAGEMENT


def state_bucket(short_name: str, account: str) -> str:
    return f"{short_name}-{account}-terraform-backend"


def lock_table(short_name: str, account: str) -> str:
    # The reference names the lock table like the bucket.
    return state_bucket(short_name, account)


# Beside project.yaml: `<stack>.json`, the moved/removed blocks `lz migrate leverage --apply`
# wrote; every synth of that stack carries them (they are no-ops once applied).
MIGRATIONS_DIR = "migrations"


def state_key(account: str, layer: str) -> str:
    return f"{account}/{layer}/terraform.tfstate"


def org_account_name(project_name: str, account: str) -> str:
    return f"{project_name}-{account}"


def account_alias(project_name: str, account: str) -> str:
    return org_account_name(project_name, account)


def role_arn(account_id: str, role: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{role}"


def profile(short_name: str, *parts: str) -> str:
    """AWS CLI profile names: `<short>-bootstrap`, `<short>-<acct>-oaar`, …"""
    return "-".join((short_name, *parts))


# --- operator credentials and profiles (postdeploy) ---

CREDENTIAL_TYPES = ("BOOTSTRAP", "MANAGEMENT", "SECURITY")
# Each kind of keys assumes one role in the accounts (the reference's convention):
# bootstrap and management keys the organization's OAAR, security keys DevOps.
_ROLE_OF_TYPE = {"BOOTSTRAP": (OAAR_ROLE, "oaar"), "MANAGEMENT": (OAAR_ROLE, "oaar"), "SECURITY": (DEVOPS_ROLE, "devops")}


def credentials_profile(short_name: str, cred_type: str) -> str:
    """The profile holding a kind of access keys: `<short>-bootstrap`, `<short>-management`, …"""
    return profile(short_name, cred_type.lower())


def assumed_role(cred_type: str) -> str:
    """The role that profiles of `cred_type` keys assume in each account."""
    return _ROLE_OF_TYPE[cred_type][0]


def account_profile(short_name: str, account: str, cred_type: str) -> str:
    """`<short>-<acct>-oaar` (BOOTSTRAP/MANAGEMENT) or `<short>-<acct>-devops` (SECURITY)."""
    return profile(short_name, account, _ROLE_OF_TYPE[cred_type][1])


def stack_credentials_type(_account: str) -> str:
    """Whose keys an account's stacks use once MFA is required: MANAGEMENT keys, with MFA, to
    OAAR in every account. Never DevOps: the role people use day to day must not deploy (and
    so be able to rewrite) the stack that fences it."""
    return "MANAGEMENT"


def stack_profile(short_name: str, account: str) -> str:
    """`<short>-<acct>-oaar`: the account's OAAR from the management keys."""
    return account_profile(short_name, account, stack_credentials_type(account))


def policy_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:policy/{name}"


def config_section(profile_name: str) -> str:
    """Section of a profile in ~/.aws/config (the credentials file uses the bare name)."""
    return f"profile {profile_name}"


def mfa_device_name(user: str) -> str:
    return user


def mfa_serial(account_id: str, user: str) -> str:
    return f"arn:aws:iam::{account_id}:mfa/{mfa_device_name(user)}"


def role_session_name(profile_name: str) -> str:
    # RoleSessionName allows [\w+=,.@-]{2,64}; profile names already fit that alphabet.
    return f"lz-{profile_name}"[:64]


def alerts_topic(short_name: str, account: str) -> str:
    return f"{short_name}-{account}-security-alerts"


def alerts_key_alias(short_name: str, account: str) -> str:
    return f"alias/{alerts_topic(short_name, account)}"


def replica_bucket(short_name: str, account: str) -> str:
    return f"{state_bucket(short_name, account)}-replica"


def replication_role(short_name: str, account: str) -> str:
    # Role names stop at 64 characters: the bucket's name plus a suffix would not fit.
    return f"{short_name}-{account}-state-replication"


def access_analyzer(short_name: str) -> str:
    return f"{short_name}-organization"


def account_access_analyzer(short_name: str, account: str) -> str:
    """An account's own analyzer, one per region (CIS 2.18; the organization one lists only in security)."""
    return f"{short_name}-{account}-account"


def root_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:root"


# --- continuous integration (the `ci` layer and `lz pipeline github`) ---

# GitHub's OIDC token issuer; the ci layer trusts it in the management account.
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_WORKFLOW_FILE = ".github/workflows/landing-zone.yml"
CI_ROLE_KINDS = ("plan", "apply")


def ci_role(short_name: str, kind: str) -> str:
    """The role a workflow job assumes by OIDC: `<short>-ci-plan` (pull requests) or `<short>-ci-apply`."""
    return f"{short_name}-ci-{kind}"


def github_oidc_provider_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:oidc-provider/{GITHUB_OIDC_HOST}"


def ci_member_role(short_name: str, kind: str) -> str:
    """The role a ci role session assumes in member accounts: the read-only plan role there (a
    pull request's plan never holds OAAR, which is admin), or OAAR for apply (as `lz up` does)."""
    return ci_role(short_name, "plan") if kind == "plan" else OAAR_ROLE


# --- the audit layer (organization trail, log archive, support role) ---

# The CIS support role (AWSSupportAccess) in every account, assumed from the identity account.
SUPPORT_ROLE = "Support"


def audit_trail(short_name: str) -> str:
    return f"{short_name}-organization-trail"


def audit_bucket(short_name: str, account: str) -> str:
    """The log archive: the organization trail's (and AWS Config's) objects, in `account`."""
    return f"{short_name}-{account}-audit-logs"


def audit_access_log_bucket(short_name: str, account: str) -> str:
    return f"{audit_bucket(short_name, account)}-access"


def audit_key_alias(short_name: str) -> str:
    return f"alias/{short_name}-audit-logs"


def config_recorder(short_name: str) -> str:
    return f"{short_name}-config"


def trail_arn(region: str, account_id: str, trail: str) -> str:
    return f"arn:aws:cloudtrail:{region}:{account_id}:trail/{trail}"


# --- the organization trail in CloudWatch Logs, CIS 5.x metric filters and alarms ---


def audit_trail_log_group(short_name: str) -> str:
    return f"/aws/cloudtrail/{audit_trail(short_name)}"


def audit_trail_logs_role(short_name: str) -> str:
    """The role CloudTrail assumes to write the trail into its log group."""
    return f"{audit_trail(short_name)}-cloudwatch-logs"


def cis_namespace(short_name: str) -> str:
    return f"{short_name}/CISBenchmark"


def cis_metric(short_name: str, control: str) -> str:
    """The metric filter, its metric and its alarm share this name."""
    return f"{short_name}-cis-{control}"


def log_group_arn(region: str, account_id: str, log_group: str) -> str:
    return f"arn:aws:logs:{region}:{account_id}:log-group:{log_group}"


def cis_alarms_topic(short_name: str) -> str:
    """The CIS 5.x alarms' topic in a primary region other than us-east-1 (management-audit)."""
    return f"{short_name}-management-cis-alarms"


def cis_alarms_key_alias(short_name: str) -> str:
    return f"alias/{cis_alarms_topic(short_name)}"


def alerts_topic_arn(region: str, account_id: str, short_name: str, account: str) -> str:
    return f"arn:aws:sns:{region}:{account_id}:{alerts_topic(short_name, account)}"


# --- people on IAM Identity Center (`lz sso configure|login`) ---

# The management-sso stack's output: the AWS access portal URL people sign in at.
SSO_START_URL_OUTPUT = "sso_start_url"
# The permission set `lz up` runs with under `auth: sso` (management; members through OAAR).
SSO_DEPLOY_PERMISSION_SET = SSO_PERMISSION_SETS["administrators"]
# What `lz sso configure` asks for: account access through permission sets (the AWS CLI's default).
SSO_REGISTRATION_SCOPES = "sso:account:access"


def sso_start_url(identity_store_id: str) -> str:
    """The default portal URL of an Identity Center instance (`https://d-…awsapps.com/start`)."""
    return f"https://{identity_store_id}.awsapps.com/start"


def sso_session(short_name: str, *, emulator: bool = False) -> str:
    """`[sso-session <short>]`; its token is cached under the sha1 of this name in ~/.aws/sso/cache,
    so the emulator's session has a name of its own and never replaces a real one's token."""
    return f"{short_name}-emulator" if emulator else short_name


def sso_profile(short_name: str, account: str, permission_set: str) -> str:
    """`<short>-<account>-<permission set>` in lower case: `me-shared-devops`."""
    return profile(short_name, account, permission_set).lower()


def sso_session_section(session: str) -> str:
    return f"sso-session {session}"
