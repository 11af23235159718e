"""IAM roles people assume: trust policies (with the MFA switch) and managed policies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cdktf import TerraformResource
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from landing_zone.constructs import adoption
from landing_zone.constructs.policy import Statement, document


@dataclass(frozen=True)
class MfaPolicy:
    """require_mfa from project.yaml; max_age in seconds."""

    required: bool
    max_age: int


# What a CI/CD caller may add to its session: tags and a source identity (audit trail).
SESSION_TAG_ACTIONS = ("sts:SetSourceIdentity", "sts:TagSession")


def trust_statement(principal_arns: list[str], mfa: MfaPolicy | None, *, session_tags: bool = False, sid: str = "TrustedPrincipals") -> Statement:
    """Allow the principals to assume the role; with MFA required, only a recent MFA sign-in."""
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": sorted(principal_arns)},
        "Action": ["sts:AssumeRole", *SESSION_TAG_ACTIONS] if session_tags else "sts:AssumeRole",
    }
    if mfa and mfa.required:
        statement["Condition"] = {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "NumericLessThan": {"aws:MultiFactorAuthAge": str(mfa.max_age)},
        }
    return statement


class Role(Construct):
    """A role trusted by `principals`, with AWS managed policies attached (and an inline policy).

    mfa: the MFA policy of its trust (required or not, max age), None for roles without MFA.
    adopt: import the existing role of that name instead of creating it (OAAR in members, a role
    with lz's name made elsewhere); it and what is attached to it are released by `lz down`.
    adopted_policies: managed policy ARN or inline policy name → import id of those it had.
    extra_trust: more trust statements, with conditions of their own (the ci apply role on OAAR).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        principals: list[str],
        policies: list[str],
        mfa: MfaPolicy | None,
        adopt: bool = False,
        max_session_duration: int = 3600,
        inline_policy: str | None = None,
        session_tags: bool = False,
        extra_trust: tuple[Statement, ...] = (),
        adopted_policies: Mapping[str, str] = MappingProxyType({}),
        tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.role = IamRole(
            self,
            "role",
            name=name,
            assume_role_policy=document(trust_statement(principals, mfa, session_tags=session_tags), *extra_trust),
            max_session_duration=max_session_duration,
            tags=tags,
        )
        attached: dict[str, TerraformResource] = {
            policy: IamRolePolicyAttachment(self, f"policy-{policy.rsplit('/', 1)[-1]}", role=self.role.name, policy_arn=policy) for policy in policies
        }
        if inline_policy:
            attached[f"{name}Access"] = IamRolePolicy(self, "access", name=f"{name}Access", role=self.role.name, policy=inline_policy)
        if adopt:  # the role and what we attached stay when the stack is destroyed
            adoption.adopt(self.role, name)
            adopt_attached(attached, adopted_policies)


def adopt_attached(attached: Mapping[str, TerraformResource], adopted: Mapping[str, str]) -> None:
    """What hangs on an adopted group or role (policy ARN or inline name → resource): those that
    existed are imported, the others created (attaching or putting a policy again is idempotent
    in IAM); all are released with it by `lz down`, as the user's login profile is."""
    for key, resource in attached.items():
        if key in adopted:
            adoption.adopt(resource, adopted[key])
        else:
            adoption.release_on_destroy(resource)
