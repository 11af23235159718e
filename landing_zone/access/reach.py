"""Who reaches what: person or group → role or permission set → account, with MFA and SCPs.

Each row is decided by the evaluator (a member holding only that group's rights, with a fresh
MFA sign-in, then without one to tell whether MFA is needed), not read off the design.
"""

from __future__ import annotations

from dataclasses import dataclass

from landing_zone import naming
from landing_zone.access.decide import ASSUMED, BOOTSTRAP_USER, FRESH_MFA, NO_MFA, Caller, decide
from landing_zone.access.model import AccessModel
from landing_zone.access.terraform import Json

SSO_MFA = "Identity Center"  # SSO sign-in MFA is an Identity Center setting, not a trust condition


@dataclass(frozen=True, order=True)
class Access:
    who: str  # "IAM group security/admins", "SSO group Administrators", "bootstrap admin"
    members: tuple[str, ...]
    reaches: str  # role name, "permission set X", or "own policies"
    account: str
    mfa: str  # "yes", "no", or SSO_MFA
    scps: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"who": self.who, "members": list(self.members), "reaches": self.reaches, "account": self.account, "mfa": self.mfa, "scps": list(self.scps)}


def _roles_reached(model: AccessModel, start: Caller) -> list[tuple[str, str, str]]:
    """(role, account, mfa needed) for every role of the model `start` can assume."""
    found = []
    for (account, role), _ in sorted(model.roles.items()):
        arn = naming.role_arn(model.accounts[account].id, role)
        if decide(model, start.with_mfa(FRESH_MFA).then(account, role), ASSUMED, arn).allowed:
            without = decide(model, start.with_mfa(NO_MFA).then(account, role), ASSUMED, arn).allowed
            found.append((role, account, "no" if without else "yes"))
    return found


def _policy_names(policies: tuple[tuple[str, dict[str, object]], ...]) -> str:
    managed = [name.rsplit("/", 1)[-1] for name, _ in policies if name.startswith("arn:")]
    return "own policies: " + (", ".join(managed) if managed else "self-management only")


def matrix(model: AccessModel) -> list[Access]:
    rows: list[Access] = []
    if naming.MANAGEMENT in model.accounts:
        bootstrap = Caller("bootstrap", naming.MANAGEMENT)
        rows += [
            Access("bootstrap admin", (BOOTSTRAP_USER,), role, account, mfa, model.scp_names(account))
            for role, account, mfa in _roles_reached(model, bootstrap)
        ]
    for (account, name), group in sorted(model.groups.items()):
        if not group.members:
            continue
        who = f"IAM group {account}/{name}"
        rows.append(Access(who, group.members, _policy_names(group.policies), account, "no", model.scp_names(account)))
        first = Caller("user", account, group.members[0], group=name)
        rows += [Access(who, group.members, role, target, mfa, model.scp_names(target)) for role, target, mfa in _roles_reached(model, first)]
    rows += _github_rows(model)
    for pset in sorted(model.permission_sets.values(), key=lambda p: p.name):
        for sso_group, account in pset.assignments:
            if account in model.accounts:
                rows.append(
                    Access(
                        f"SSO group {sso_group}",
                        model.sso_members.get(sso_group, ()),
                        f"permission set {pset.name}",
                        account,
                        SSO_MFA,
                        model.scp_names(account),
                    )
                )
    return rows


def _token_subjects(trust: Json, providers: set[str]) -> list[str]:
    """The `sub` values a role's trust admits for the model's OIDC providers (for display)."""
    found: list[str] = []
    for st in trust.get("Statement", []):
        fed = (st.get("Principal") or {}).get("Federated") if isinstance(st.get("Principal"), dict) else None
        if st.get("Effect") == "Allow" and fed in providers:
            for op in ("StringEquals", "StringLike"):
                value = (st.get("Condition") or {}).get(op, {}).get(f"{naming.GITHUB_OIDC_HOST}:sub")
                found += value if isinstance(value, list) else [value] if value else []
    return found


def _github_rows(model: AccessModel) -> list[Access]:
    """GitHub Actions jobs: the roles their tokens reach, and the roles those reach in turn,
    each decided for a token matching the trust (a `*` stands for a pull request)."""
    rows: list[Access] = []
    providers = set(model.oidc_providers)
    for (account, role), spec in sorted(model.roles.items()):
        for sub in _token_subjects(spec.trust, providers):
            token = Caller("oidc", account, sub.replace("*", "pull_request")).then(account, role)
            if not decide(model, token, ASSUMED, naming.role_arn(model.accounts[account].id, role)).allowed:
                continue
            who = f"GitHub Actions {sub}"
            rows.append(Access(who, (sub,), role, account, "no", model.scp_names(account)))
            for (target, other), _ in sorted(model.roles.items()):
                arn = naming.role_arn(model.accounts[target].id, other)
                if (target, other) != (account, role) and decide(model, token.then(target, other), ASSUMED, arn).allowed:
                    rows.append(Access(who, (sub,), other, target, "no", model.scp_names(target)))
    return rows


def select(rows: list[Access], account: str | None = None, principal: str | None = None) -> list[Access]:
    """Rows of one account and/or one principal (a person, or a group by name or label)."""

    def matches(row: Access) -> bool:
        if account and row.account != account:
            return False
        if principal:
            group = row.who.rsplit(" ", 1)[-1]
            people = {*row.members, *(m.split("@", 1)[0] for m in row.members)}  # SSO users go by email
            return principal in people or principal in (row.who, group, group.rsplit("/", 1)[-1])
        return True

    return [r for r in rows if matches(r)]


@dataclass(frozen=True, order=True)
class PersonAccess:
    """One person's reach through one group: the unit an access change adds or removes."""

    person: str
    via: str
    reaches: str
    account: str
    mfa: str

    def render(self) -> str:
        mfa = {"yes": " (MFA)", "no": "", SSO_MFA: ""}.get(self.mfa, "")
        return f"{self.person} via {self.via} → {self.reaches} in {self.account}{mfa}"


def per_person(rows: list[Access]) -> set[PersonAccess]:
    return {PersonAccess(m, r.who, r.reaches, r.account, r.mfa) for r in rows for m in r.members}
