"""The audit layer's claims, decided by the IAM evaluator: nobody in a member account stops or
changes the organization trail, nobody deletes a log object or lifts the archive's protection,
and only the identity account's admins (with MFA) reach the management account's support role.

Member accounts' support roles are the journey's (`abuse-reach`: they are in roles.roles_in).
A log object's deletion is denied by the archive's bucket policy: the caller's own policies and
SCPs are decided by `decide`, the bucket policy by the evaluator for a caller allowed everything
(an explicit deny there stops anyone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from landing_zone import naming, roles
from landing_zone.access import evaluator, managed_policies
from landing_zone.access.decide import ASSUMED, FRESH_MFA, NO_MFA, Caller, Mfa, decide
from landing_zone.access.journey import deploy_caller, identity_account
from landing_zone.access.model import AccessModel
from landing_zone.access.terraform import Stacks, policy_document, resources

TRAIL_CHANGES = ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors")
LOG_DELETIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")
ARCHIVE_CHANGES = ("s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:DeleteBucket", "s3:PutBucketVersioning")
AUDIT_LAYER = "audit"


@dataclass(frozen=True)
class Claim:
    what: str
    caller: Caller
    action: str
    resource: str
    expect: bool
    bucket_policy: dict[str, Any] | None = None  # the resource's policy, when it has one


@dataclass(frozen=True)
class Archive:
    account: str
    bucket: str
    policy: dict[str, Any]


def trail_arn(model: AccessModel, stacks: Stacks) -> str | None:
    stack = stacks.get(naming.stack_id(naming.MANAGEMENT, AUDIT_LAYER))
    management = model.accounts.get(naming.MANAGEMENT)
    trails = [body["name"] for _, body in resources(stack or {}, "aws_cloudtrail")]
    return naming.trail_arn(management.region, management.id, trails[0]) if trails and management else None


def archive(model: AccessModel, stacks: Stacks) -> Archive | None:
    """The log archive bucket and its policy (the bucket whose policy denies deleting objects)."""
    for account in (naming.SECURITY, naming.MANAGEMENT):
        stack = stacks.get(naming.stack_id(account, AUDIT_LAYER))
        for _, body in resources(stack or {}, "aws_s3_bucket_policy"):
            doc = policy_document(body["policy"])
            denies = [st for st in doc["Statement"] if st.get("Sid") == "DenyLogDeletion"]
            if denies:
                return Archive(account, str(denies[0]["Resource"]).removeprefix("arn:aws:s3:::").removesuffix("/*"), doc)
    return None


def _admins(model: AccessModel, target: str, role: str) -> list[Caller]:
    """The identity account's users whose groups may assume `role`, signed in with MFA, in `target`."""
    home = identity_account(model)
    found = []
    for (account, user), iam_user in sorted(model.users.items()):
        assumes = {r for g in iam_user.groups for r in roles.GROUPS.get(g, roles.GroupSpec((), ())).assumes}
        if account == home and role in assumes:
            found.append(Caller("user", home, user, mfa=FRESH_MFA).then(target, role))
    return found


def claims(model: AccessModel, stacks: Stacks, require_mfa: bool, mfa_max_age: int) -> list[Claim]:
    out: list[Claim] = []
    trail = trail_arn(model, stacks)
    members = [a for a in model.accounts if a != naming.MANAGEMENT]
    if trail:  # ProtectAuditTrail: a member account's Admin (the delegated administrator's too) cannot touch it
        for target in members:
            for caller in _admins(model, target, naming.ADMIN_ROLE)[:1]:
                out += [Claim(f"Admin@{target} must not change the organization trail", caller, a, trail, False) for a in TRAIL_CHANGES]
    found = archive(model, stacks)
    if found:
        objects = f"arn:aws:s3:::{found.bucket}/AWSLogs/{model.accounts[naming.MANAGEMENT].id}/CloudTrail/log.json.gz"
        bucket = f"arn:aws:s3:::{found.bucket}"
        admins = _admins(model, found.account, naming.ADMIN_ROLE)[:1]
        deployer = deploy_caller(model, found.account, require_mfa)
        for caller in [*admins, *([deployer] if deployer else [])]:
            out += [Claim("nobody deletes a log object", caller, a, objects, False, found.policy) for a in LOG_DELETIONS]
        for caller in admins:
            out.append(Claim("the archive's admins read the logs", caller, "s3:GetObject", objects, True, found.policy))
            if found.account != naming.MANAGEMENT:  # SCPs never apply in the management account
                out += [Claim("ProtectAuditArchive: an Admin must not lift the archive's protection", caller, a, bucket, False) for a in ARCHIVE_CHANGES]
        if deployer and found.account != naming.MANAGEMENT:  # the deploy roles keep managing it
            out += [Claim("the deploy role manages the archive", deployer, a, bucket, True) for a in ARCHIVE_CHANGES[:3]]
    support = model.roles.get((naming.MANAGEMENT, naming.SUPPORT_ROLE))
    if support:
        out += _support_claims(model, mfa_max_age)
    return out


def _support_claims(model: AccessModel, age: int) -> list[Claim]:
    """The management account's support role: the identity account's admins, with MFA, and nobody else."""
    arn = naming.role_arn(model.accounts[naming.MANAGEMENT].id, naming.SUPPORT_ROLE)
    home = identity_account(model)
    out: list[Claim] = []
    for (account, user), iam_user in sorted(model.users.items()):
        if account != home:
            continue
        assumes = {r for g in iam_user.groups for r in roles.GROUPS.get(g, roles.GroupSpec((), ())).assumes}
        expect = naming.SUPPORT_ROLE in assumes
        caller = Caller("user", home, user, mfa=FRESH_MFA).then(naming.MANAGEMENT, naming.SUPPORT_ROLE)
        out.append(Claim(f"{'may' if expect else 'must not'} reach Support@management", caller, ASSUMED, arn, expect))
        if expect:
            out.append(Claim("Support@management without MFA", caller.with_mfa(NO_MFA), ASSUMED, arn, False))
            out.append(Claim(f"Support@management with an MFA sign-in older than {age}s", caller.with_mfa(Mfa(True, age + 1)), ASSUMED, arn, False))
    for target in (a for a in model.accounts if a not in (naming.MANAGEMENT, home)):
        for caller in _admins(model, target, naming.ADMIN_ROLE)[:1]:  # a member account's Admin is not the identity account
            out.append(Claim(f"Admin@{target} must not reach Support@management", caller.then(naming.MANAGEMENT, naming.SUPPORT_ROLE), ASSUMED, arn, False))
    return out


def allowed(model: AccessModel, claim: Claim) -> bool:
    if not decide(model, claim.caller, claim.action, claim.resource).allowed:
        return False
    if claim.bucket_policy is None:
        return True
    # The caller's own policies allowed it: does the bucket policy deny it (to anyone)?
    account, role = claim.caller.via[-1] if claim.caller.via else (claim.caller.account, "")
    owner = model.accounts[account].id
    anyone = evaluator.Principal(naming.role_arn(owner, role or "caller"), (("everything", managed_policies.FULL_AWS_ACCESS_DOCUMENT),), trust={})
    context = {"aws:RequestedRegion": model.accounts[account].region, "aws:SecureTransport": "true", **claim.caller.mfa.context()}
    return evaluator.allowed(anyone, claim.action, claim.resource, context, resource_policy=claim.bucket_policy, resource_owner=owner)


def failures(model: AccessModel, stacks: Stacks, require_mfa: bool, mfa_max_age: int) -> list[str]:
    bad = []
    for c in claims(model, stacks, require_mfa, mfa_max_age):
        got = allowed(model, c)
        if got is not c.expect:
            want = "allowed" if c.expect else "denied"
            bad.append(f"[audit] {c.what}: {c.caller.label} {c.action} {c.resource}: expected {want}, got {'allowed' if got else 'denied'}")
    return bad
