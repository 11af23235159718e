"""One brownfield organization on the emulator, seeded with boto3 as a team's hand-made one:
what tests/fixtures/brownfield/project.yaml describes, and what it does not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURE_EMAILS = {"security": "aws+security@acme.example.com", "shared": "aws+shared@acme.example.com", "network": "aws+network@acme.example.com"}
UNNAMED_EMAIL = "legacy@acme.example.com"
ANALYZER = "access-analyzer.amazonaws.com"
# Content differs from lz's built-in `default`: adopting it updates it in place.
OLD_DEFAULT = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}
DENY_REGIONS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}}],
}


@dataclass(frozen=True)
class Seeded:
    organization: str
    root: str
    ous: dict[str, str]  # security, workloads, prod, sandbox (not described)
    accounts: dict[str, str]  # security, shared, network, legacy (not described)
    policies: dict[str, str]  # default (described), deny-regions (not described)


def seed(org: Any) -> Seeded:
    """`org`: the management account's Organizations client on a fresh emulator."""
    organization = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")

    def ou(name: str, parent: str) -> str:
        return str(org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"])

    ous = {"security": ou("security", root), "workloads": ou("workloads", root), "sandbox": ou("sandbox", root)}
    ous["prod"] = ou("prod", ous["workloads"])

    def account(name: str, email: str, parent: str) -> str:
        status = org.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
        account_id = str(org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"])
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
        return account_id

    accounts = {
        "security": account("Security", FIXTURE_EMAILS["security"], ous["security"]),
        "shared": account("Shared services", FIXTURE_EMAILS["shared"], ous["prod"]),
        "network": account("Network", FIXTURE_EMAILS["network"], root),
        "legacy": account("Legacy", UNNAMED_EMAIL, ous["sandbox"]),
    }

    def policy(name: str, content: dict[str, Any], target: str) -> str:
        body = json.dumps(content)
        policy_id = str(org.create_policy(Name=name, Description=name, Type="SERVICE_CONTROL_POLICY", Content=body)["Policy"]["PolicySummary"]["Id"])
        org.attach_policy(PolicyId=policy_id, TargetId=target)
        return policy_id

    # Access Analyzer already administered by security, as lz would have it: adopted, not registered again.
    org.enable_aws_service_access(ServicePrincipal=ANALYZER)
    org.register_delegated_administrator(AccountId=accounts["security"], ServicePrincipal=ANALYZER)

    policies = {"default": policy("default", OLD_DEFAULT, ous["security"]), "deny-regions": policy("deny-regions", DENY_REGIONS, ous["prod"])}
    return Seeded(organization, root, ous, accounts, policies)


ADA = "ada.lovelace@acme.example.com"  # the fixture's one Identity Center user
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass(frozen=True)
class SeededIdentityCenter:
    instance: str
    store: str
    user: str  # ada's user id (described)
    other_user: str  # a user project.yaml does not describe
    group: str  # Administrators, made by hand
    membership: str  # ada in Administrators
    permission_set: str  # Administrator's ARN (described), assigned to Administrators in management
    other_permission_set: str  # Legacy's ARN (not described)
    management: str  # the account Administrator is assigned in


def seed_identity_center(sso_admin: Any, identitystore: Any, management_id: str) -> SeededIdentityCenter:
    """What a team made by hand in Identity Center: lz's Administrator permission set assigned to
    its Administrators group in management, ada in it; a user and a permission set lz does not name."""
    instance = sso_admin.list_instances()["Instances"][0]
    arn, store = instance["InstanceArn"], instance["IdentityStoreId"]

    def user(name: str, given: str, family: str) -> str:
        emails = [{"Value": name, "Type": "work", "Primary": True}]
        created = identitystore.create_user(
            IdentityStoreId=store, UserName=name, DisplayName=f"{given} {family}", Name={"GivenName": given, "FamilyName": family}, Emails=emails
        )
        return str(created["UserId"])

    ada, other = user(ADA, "Ada", "Lovelace"), user("ops@acme.example.com", "Ops", "Robot")
    group = str(identitystore.create_group(IdentityStoreId=store, DisplayName="Administrators", Description="our admins")["GroupId"])
    membership = identitystore.create_group_membership(IdentityStoreId=store, GroupId=group, MemberId={"UserId": ada})["MembershipId"]

    def permission_set(name: str) -> str:
        return str(sso_admin.create_permission_set(Name=name, InstanceArn=arn, SessionDuration="PT8H")["PermissionSet"]["PermissionSetArn"])

    admin, legacy = permission_set("Administrator"), permission_set("Legacy")
    sso_admin.attach_managed_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=admin, ManagedPolicyArn=ADMINISTRATOR_ACCESS)
    sso_admin.create_account_assignment(
        InstanceArn=arn, TargetId=management_id, TargetType="AWS_ACCOUNT", PermissionSetArn=admin, PrincipalType="GROUP", PrincipalId=group
    )
    return SeededIdentityCenter(arn, store, ada, other, group, str(membership), admin, legacy, management_id)


# Added to the fixture where IAM users are seeded too (its users need GPG keys, which
# tests/synth_helpers.prepare_project generates next to the copy).
IAM_ACCOUNTS = """
# ada.lovelace exists in management already (seeded with an access key and an MFA device): adopted.
accounts:
  management:
    groups:
    - {name: admins, users: [ada.lovelace]}
"""


def fixture_with_iam_users(fixture: Path, dest: Path) -> Path:
    """The fixture project with IAM_ACCOUNTS, written in `dest` (a source for prepare_project)."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "project.yaml").write_text(fixture.read_text() + IAM_ACCOUNTS)
    return dest / "project.yaml"


IAM_USER = "ada.lovelace"
MANAGEMENT_ALIAS = "acme-management"


@dataclass(frozen=True)
class SeededIamUser:
    user: str  # the user's id
    access_key: str
    mfa_serial: str
    group: str  # the admins group's id (lz's name: project.yaml's group)
    role: str  # OrganizationAccountAccessRole's id (lz's name for its role in management)


OAAR = "OrganizationAccountAccessRole"
_HAND_MADE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}],
}


def seed_iam_user(iam: Any) -> SeededIamUser:
    """ada.lovelace in management as a team made her (a console password, an access key, an MFA
    device), and the account's alias and password policy."""
    user = iam.create_user(UserName=IAM_USER)["User"]["UserId"]
    iam.create_login_profile(UserName=IAM_USER, Password="Brownfield-Passw0rd!" * 2)
    key = iam.create_access_key(UserName=IAM_USER)["AccessKey"]["AccessKeyId"]
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=IAM_USER)["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName=IAM_USER, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    # The account's alias (lz's name for it) and a weaker password policy than lz's, made by hand too.
    iam.create_account_alias(AccountAlias=MANAGEMENT_ALIAS)
    iam.update_account_password_policy(MinimumPasswordLength=12)
    # project.yaml's admins group with ada in it and AdministratorAccess attached, and lz's
    # management role, made by hand with another trust: both adopted with their attachments.
    group = iam.create_group(GroupName="admins")["Group"]["GroupId"]
    iam.add_user_to_group(GroupName="admins", UserName=IAM_USER)
    iam.attach_group_policy(GroupName="admins", PolicyArn=ADMINISTRATOR_ACCESS)
    role = iam.create_role(RoleName=OAAR, AssumeRolePolicyDocument=json.dumps(_HAND_MADE_TRUST))["Role"]["RoleId"]
    iam.attach_role_policy(RoleName=OAAR, PolicyArn=ADMINISTRATOR_ACCESS)
    return SeededIamUser(str(user), str(key), str(serial), str(group), str(role))


STATE_BACKEND = "acm-management-terraform-backend"  # the fixture's short name: lz's bucket and lock table


def seed_state_backend(s3: Any, dynamodb: Any) -> None:
    """The management account's state bucket and lock table, made by hand before lz ever ran
    (an earlier attempt, another tool): the bootstrap imports them."""
    s3.create_bucket(Bucket=STATE_BACKEND)
    dynamodb.create_table(
        TableName=STATE_BACKEND,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
    )
