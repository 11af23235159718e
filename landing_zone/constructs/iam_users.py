"""IAM users with GPG-encrypted console passwords, and groups with their policies."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cdktf import TerraformResource, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.iam_group import IamGroup
from cdktf_cdktf_provider_aws.iam_group_membership import IamGroupMembership
from cdktf_cdktf_provider_aws.iam_group_policy import IamGroupPolicy
from cdktf_cdktf_provider_aws.iam_group_policy_attachment import IamGroupPolicyAttachment
from cdktf_cdktf_provider_aws.iam_user import IamUser
from cdktf_cdktf_provider_aws.iam_user_login_profile import IamUserLoginProfile
from constructs import Construct

from landing_zone.adoption.model import ADOPTED_TAG
from landing_zone.constructs import adoption
from landing_zone.constructs.iam_roles import adopt_attached
from landing_zone.constructs.policy import Statement, document

# `$${…}` reaches IAM as `${aws:username}`: terraform would otherwise read it as interpolation.
_SELF = "arn:aws:iam::*:user/$${aws:username}"
_OWN_MFA = "arn:aws:iam::*:mfa/$${aws:username}"

SELF_MANAGEMENT: list[Statement] = [
    {
        "Sid": "ViewAccountInfo",
        "Effect": "Allow",
        "Action": ["iam:GetAccountPasswordPolicy", "iam:GetAccountSummary", "iam:ListVirtualMFADevices"],
        "Resource": "*",
    },
    {
        "Sid": "ManageOwnPasswordAndMfa",
        "Effect": "Allow",
        "Action": [
            "iam:ChangePassword",
            "iam:GetUser",
            "iam:GetLoginProfile",
            "iam:UpdateLoginProfile",
            "iam:CreateVirtualMFADevice",
            "iam:DeleteVirtualMFADevice",
            "iam:EnableMFADevice",
            "iam:ListMFADevices",
            "iam:ResyncMFADevice",
        ],
        "Resource": [_SELF, _OWN_MFA],
    },
    {  # The documented post-deploy step: each user creates (and rotates) their own keys.
        "Sid": "ManageOwnAccessKeys",
        "Effect": "Allow",
        "Action": ["iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"],
        "Resource": _SELF,
    },
    {  # A leaked password alone must not remove the MFA device protecting it.
        "Sid": "DeactivateOwnMfaWithMfa",
        "Effect": "Allow",
        "Action": "iam:DeactivateMFADevice",
        "Resource": _SELF,
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    },
]


class IamUsers(Construct):
    """One IAM user per name: console access with a password encrypted to the user's GPG key.

    No access keys (each user creates their own: ManageOwnAccessKeys). The password must be changed at first sign-in; AWS never shows it in
    clear: only the holder of the private key can decrypt `encrypted_password`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pgp_keys: dict[str, str],
        adopted: Mapping[str, str] = MappingProxyType({}),
        adopted_logins: Mapping[str, str] = MappingProxyType({}),
    ) -> None:
        """adopted, adopted_logins: user name → import id of users (and their login profiles) that exist already."""
        super().__init__(scope, id)
        self.users: dict[str, IamUser] = {}
        self.login_profiles: dict[str, IamUserLoginProfile] = {}
        for name, pgp_key in sorted(pgp_keys.items()):
            user = IamUser(self, f"user-{name}", name=name, force_destroy=True, tags={ADOPTED_TAG: "true"} if name in adopted else None)
            if name in adopted:  # made elsewhere: its id, access keys and MFA devices stay
                adoption.adopt(user, adopted[name])
            self.users[name] = user
            self.login_profiles[name] = IamUserLoginProfile(
                self,
                f"login-{name}",
                user=user.name,
                pgp_key=pgp_key,
                password_length=32,
                password_reset_required=True,
                # Changing a key must not reset a password the user already changed.
                lifecycle=TerraformResourceLifecycle(ignore_changes=["pgp_key", "password_length", "password_reset_required"]),
            )
            # Its password stays (import cannot recover it: no encrypted_password, never recreated).
            if name in adopted_logins:
                adoption.adopt(self.login_profiles[name], adopted_logins[name])


class IamUserGroup(Construct):
    """A group, its members, AWS managed policies, an inline policy and self-management rights."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        members: list[IamUser],
        managed_policies: list[str],
        statements: list[Statement],
        adopt: bool = False,
        adopted_policies: Mapping[str, str] = MappingProxyType({}),
    ) -> None:
        """adopt: the group exists (made elsewhere): imported by name, released by `lz down` with
        what hangs on it; adopted_policies: managed policy ARN or inline name → import id of those it had."""
        super().__init__(scope, id)
        self.group = IamGroup(self, "group", name=name)
        # The provider cannot import a membership: on an adopted group terraform creates it
        # (adding a user already in the group is idempotent), and `lz down` releases it.
        attached: dict[str, TerraformResource] = {
            "members": IamGroupMembership(self, "members", name=f"{name}-members", group=self.group.name, users=[u.name for u in members])
        }
        for arn in managed_policies:
            attached[arn] = IamGroupPolicyAttachment(self, f"policy-{arn.rsplit('/', 1)[-1]}", group=self.group.name, policy_arn=arn)
        attached[f"{name}-policy"] = IamGroupPolicy(self, "inline", name=f"{name}-policy", group=self.group.id, policy=document(*SELF_MANAGEMENT, *statements))
        if adopt:
            adoption.adopt(self.group, name)
            adopt_attached(attached, adopted_policies)
