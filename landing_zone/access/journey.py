"""The operator journey and its abuse cases as checks: who, which call, allowed or denied.

Expectations come from the design (roles.py, naming.py, the MFA switch), the principals and
policies from the synthesized stacks, the decision from the evaluator: a check fails when
the synthesized access differs from the design. `require_mfa`/`mfa_max_age` are the
deployed setting the synth was made with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from landing_zone import layers, naming, roles
from landing_zone.access import actions
from landing_zone.access.decide import (
    ASSUMED,
    FRESH_MFA,
    GITHUB_AUDIENCE,
    NO_MFA,
    Caller,
    Decision,
    Mfa,
    decide,
    sso_role_arn,
)
from landing_zone.access.model import AccessModel, stack_account
from landing_zone.access.terraform import Stacks, imported, released, resources
from landing_zone.config.model import Pipeline

# Journey steps (README "Operator journey on real AWS", the deploy commands) and abuse cases.
STEPS = (
    "credentials-bootstrap",
    "up",
    "passwords-show",
    "user-self-service",
    "credentials-user",
    "mfa-enroll",
    "mfa-login",
    "mfa-enable",
    "mfa-disable",
    "down",
    "down-order",
    "sso",
    "abuse-mfa",
    "abuse-reach",
    "abuse-auditor",
    "abuse-other-users",
    "abuse-own-mfa",
    "abuse-leave",
    "abuse-root",
    "abuse-scp",
    "abuse-fence",
    "ci",
    "abuse-ci",
)
_WRITES = (
    ("iam:CreateUser", "arn:aws:iam::{id}:user/intruder"),
    ("s3:PutObject", "arn:aws:s3:::{bucket}/x"),
    ("ec2:RunInstances", "*"),
    ("iam:AttachRolePolicy", "arn:aws:iam::{id}:role/Auditor"),
)
_SCP_CHANGES = ("organizations:UpdatePolicy", "organizations:AttachPolicy", "organizations:DetachPolicy", "organizations:DeletePolicy")


@dataclass(frozen=True)
class Check:
    step: str
    what: str
    caller: Caller
    action: str
    resource: str
    expect: bool
    context: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # roles an earlier step destroyed: the call runs as if they were gone
    gone: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Outcome:
    check: Check
    decision: Decision

    @property
    def ok(self) -> bool:
        return self.decision.allowed is self.check.expect

    def render(self) -> str:
        c = self.check
        want, got = ("allowed" if c.expect else "denied"), ("allowed" if self.decision.allowed else "denied")
        why = f" ({self.decision.why})" if self.decision.why else ""
        return f"[{c.step}] {c.what}: {c.caller.label} {c.action} {c.resource}: expected {want}, got {got}{why}"


def run(model: AccessModel, checks: list[Check]) -> list[Outcome]:
    return [Outcome(c, _decide(model, c)) for c in checks]


def _decide(model: AccessModel, check: Check) -> Decision:
    if check.action.startswith(_UNMODELLED):  # a step the matrix cannot evaluate fails, naming why
        return Decision(False, check.what)
    if check.gone:
        model = replace(model, roles={k: v for k, v in model.roles.items() if k not in check.gone})
    return decide(model, check.caller, check.action, check.resource, check.context)


def failures(
    model: AccessModel, stacks: Stacks, require_mfa: bool, mfa_max_age: int, step: str | None = None, *, pipeline: Pipeline | None = None
) -> list[str]:
    """Every check of the journey (or one step) whose decision differs from the design."""
    chosen = [c for c in checks(model, stacks, require_mfa, mfa_max_age, pipeline=pipeline) if step is None or c.step == step]
    return [o.render() for o in run(model, chosen) if not o.ok]


# --- who is who ---


def identity_account(model: AccessModel) -> str:
    """Where the IAM users who reach the member roles live (identities stack: security, else management)."""
    return naming.identity_account(model.accounts)


def _is_admin(model: AccessModel, account: str, user: str) -> bool:
    """Members of a group that is an administrator of its account (AdministratorAccess attached there)."""
    admin = roles.managed("AdministratorAccess")
    return account == naming.MANAGEMENT and any(
        admin in roles.GROUPS.get(g, roles.GroupSpec((), ())).management_policies for g in model.users[(account, user)].groups
    )


def _assumes(model: AccessModel, account: str, user: str) -> set[str]:
    """The member roles the design lets this user's groups assume."""
    return {r for g in model.users[(account, user)].groups for r in roles.GROUPS.get(g, roles.GroupSpec((), ())).assumes}


def operators(model: AccessModel, cred_type: str) -> list[Caller]:
    """The people whose keys of `cred_type` run the stacks once MFA is required."""
    if cred_type == "MANAGEMENT":
        return [Caller("user", naming.MANAGEMENT, u) for (a, u) in model.users if a == naming.MANAGEMENT and _is_admin(model, a, u)]
    home = identity_account(model)
    role = naming.assumed_role(cred_type)
    return [Caller("user", home, u) for (a, u) in model.users if a == home and role in _assumes(model, a, u)]


def deploy_caller(model: AccessModel, account: str, mfa_mode: bool) -> Caller | None:
    """Whom a stack of `account` runs as: bootstrap keys (members through OAAR), or the MFA sessions."""
    if not mfa_mode:
        bootstrap = Caller("bootstrap", naming.MANAGEMENT)
        return bootstrap if account == naming.MANAGEMENT else bootstrap.then(account, naming.OAAR_ROLE)
    cred_type = naming.stack_credentials_type(account)
    people = operators(model, cred_type)
    if not people:
        return None
    return people[0].with_mfa(FRESH_MFA).then(account, naming.assumed_role(cred_type))


# --- the checks ---


def checks(model: AccessModel, stacks: Stacks, require_mfa: bool, mfa_max_age: int, *, pipeline: Pipeline | None = None) -> list[Check]:
    """`pipeline`: project.yaml's pipeline: section, the design of the ci roles (None: no CI)."""
    out: list[Check] = []
    for gen in (_bootstrap_steps, _stack_steps, _down_order, _user_steps, _mfa_steps, _sso_steps, _abuse):
        out += gen(model, stacks, require_mfa, mfa_max_age)
    return out + _ci_steps(model, stacks, pipeline)


_UNMODELLED = "lz:"


def _missing(step: str, what: str) -> Check:
    # No one to run a step with: a check that cannot pass, naming what is missing.
    return Check(step, what, Caller("bootstrap", naming.MANAGEMENT), f"{_UNMODELLED}Missing", "*", True)


def _stack_calls(model: AccessModel, stacks: Stacks, stack_id: str, destroy: bool) -> Iterator[tuple[str, str]]:
    stack = stacks[stack_id]
    account = model.accounts[stack_account(stack_id, stacks[stack_id])]
    names, adopted = actions.names(stack), imported(stack)
    for kind in sorted(stack.get("resource") or {}):
        calls = actions.CALLS.get(kind)
        for key, body in resources(stack, kind):
            if calls is None:
                yield f"{_UNMODELLED}Unmodelled/{kind}", "*"  # a new resource type must be added to actions.CALLS
                continue
            if destroy and (released(body) or f"{kind}.{key}" in adopted):
                continue
            for action in calls.delete if destroy else calls.create:
                yield action, calls.arn(account.id, account.region, body, names)
    backend = ((stack.get("terraform") or {}).get("backend") or {}).get("s3")
    if backend:  # the state object and its lock, in the account's own backend
        yield "s3:GetObject", f"arn:aws:s3:::{backend['bucket']}/{backend['key']}"
        yield "s3:PutObject", f"arn:aws:s3:::{backend['bucket']}/{backend['key']}"
        yield "dynamodb:PutItem", f"arn:aws:dynamodb:{account.region}:{account.id}:table/{backend['dynamodb_table']}"


def _stack_steps(model: AccessModel, stacks: Stacks, require_mfa: bool, _age: int) -> list[Check]:
    out: list[Check] = []
    for stack_id in sorted(stacks):
        account = stack_account(stack_id, stacks[stack_id])
        caller = deploy_caller(model, account, require_mfa)
        if caller is None:
            out.append(_missing("up", f"no operator can deploy {stack_id}"))
            continue
        for step, destroy in (("up", False), ("down", True)):
            out += [Check(step, stack_id, caller, a, r, True) for a, r in _stack_calls(model, stacks, stack_id, destroy)]
    for account in (naming.MANAGEMENT, identity_account(model)):  # `lz passwords show` reads the users output
        caller, stack_id = deploy_caller(model, account, require_mfa), naming.stack_id(account, layers.IDENTITIES)
        backend = ((stacks.get(stack_id, {}).get("terraform") or {}).get("backend") or {}).get("s3")
        if caller and backend:
            out.append(Check("passwords-show", stack_id, caller, "s3:GetObject", f"arn:aws:s3:::{backend['bucket']}/{backend['key']}", True))
    return out


def _destroyed_after(layer: str) -> set[str]:
    """Layers of the same account `lz down` destroys after `layer` (those it depends on)."""
    found: set[str] = set()
    todo = list(layers.layer(layer).after)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += layers.layer(name).after
    return found


def _down_order(model: AccessModel, stacks: Stacks, require_mfa: bool, _age: int) -> list[Check]:
    """`lz down` runs stack after stack: the role a later stack runs as must outlive the
    identities stack that manages it (an adopted role is released, never destroyed)."""
    out: list[Check] = []
    for account in model.accounts:
        caller = deploy_caller(model, account, require_mfa)
        identities = stacks.get(naming.stack_id(account, layers.IDENTITIES))
        if caller is None or not caller.via or identities is None:
            continue
        role = caller.via[-1][1]
        destroyed = [
            key
            for key, body in resources(identities, "aws_iam_role")
            if body["name"] == role and not released(body) and f"aws_iam_role.{key}" not in imported(identities)
        ]
        if not destroyed:
            continue
        for layer in sorted(_destroyed_after(layers.IDENTITIES)):
            stack_id = naming.stack_id(account, layer)
            if stack_id in stacks:
                calls = list(_stack_calls(model, stacks, stack_id, destroy=True))
                out += [
                    Check(
                        "down-order",
                        f"{stack_id} after {naming.stack_id(account, layers.IDENTITIES)} destroyed {role}",
                        caller,
                        a,
                        r,
                        True,
                        gone=((account, role),),
                    )
                    for a, r in calls[:1]
                ]
    return out


def _bootstrap_steps(model: AccessModel, _stacks: Stacks, require_mfa: bool, _age: int) -> list[Check]:
    if require_mfa:
        return []
    bootstrap = Caller("bootstrap", naming.MANAGEMENT)
    out = [Check("credentials-bootstrap", "list the organization's accounts", bootstrap, "organizations:ListAccounts", "*", True)]
    out += [
        Check(
            "credentials-bootstrap",
            f"reach {a} through OAAR",
            bootstrap.then(a, naming.OAAR_ROLE),
            ASSUMED,
            naming.role_arn(model.accounts[a].id, naming.OAAR_ROLE),
            True,
        )
        for a in model.accounts
        if a != naming.MANAGEMENT
    ]
    return out


def _own(model: AccessModel, account: str, user: str) -> tuple[str, str]:
    account_id = model.accounts[account].id
    return f"arn:aws:iam::{account_id}:user/{user}", f"arn:aws:iam::{account_id}:mfa/{naming.mfa_device_name(user)}"


def _people(model: AccessModel) -> list[tuple[str, str]]:
    """IAM users of the management and identity accounts (the only accounts with IAM users)."""
    return sorted(k for k in model.users if k[0] in (naming.MANAGEMENT, identity_account(model)))


def _user_steps(model: AccessModel, _stacks: Stacks, require_mfa: bool, _age: int) -> list[Check]:
    out: list[Check] = []
    for account, user in _people(model):
        me, (arn, mfa_arn) = Caller("user", account, user), _own(model, account, user)
        signed_in = me.with_mfa(FRESH_MFA) if require_mfa else me
        out += [
            Check("user-self-service", "first sign-in, own access keys", signed_in, a, arn, True)
            for a in ("iam:ChangePassword", "iam:GetUser", "iam:CreateAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:DeleteAccessKey")
        ]
        out.append(Check("user-self-service", "read the password policy", signed_in, "iam:GetAccountPasswordPolicy", "*", True))
        out += [
            Check("mfa-enroll", "own virtual MFA device", me, a, r, True)
            for a, r in (
                ("iam:ListMFADevices", arn),
                ("iam:CreateVirtualMFADevice", mfa_arn),
                ("iam:EnableMFADevice", arn),
                ("iam:ListVirtualMFADevices", "*"),
                ("iam:DeleteVirtualMFADevice", mfa_arn),
            )
        ]
        out.append(Check("credentials-user", "--fetch-mfa-device", me, "iam:ListMFADevices", arn, True))
        out.append(Check("user-self-service", "remove own MFA device, signed in with MFA", me.with_mfa(FRESH_MFA), "iam:DeactivateMFADevice", arn, True))
    for caller in operators(model, "MANAGEMENT"):
        out.append(Check("credentials-user", "--type MANAGEMENT lists the accounts", caller, "organizations:ListAccounts", "*", True))
    return out


def _mfa_roles(account: str) -> list[str]:
    return [spec.name for spec in roles.roles_in(account) if spec.mfa]


def _mfa_steps(model: AccessModel, stacks: Stacks, require_mfa: bool, age: int) -> list[Check]:
    out: list[Check] = []
    if not operators(model, "MANAGEMENT"):
        out.append(_missing("mfa-login", "no IAM user in management can assume its OAAR"))
    if len(model.accounts) > 1 and not operators(model, "SECURITY"):
        out.append(_missing("mfa-login", f"no IAM user in {identity_account(model)} can assume DevOps"))
    for account in model.accounts:
        # The deploy's profile in every account, and DevOps's (day to day) in the members.
        for cred_type in dict.fromkeys((naming.stack_credentials_type(account), "SECURITY")):
            role = naming.assumed_role(cred_type)
            if (account, role) not in model.roles:
                continue
            for person in operators(model, cred_type):
                out.append(
                    Check(
                        "mfa-login",
                        naming.account_profile(model.short_name, account, cred_type),
                        person.with_mfa(FRESH_MFA).then(account, role),
                        ASSUMED,
                        naming.role_arn(model.accounts[account].id, role),
                        True,
                    )
                )
        # The transition redeploys the identities stacks with the credentials that still work.
        step = "mfa-disable" if require_mfa else "mfa-enable"
        caller = deploy_caller(model, account, require_mfa)
        if caller is None:
            out.append(_missing(step, f"no operator for {account}"))
            continue
        for role in _mfa_roles(account):
            out.append(
                Check(
                    step,
                    naming.stack_id(account, layers.IDENTITIES),
                    caller,
                    "iam:UpdateAssumeRolePolicy",
                    naming.role_arn(model.accounts[account].id, role),
                    True,
                )
            )
    return out


def _sso_steps(model: AccessModel, _stacks: Stacks, _mfa: bool, _age: int) -> list[Check]:
    out: list[Check] = []
    for pset in model.permission_sets.values():
        for _group, account in pset.assignments:
            if account not in model.accounts:
                continue
            caller = Caller("sso", account, pset.name)
            region = model.accounts[account].region
            writes = pset.name in ("Administrator", "DevOps")
            # DevOps creates users and roles only with its boundary on them.
            bounded = {"iam:PermissionsBoundary": naming.policy_arn(model.accounts[account].id, naming.DEVOPS_BOUNDARY_POLICY)}
            for action, resource in _WRITES[:3]:
                out.append(
                    Check(
                        "sso" if writes else "abuse-auditor",
                        f"{pset.name} {'writes' if writes else 'must not write'}",
                        caller,
                        action,
                        _fill(model, account, resource),
                        writes,
                        {"aws:RequestedRegion": region, **(bounded if pset.name == "DevOps" else {})},
                    )
                )
            if pset.name == "DevOps":
                out.append(
                    Check(
                        "abuse-fence",
                        "DevOps creates a user without its boundary",
                        caller,
                        *_fill_pair(model, account, _WRITES[0]),
                        False,
                        {"aws:RequestedRegion": region},
                    )
                )
    return out


def _assume_grants(policies: tuple[tuple[str, dict[str, Any]], ...]) -> list[str]:
    """Role ARNs an identity policy names in an sts:AssumeRole allow (wildcards left out)."""
    found: list[str] = []
    for _, doc in policies:
        for st in doc.get("Statement", []):
            acts = st.get("Action", [])
            if st.get("Effect") == "Allow" and "sts:AssumeRole" in ([acts] if isinstance(acts, str) else acts):
                res = st.get("Resource", [])
                found += [r for r in ([res] if isinstance(res, str) else res) if "*" not in r]
    return found


def _fill_pair(model: AccessModel, account: str, write: tuple[str, str]) -> tuple[str, str]:
    return write[0], _fill(model, account, write[1])


def _fill(model: AccessModel, account: str, template: str) -> str:
    return template.format(id=model.accounts[account].id, bucket=naming.state_bucket(model.short_name, account))


def _abuse(model: AccessModel, stacks: Stacks, require_mfa: bool, age: int) -> list[Check]:
    out: list[Check] = []
    home = identity_account(model)
    members = [a for a in model.accounts if a != naming.MANAGEMENT]
    # Who reaches which member role: exactly the groups the design names, with MFA where required.
    for account, user in sorted(model.users):
        if account != home or home == naming.MANAGEMENT:
            continue
        for target in members:
            for spec in roles.roles_in(target):
                arn = naming.role_arn(model.accounts[target].id, spec.name)
                caller = Caller("user", account, user, mfa=FRESH_MFA).then(target, spec.name)
                expect = spec.name in _assumes(model, account, user)
                out.append(Check("abuse-reach", f"{'may' if expect else 'must not'} reach {spec.name}@{target}", caller, ASSUMED, arn, expect))
                if spec.requires_mfa(require_mfa) and expect:  # DevOps, Admin, FinOps always; OAAR with the switch
                    for mfa, why in ((NO_MFA, "without MFA"), (Mfa(True, age + 1), f"with an MFA sign-in older than {age}s")):
                        out.append(Check("abuse-mfa", f"{spec.name}@{target} {why}", caller.with_mfa(mfa), ASSUMED, arn, False))
    if require_mfa:  # OAAR requires MFA too: the bootstrap keys no longer reach anything but management
        for account in model.accounts:
            for who in [Caller("bootstrap", naming.MANAGEMENT)] + operators(model, "MANAGEMENT"):
                for mfa, why in ((NO_MFA, "without MFA"), (Mfa(True, age + 1), f"with an MFA sign-in older than {age}s")):
                    out.append(
                        Check(
                            "abuse-mfa",
                            f"OAAR@{account} {why}",
                            who.with_mfa(mfa).then(account, naming.OAAR_ROLE),
                            ASSUMED,
                            naming.role_arn(model.accounts[account].id, naming.OAAR_ROLE),
                            False,
                        )
                    )
    # No dead grants: every role a group may assume exists and trusts the group's account.
    for (account, group_name), group in sorted(model.groups.items()):
        for arn in _assume_grants(group.policies):
            owner = model.account_of(arn.split(":")[4])
            role = arn.rsplit("/", 1)[-1]
            for user in group.members[:1]:
                caller = Caller("user", account, user, mfa=FRESH_MFA).then(owner.name if owner else arn.split(":")[4], role)
                out.append(Check("abuse-reach", f"group {group_name}'s grant on {arn} works", caller, ASSUMED, arn, True))
    # Auditors read, never write.
    for account, user in sorted(model.users):
        if naming.AUDITOR_ROLE in _assumes(model, account, user) and account == home:
            for target in members:
                caller = Caller("user", account, user, mfa=FRESH_MFA).then(target, naming.AUDITOR_ROLE)
                out.append(Check("abuse-auditor", "auditor reads", caller, "iam:GetRole", naming.role_arn(model.accounts[target].id, naming.DEVOPS_ROLE), True))
                out += [Check("abuse-auditor", "auditor must not write", caller, a, _fill(model, target, r), False) for a, r in _WRITES]
    # DevOps stays inside its fence: no IAM writes on itself, OAAR or its boundary; new roles bounded.
    devops = [u for (a, u) in sorted(model.users) if a == home and naming.DEVOPS_ROLE in _assumes(model, a, u)][:1]
    for user, target in ((u, t) for u in devops for t in members):
        out += _fence_checks(model, Caller("user", home, user, mfa=FRESH_MFA).then(target, naming.DEVOPS_ROLE), target)
    # Nobody but an administrator touches another user's keys, password or MFA device; own MFA only with MFA.
    for account, user in _people(model):
        if _is_admin(model, account, user):
            continue
        me = Caller("user", account, user)
        for other in sorted(u for a, u in model.users if a == account and u != user):
            arn, mfa_arn = _own(model, account, other)
            for action, resource in (
                ("iam:CreateAccessKey", arn),
                ("iam:DeleteAccessKey", arn),
                ("iam:UpdateLoginProfile", arn),
                ("iam:ChangePassword", arn),
                ("iam:DeactivateMFADevice", arn),
                ("iam:DeleteVirtualMFADevice", mfa_arn),
            ):
                out.append(Check("abuse-other-users", f"touch {other}'s credentials", me.with_mfa(FRESH_MFA), action, resource, False))
        out.append(Check("abuse-own-mfa", "remove own MFA device without MFA", me, "iam:DeactivateMFADevice", _own(model, account, user)[0], False))
    # Member accounts: nobody leaves the organization, the root user does nothing, no role changes the SCPs.
    for target in members:
        deployer = deploy_caller(model, target, require_mfa)
        admins = [
            Caller("user", home, u, mfa=FRESH_MFA).then(target, naming.ADMIN_ROLE)
            for (a, u) in sorted(model.users)
            if a == home and naming.ADMIN_ROLE in _assumes(model, a, u)
        ]
        for caller in ([deployer] if deployer else []) + admins[:1]:
            out.append(Check("abuse-leave", "a member account leaves the organization", caller, "organizations:LeaveOrganization", "*", False))
            out += [Check("abuse-scp", "a member role changes the SCPs", caller, a, "*", False) for a in _SCP_CHANGES]
        root = Caller("root", target)
        out += [Check("abuse-root", "the member account's root user", root, a, _fill(model, target, r), False) for a, r in _WRITES]
        out.append(Check("abuse-leave", "the root user leaves the organization", root, "organizations:LeaveOrganization", "*", False))
    return out


_SELF_WRITES = ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary")


def _fence_checks(model: AccessModel, caller: Caller, account: str) -> list[Check]:
    account_id = model.accounts[account].id
    boundary = naming.policy_arn(account_id, naming.DEVOPS_BOUNDARY_POLICY)
    out = [
        Check("abuse-fence", f"DevOps must not rewrite {role}@{account}", caller, a, naming.role_arn(account_id, role), False)
        for role in (naming.DEVOPS_ROLE, naming.OAAR_ROLE)
        for a in _SELF_WRITES
    ]
    out.append(Check("abuse-fence", f"DevOps must not rewrite its boundary in {account}", caller, "iam:CreatePolicyVersion", boundary, False))
    new_role = naming.role_arn(account_id, "app")
    out.append(Check("abuse-fence", f"DevOps must not create a role without its boundary in {account}", caller, "iam:CreateRole", new_role, False))
    out.append(
        Check(
            "abuse-fence",
            f"DevOps creates a role with its boundary in {account}",
            caller,
            "iam:CreateRole",
            new_role,
            True,
            {"iam:PermissionsBoundary": boundary},
        )
    )
    return out


# --- GitHub Actions (the ci layer): which tokens reach which role, and what plan may not do ---


def _token(sub: str, audience: str = GITHUB_AUDIENCE) -> Caller:
    return Caller("oidc", naming.MANAGEMENT, sub, audience=audience)


def _subjects(pipeline: Pipeline) -> dict[str, str]:
    """GitHub's subject claims (its OIDC docs), written out here rather than taken from the stack."""
    repo = f"repo:{pipeline.repository}"
    return {
        "pull request": f"{repo}:pull_request",
        "push to the default branch": f"{repo}:ref:refs/heads/{pipeline.default_branch}",
        "push to another branch": f"{repo}:ref:refs/heads/{pipeline.default_branch}-not",
        "job in the environment": f"{repo}:environment:{pipeline.environment}" if pipeline.environment else "",
        "job in another environment": f"{repo}:environment:{pipeline.environment or 'x'}-not",
        "another repository of the owner": f"repo:{pipeline.repository}-fork:environment:{pipeline.environment}",
        "the same name under another owner": f"repo:{pipeline.owner}-not/{pipeline.repository.split('/', 1)[1]}:pull_request",
    }


def ci_deployer(model: AccessModel, pipeline: Pipeline, account: str) -> Caller:
    """Whom a stack of `account` runs as in the apply job: the apply role, members through OAAR."""
    subjects = _subjects(pipeline)
    sub = subjects["job in the environment"] if pipeline.environment else subjects["push to the default branch"]
    apply = _token(sub).then(naming.MANAGEMENT, naming.ci_role(model.short_name, "apply"))
    return apply if account == naming.MANAGEMENT else apply.then(account, naming.OAAR_ROLE)


def ci_planner(model: AccessModel, pipeline: Pipeline, account: str) -> Caller:
    """Whom a stack of `account` runs as in a pull request's plan job: the plan roles only."""
    plan = naming.ci_role(model.short_name, "plan")
    caller = _token(_subjects(pipeline)["pull request"]).then(naming.MANAGEMENT, plan)
    return caller if account == naming.MANAGEMENT else caller.then(account, plan)


def _ci_steps(model: AccessModel, stacks: Stacks, pipeline: Pipeline | None) -> list[Check]:
    out: list[Check] = []
    management = model.accounts.get(naming.MANAGEMENT)
    if management is None:
        return out
    # Without a pipeline no role trusts a GitHub token; with one, exactly the two ci roles do.
    subjects = _subjects(pipeline) if pipeline else {"any repository": "repo:someone/anything:pull_request"}
    ci_roles = {naming.ci_role(model.short_name, k): k for k in naming.CI_ROLE_KINDS} if pipeline else {}
    for (account, role), _ in sorted(model.roles.items()):
        arn = naming.role_arn(model.accounts[account].id, role)
        for what, sub in subjects.items():
            if not sub:
                continue
            kind = ci_roles.get(role) if account == naming.MANAGEMENT else None
            expect = pipeline is not None and kind is not None and _trusted(pipeline, kind, what)
            out.append(
                Check(
                    "ci" if expect else "abuse-ci",
                    f"{what} {'may' if expect else 'must not'} assume {role}@{account}",
                    _token(sub).then(account, role),
                    ASSUMED,
                    arn,
                    expect,
                )
            )
    if pipeline is None:
        return out
    apply, plan = naming.ci_role(model.short_name, "apply"), naming.ci_role(model.short_name, "plan")
    good = ci_deployer(model, pipeline, naming.MANAGEMENT).name
    for role in (apply, plan):
        out.append(
            Check(
                "abuse-ci",
                f"a token for another audience must not assume {role}",
                _token(good, "sts.example.com").then(naming.MANAGEMENT, role),
                ASSUMED,
                naming.role_arn(management.id, role),
                False,
            )
        )
    # The apply job deploys every stack (the calls `lz up` makes, as for the laptop's credentials).
    for stack_id in sorted(stacks):
        caller = ci_deployer(model, pipeline, stack_account(stack_id, stacks[stack_id]))
        out += [Check("ci", f"apply job deploys {stack_id}", caller, a, r, True) for a, r in _stack_calls(model, stacks, stack_id, False)]
    # The plan job reads the state and takes the locks, and writes nothing else: one stack per
    # account stands for the rest (they share the bucket and table; each check costs ~0.3 s,
    # ReadOnlyAccess being long).
    first = {stack_account(s, stacks[s]): s for s in sorted(stacks, reverse=True)}
    for account, stack_id in sorted(first.items()):
        backend = ((stacks[stack_id].get("terraform") or {}).get("backend") or {}).get("s3")
        if not backend:
            continue
        caller, acct = ci_planner(model, pipeline, account), model.accounts[account]
        obj, table = f"arn:aws:s3:::{backend['bucket']}/{backend['key']}", f"arn:aws:dynamodb:{acct.region}:{acct.id}:table/{backend['dynamodb_table']}"
        lock = {"dynamodb:LeadingKeys": f"{backend['bucket']}/{backend['key']}"}
        out += [
            Check("ci", f"plan job reads {stack_id}", caller, "s3:GetObject", obj, True),
            Check("ci", f"plan job locks {stack_id}", caller, "dynamodb:PutItem", table, True, lock),
            Check("ci", f"plan job unlocks {stack_id}", caller, "dynamodb:DeleteItem", table, True, lock),
            Check("abuse-ci", f"plan job must not write the state of {stack_id}", caller, "s3:PutObject", obj, False),
            Check(
                "abuse-ci",
                f"plan job must not write the state digest of {stack_id}",
                caller,
                "dynamodb:PutItem",
                table,
                False,
                {"dynamodb:LeadingKeys": f"{backend['bucket']}/{backend['key']}-md5"},
            ),
        ]
    for account in model.accounts:
        caller = ci_planner(model, pipeline, account)
        out += [Check("abuse-ci", f"plan job must not write in {account}", caller, a, _fill(model, account, r), False) for a, r in _WRITES]
        out.append(Check("abuse-ci", f"plan job must not create accounts from {account}", caller, "organizations:CreateAccount", "*", False))
        if account != naming.MANAGEMENT:  # OAAR is admin: a pull request never holds it
            for role in (naming.OAAR_ROLE, naming.ADMIN_ROLE, naming.DEVOPS_ROLE):
                out.append(
                    Check(
                        "abuse-ci",
                        f"plan job must not assume {role}@{account}",
                        caller.then(account, role),
                        ASSUMED,
                        naming.role_arn(model.accounts[account].id, role),
                        False,
                    )
                )
    return out


def _trusted(pipeline: Pipeline, kind: str, what: str) -> bool:
    """The design: plan trusts every workflow of the repository; apply only its environment's jobs
    (or, without an environment, pushes to the default branch)."""
    own = what in ("pull request", "push to the default branch", "push to another branch", "job in the environment", "job in another environment")
    if kind == "plan":
        return own
    return what == ("job in the environment" if pipeline.environment else "push to the default branch")


__all__ = ["STEPS", "Check", "Outcome", "checks", "failures", "run", "sso_role_arn"]
