"""One request by one caller, through the roles it assumes, decided by the IAM evaluator.

A caller starts as an IAM user (the operator's keys), the bootstrap admin, an account's root
user, an Identity Center permission set or a GitHub Actions job (its OIDC token's claims), then
assumes roles hop by hop: each hop needs the caller's identity policy (under its account's SCPs)
and the role's trust policy to agree; a token's first hop needs the trust policy alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from landing_zone import naming
from landing_zone.access import evaluator, managed_policies
from landing_zone.access.evaluator import Principal
from landing_zone.access.model import AccessModel

# The admin IAM user created by hand in the management account (the reference's mgmt-org-admin).
BOOTSTRAP_USER = "mgmt-org-admin"
BOOTSTRAP_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
# Organizations accepts these from member accounts; everything else only from the management
# account (or a delegated administrator): an AWS rule outside any policy, so PMapper lacks it.
_MEMBER_ORGANIZATIONS_CALLS = (
    "organizations:LeaveOrganization",
    "organizations:AcceptHandshake",
    "organizations:DeclineHandshake",
    "organizations:Describe",
    "organizations:List",
)

Kind = Literal["user", "bootstrap", "root", "sso", "oidc"]
# A GitHub Actions token: issued by this host, for the audience configure-aws-credentials asks for.
GITHUB_AUDIENCE = "sts.amazonaws.com"
# The request of a check that only asks whether the roles can be assumed (no call after them).
ASSUMED = "(assume only)"


@dataclass(frozen=True)
class Mfa:
    """The MFA state of a sign-in: absent for plain access keys (AWS leaves the keys out)."""

    present: bool
    age: int = 0  # seconds since the MFA sign-in

    def context(self) -> dict[str, str]:
        if not self.present:
            return {}
        return {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": str(self.age)}


NO_MFA = Mfa(False)
FRESH_MFA = Mfa(True, 60)


@dataclass(frozen=True)
class Caller:
    kind: Kind
    account: str  # where the identity lives (sso: the assigned account)
    name: str = ""  # IAM user name or permission set name
    via: tuple[tuple[str, str], ...] = ()  # (account, role) assumed in turn
    mfa: Mfa = field(default=NO_MFA)
    group: str = ""  # user: only this IAM group's rights (what the group grants, not the person)
    audience: str = GITHUB_AUDIENCE  # oidc: the token's aud claim (name holds its sub claim)

    def then(self, account: str, role: str) -> Caller:
        return replace(self, via=(*self.via, (account, role)))

    def with_mfa(self, mfa: Mfa) -> Caller:
        return replace(self, mfa=mfa)

    @property
    def label(self) -> str:
        start = {
            "user": f"{self.name}@{self.account}",
            "bootstrap": f"{BOOTSTRAP_USER}@{self.account}",
            "root": f"root@{self.account}",
            "sso": f"sso:{self.name}@{self.account}",
            "oidc": f"github:{self.name}" + ("" if self.audience == GITHUB_AUDIENCE else f" (aud {self.audience})"),
        }[self.kind]
        mfa = "" if not self.mfa.present else f" (MFA {self.mfa.age}s)"
        return " → ".join([start + mfa, *(f"{role}@{acct}" for acct, role in self.via)])

    @property
    def final_account(self) -> str:
        return self.via[-1][0] if self.via else self.account


@dataclass(frozen=True)
class Decision:
    allowed: bool
    why: str  # for a denial: which hop or rule stopped it


def sso_role_arn(account_id: str, permission_set: str) -> str:
    # Identity Center provisions the set as this role in each assigned account.
    return f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{permission_set}_lz"


def _start(model: AccessModel, caller: Caller) -> tuple[Principal, dict[str, str]]:
    account_id = model.accounts[caller.account].id
    if caller.kind == "user":
        user = model.users[(caller.account, caller.name)]
        names = (caller.group,) if caller.group else user.groups
        groups = tuple((f"arn:aws:iam::{account_id}:group/{g}", model.groups[(caller.account, g)].policies) for g in names)
        return Principal(f"arn:aws:iam::{account_id}:user/{user.name}", (), groups), {}
    if caller.kind == "bootstrap":
        policy = (BOOTSTRAP_POLICY, managed_policies.document(BOOTSTRAP_POLICY))
        return Principal(f"arn:aws:iam::{account_id}:user/{BOOTSTRAP_USER}", (policy,)), {}
    if caller.kind == "root":  # the root user may do anything its account's SCPs allow
        everything = ("root", managed_policies.FULL_AWS_ACCESS_DOCUMENT)
        return Principal(f"arn:aws:iam::{account_id}:user/root", (everything,)), {"aws:PrincipalArn": naming.root_arn(account_id)}
    pset = model.permission_sets[caller.name]
    return Principal(sso_role_arn(account_id, pset.name), pset.policies, trust={}), {}


def _web_identity(model: AccessModel, caller: Caller) -> tuple[Principal, str] | Decision:
    """A token's first hop, AssumeRoleWithWebIdentity: the provider must exist in the role's account
    and accept the token's audience, and the role's trust must admit its claims."""
    if not caller.via:
        return Decision(False, "a token does nothing until it assumes a role")
    target, role_name = caller.via[0]
    role = model.roles.get((target, role_name))
    if role is None:
        return Decision(False, f"no role {role_name} in {target}")
    provider = naming.github_oidc_provider_arn(model.accounts[target].id)
    if caller.audience not in model.oidc_providers.get(provider, ()):
        return Decision(False, f"no OIDC provider {naming.GITHUB_OIDC_HOST} for audience {caller.audience} in {target}")
    claims = {f"{naming.GITHUB_OIDC_HOST}:sub": caller.name, f"{naming.GITHUB_OIDC_HOST}:aud": caller.audience}
    if not evaluator.web_identity_allowed(role.trust, provider, "sts:AssumeRoleWithWebIdentity", claims):
        return Decision(False, f"sts:AssumeRoleWithWebIdentity {role_name}@{target} denied")
    return Principal(naming.role_arn(model.accounts[target].id, role_name), role.policies, trust=role.trust), target


def decide(model: AccessModel, caller: Caller, action: str, resource: str, context: dict[str, str] | None = None) -> Decision:
    hops = caller.via
    if caller.kind == "oidc":
        first = _web_identity(model, caller)
        if isinstance(first, Decision):
            return first
        (principal, account), ctx, hops = first, {}, caller.via[1:]
    else:
        principal, base = _start(model, caller)
        ctx = {**base, **caller.mfa.context()}
        account = caller.account
    for target, role_name in hops:
        role = model.roles.get((target, role_name))
        if role is None:
            return Decision(False, f"no role {role_name} in {target}")
        arn = naming.role_arn(model.accounts[target].id, role_name)
        if not evaluator.allowed(
            principal, "sts:AssumeRole", arn, ctx, resource_policy=role.trust, resource_owner=model.accounts[target].id, scps=model.scp_documents(account)
        ):
            return Decision(False, f"sts:AssumeRole {role_name}@{target} denied")
        principal, account, ctx = Principal(arn, role.policies, trust=role.trust), target, caller.mfa.context()
    if action == ASSUMED:
        return Decision(True, "")
    if (
        action.startswith("organizations:")
        and account != naming.MANAGEMENT
        and not model.organizations_delegated
        and not action.startswith(_MEMBER_ORGANIZATIONS_CALLS)
    ):
        return Decision(False, "AWS Organizations accepts this only from the management account")
    # AWS names a region in every request: the account's own unless the check says otherwise.
    region = {"aws:RequestedRegion": model.accounts[account].region}
    if not evaluator.allowed(principal, action, resource, {**region, **ctx, **(context or {})}, scps=model.scp_documents(account)):
        return Decision(False, f"{action} denied")
    return Decision(True, "")
