"""Semantic checks of a parsed project: one small function a rule, every message collected."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING

from landing_zone import naming
from landing_zone.config import cron
from landing_zone.config.errors import Problem, suggest
from landing_zone.config.files import read_regular_file
from landing_zone.config.gpgkey import PublicKey, inspect_public_key
from landing_zone.config.model import AWS_REGIONS, Project

if TYPE_CHECKING:
    from landing_zone.config.loader import SourceMap

BUILTIN_POLICIES = ("default", "standard", "delete-protection", "tag-protection")
SCP_MAX_CHARS = 5120
MAX_POLICY_BYTES = 1 << 20  # read at most this much of a policy file (the SCP limit is far below)

Loc = tuple[str | int, ...]
Finding = tuple[Loc, str]
Rule = Callable[[Project, Path], Iterator[Finding]]
RULES: list[Rule] = []  # errors: the project is not used
WARNING_RULES: list[Rule] = []  # worth a look, but the project still loads


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def warning_rule(fn: Rule) -> Rule:
    WARNING_RULES.append(fn)
    return fn


def _group_user_locs(p: Project) -> dict[str, list[Loc]]:
    """Where each IAM user is listed in accounts.<acct>.groups[].users, in file order."""
    locs: dict[str, list[Loc]] = {}
    for acct, settings in p.accounts.items():
        for i, group in enumerate(settings.groups):
            for j, user in enumerate(group.users):
                locs.setdefault(user, []).append(("accounts", acct, "groups", i, "users", j))
    return locs


@rule
def management_account_present(p: Project, _: Path) -> Iterator[Finding]:
    names = p.account_names
    if naming.MANAGEMENT not in names:
        close = get_close_matches(naming.MANAGEMENT, names, n=1)
        typo = f" (is '{close[0]}' a typo of it?)" if close else ""
        yield ("organization", "accounts"), f"no account named '{naming.MANAGEMENT}'{typo}"
    elif p.management.id is None:
        i = names.index(naming.MANAGEMENT)
        yield ("organization", "accounts", i), "the management account needs its 12-digit 'id' (it is adopted, not created)"


@rule
def unique_accounts(p: Project, _: Path) -> Iterator[Finding]:
    for field in ("name", "email"):
        seen = Counter(getattr(a, field).lower() for a in p.organization.accounts)
        for i, acct in enumerate(p.organization.accounts):
            if seen[getattr(acct, field).lower()] > 1:
                yield ("organization", "accounts", i, field), f"duplicate account {field} '{getattr(acct, field)}'"


@rule
def member_ids_not_given(p: Project, _: Path) -> Iterator[Finding]:
    ids = Counter(a.id for a in p.organization.accounts if a.id)
    for i, acct in enumerate(p.organization.accounts):
        if acct.id and ids[acct.id] > 1:
            yield ("organization", "accounts", i, "id"), f"duplicate account id '{acct.id}'"


@rule
def regions(p: Project, _: Path) -> Iterator[Finding]:
    for key in ("primary_region", "secondary_region"):
        region = getattr(p, key)
        if region not in AWS_REGIONS:
            yield (key,), f"unknown region '{region}'{suggest(region, sorted(AWS_REGIONS))}"
    if p.primary_region == p.secondary_region:
        yield ("secondary_region",), "must differ from primary_region"


@rule
def organizational_units(p: Project, _: Path) -> Iterator[Finding]:
    ous = p.organization.organizational_units
    ou_names = [ou.name for ou in ous]
    counts = Counter(ou_names)
    accounts = p.account_names
    policies = [*BUILTIN_POLICIES, *(pol.name for pol in p.organization.policies)]
    placed: Counter[str] = Counter()
    for i, ou in enumerate(ous):
        base = ("organization", "organizational_units", i)
        if counts[ou.name] > 1:
            yield (*base, "name"), f"duplicate OU name '{ou.name}'"
        if ou.parent is not None and ou.parent not in ou_names:
            yield (*base, "parent"), f"unknown OU '{ou.parent}'{suggest(ou.parent, ou_names)}"
        for j, acct in enumerate(ou.accounts):
            placed[acct] += 1
            if acct not in accounts:
                yield (*base, "accounts", j), f"unknown account '{acct}'{suggest(acct, accounts)}"
            elif acct == naming.MANAGEMENT:
                yield (*base, "accounts", j), "the management account stays at the organization root"
        for j, pol in enumerate(ou.policy_names):
            if pol not in policies:
                yield (*base, "policy", j), f"unknown policy '{pol}'{suggest(pol, policies)}"
    for i, member in enumerate(p.organization.accounts):
        if member.name != naming.MANAGEMENT and placed[member.name] != 1:
            what = "is in no OU" if placed[member.name] == 0 else f"is in {placed[member.name]} OUs"
            yield ("organization", "accounts", i, "name"), f"member account '{member.name}' {what}; put it in exactly one"


@rule
def policy_documents(p: Project, base: Path) -> Iterator[Finding]:
    counts = Counter(pol.name for pol in p.organization.policies)
    for i, pol in enumerate(p.organization.policies):
        if counts[pol.name] > 1:
            yield ("organization", "policies", i, "name"), f"duplicate policy name '{pol.name}'"
        loc = ("organization", "policies", i, "file")
        try:
            raw = read_regular_file(base / pol.file, MAX_POLICY_BYTES, "a policy document")
        except FileNotFoundError:
            yield loc, f"policy file '{pol.file}' not found"
            continue
        except OSError as exc:
            yield loc, f"policy file '{pol.file}': cannot read it: {exc.strerror}"
            continue
        except ValueError as exc:  # a FIFO or device, or too big
            yield loc, f"policy file '{pol.file}': {exc}"
            continue
        try:
            doc = json.loads(raw)
        except ValueError as exc:  # JSONDecodeError and undecodable bytes alike
            yield loc, f"policy file '{pol.file}' is not valid JSON: {exc}"
            continue
        if not isinstance(doc, dict) or "Statement" not in doc:
            yield loc, f"policy file '{pol.file}' is not a policy document (a JSON object with a 'Statement')"
        # AWS counts the document as sent; the SCP construct sends it minified.
        elif (size := len(json.dumps(doc, separators=(",", ":")))) > SCP_MAX_CHARS:
            yield loc, f"policy '{pol.name}' is {size} characters minified, over the SCP limit of {SCP_MAX_CHARS}"


@rule
def account_settings(p: Project, _: Path) -> Iterator[Finding]:
    accounts = p.account_names
    for name in p.accounts:
        if name not in accounts:
            yield ("accounts", name), f"settings for unknown account '{name}'{suggest(name, accounts)}"


@rule
def ou_parents_acyclic(p: Project, _: Path) -> Iterator[Finding]:
    parents = {ou.name: ou.parent for ou in p.organization.organizational_units}
    for i, ou in enumerate(p.organization.organizational_units):
        seen, current = {ou.name}, ou.parent
        while current in parents and current not in seen:
            seen.add(current)
            current = parents[current]
        if current in seen:
            yield ("organization", "organizational_units", i, "parent"), f"OU '{ou.name}' is its own ancestor"


@rule
def unique_users(p: Project, _: Path) -> Iterator[Finding]:
    emails = Counter(u.email.lower() for u in p.users)
    logins = Counter(u.login for u in p.users)
    for i, user in enumerate(p.users):
        if emails[user.email.lower()] > 1:
            yield ("users", i, "email"), f"duplicate user email '{user.email}'"
        if logins[user.login] > 1:
            yield ("users", i), f"duplicate user '{user.login}'"


@rule
def iam_groups(p: Project, _: Path) -> Iterator[Finding]:
    for acct, settings in p.accounts.items():
        names = Counter(g.name for g in settings.groups)
        for i, group in enumerate(settings.groups):
            if names[group.name] > 1:
                yield ("accounts", acct, "groups", i, "name"), f"duplicate IAM group '{group.name}' in account '{acct}'"
            for j, user in enumerate(group.users):
                if user in group.users[:j]:
                    yield ("accounts", acct, "groups", i, "users", j), f"'{user}' is twice in group '{group.name}'"


@rule
def unique_lists(p: Project, _: Path) -> Iterator[Finding]:
    """A service or an address listed twice is a typo's trace (or a merge's)."""
    for loc, items in ((("devops", "extra_services"), p.devops.extra_services), (("notifications", "emails"), [e.lower() for e in p.notifications.emails])):
        for i, item in enumerate(items):
            if item in items[:i]:
                yield (*loc, i), f"'{item}' is listed twice"


@rule
def gpg_key_files(p: Project, base: Path) -> Iterator[Finding]:
    """Each IAM user's login password is encrypted with their public key: it must be theirs and usable."""
    for user, locs in _group_user_locs(p).items():
        loc = ("gpg_keys", user) if user in p.gpg_keys else locs[0]
        shown = p.gpg_keys.get(user, f"keys/{user}")
        try:
            key = inspect_public_key(p.gpg_key_file(user, base))
        except FileNotFoundError:
            hint = "" if user in p.gpg_keys else f" (export it with `gpg --export`, or set gpg_keys.{user})"
            yield loc, f"no GPG public key for IAM user '{user}': {shown} not found{hint}"
            continue
        except IsADirectoryError:
            yield loc, f"GPG key of '{user}': {shown} is a directory, not a key file"
            continue
        except OSError as exc:
            yield loc, f"GPG key of '{user}': cannot read {shown}: {exc.strerror}"
            continue
        except ValueError as exc:
            yield loc, f"GPG key of '{user}' ({shown}): {exc}"
            continue
        for problem in _key_problems(p, user, key):
            yield loc, f"GPG key of '{user}' ({shown}): {problem}"


def _key_problems(p: Project, user: str, key: PublicKey) -> Iterator[str]:
    """A key gpg reads can still be useless: expired, sign-only, or someone else's."""
    if key.validity == "e":
        when = f" on {key.expires:%Y-%m-%d}" if key.expires else ""
        yield f"expired{when}; ask {user} for a current key (`gpg --quick-set-expire`, then export it again)"
    elif key.validity == "r":
        yield f"revoked; ask {user} for a new key"
    elif not key.can_encrypt:
        yield ("has no encryption subkey valid now (a sign-only key, or its encryption subkey expired): the initial password cannot be encrypted to it")
    expected = p.gpg_key_emails.get(user)
    if expected is not None:
        if expected.lower() not in key.emails:
            yield f"its user ID is {_uids(key)}, not {expected} (gpg_key_emails.{user})"
        return
    sso_emails = {u.email.lower() for u in p.users if u.login == user}
    if not any(e in sso_emails or e.split("@")[0] == user for e in key.emails):
        wanted = " or ".join([*sorted(sso_emails), f"{user}@…"])
        yield (f"its user ID is {_uids(key)}, not {wanted}: is it {user}'s key? If it is, set gpg_key_emails.{user} to the key's address")


def _uids(key: PublicKey) -> str:
    return ", ".join(f"'{uid}'" for uid in key.user_ids)


@rule
def mfa_switches(p: Project, _: Path) -> Iterator[Finding]:
    """mfa_enabled and meta.enable_mfa stand for require_mfa (model.py); two switches must agree."""
    if p.mfa_enabled is not None and p.mfa_enabled != p.require_mfa:
        yield (
            ("mfa_enabled",),
            (f"{_yaml_bool(p.mfa_enabled)} disagrees with require_mfa: {_yaml_bool(p.require_mfa)}; keep one (require_mfa is lz's name for it)"),
        )
    enable = p.meta.enable_mfa if p.meta else None
    if enable is not None and enable != p.require_mfa:
        other = "require_mfa" if p.mfa_enabled is None else "mfa_enabled"
        yield ("meta", "enable_mfa"), (f"{_yaml_bool(enable)} disagrees with {other}: {_yaml_bool(p.require_mfa)}; keep one (require_mfa is lz's name for it)")


@rule
def pipeline(p: Project, _: Path) -> Iterator[Finding]:
    """What the model's patterns cannot say: git's ref rules and GitHub's reserved repository names."""
    if p.pipeline is None:
        return
    name = p.pipeline.repository.split("/", 1)[1]
    if name in (".", ".."):
        yield ("pipeline", "repository"), f"'{p.pipeline.repository}' is not a repository name GitHub allows"
    branch = p.pipeline.default_branch
    if ".." in branch or branch.endswith((".", ".lock")) or "/." in branch or branch.startswith("."):
        yield (("pipeline", "default_branch"), f"'{branch}' is not a git branch name (no '..', no part starting with '.', no '.' or '.lock' at the end)")
    schedule = cron.problem(p.pipeline.drift_schedule)
    if schedule:
        yield ("pipeline", "drift_schedule"), schedule


def _yaml_bool(value: bool) -> str:
    return str(value).lower()


# The policies the reference's templates give each IAM group by default (their comments list
# them); lz attaches the same rights by group name (roles.GROUPS), so these mean what lz builds.
REFERENCE_GROUP_POLICIES = {
    "admins": {"arn:aws:iam::aws:policy/AdministratorAccess", "aws_iam_policy.assume_admin_role.arn"},
    "finops": {"arn:aws:iam::aws:policy/job-function/Billing", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"},
    "auditors": {"aws_iam_policy.assume_auditor_role.arn", "arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"},
    "devops": {"aws_iam_policy.assume_devops_role.arn"},
    "deploymaster": {"aws_iam_policy.assume_deploymaster_role.arn"},
}


@warning_rule
def reference_group_policies(p: Project, _: Path) -> Iterator[Finding]:
    for acct, settings in p.accounts.items():
        for i, group in enumerate(settings.groups):
            # The reference quotes ARNs for its template ('"arn:…"'); a Terraform reference stays bare.
            bare = [pol.strip("'\"") for pol in group.policies]
            other = [pol for pol in bare if pol not in REFERENCE_GROUP_POLICIES.get(group.name, ())]
            if other:
                yield (
                    ("accounts", acct, "groups", i, "policies"),
                    f"lz attaches its own policies to IAM group '{group.name}' by its name; not applied: {', '.join(other)}",
                )


@warning_rule
def reference_account_users(p: Project, _: Path) -> Iterator[Finding]:
    for acct, settings in p.accounts.items():
        grouped = {u for g in settings.groups for u in g.users}
        for j, user in enumerate(settings.users):
            if user not in grouped:
                yield (("accounts", acct, "users", j), f"IAM user '{user}' is in no group of account '{acct}': lz creates the users of groups only")


@warning_rule
def reference_networks(p: Project, _: Path) -> Iterator[Finding]:
    for acct, settings in p.accounts.items():
        if settings.networks:
            count = len(settings.networks)
            yield (
                ("accounts", acct, "networks"),
                f"lz does not manage the reference's base-network layer: "
                f"{'this VPC is' if count == 1 else f'these {count} VPCs are'} not deployed "
                "(keep them in the reference's layer or your own Terraform)",
            )


@warning_rule
def reference_state_encryption(p: Project, _: Path) -> Iterator[Finding]:
    for i, acct in enumerate(p.organization.accounts):
        if acct.enable_dynamo_encryption is False:
            yield (
                ("organization", "accounts", i, "enable_dynamo_encryption"),
                "lz always encrypts the Terraform state bucket and lock table: false is ignored",
            )


# The reference's own example lists IAM users (kit.walker) that are not SSO users, and
# IAM users and SSO users are different identities, so a mismatch cannot be an error.
# A typo still fails validation: the misspelled user has no key file.
@warning_rule
def iam_users_are_people(p: Project, _: Path) -> Iterator[Finding]:
    logins = [u.login for u in p.users]
    if not logins:
        return
    for user, locs in _group_user_locs(p).items():
        if user not in logins:
            yield locs[0], f"IAM user '{user}' is not in users: (first_name.last_name){suggest(user, logins)}"


@warning_rule
def gpg_keys_used(p: Project, _: Path) -> Iterator[Finding]:
    iam_users = p.iam_users
    for user in p.gpg_keys:
        if user not in iam_users:
            yield ("gpg_keys", user), f"key for '{user}', who is in no IAM group{suggest(user, iam_users)}"
    for user in p.gpg_key_emails:
        if user not in iam_users:
            yield ("gpg_key_emails", user), f"key email for '{user}', who is in no IAM group{suggest(user, iam_users)}"


# Glacier Flexible Retrieval bills every object for at least 90 days.
GLACIER_MINIMUM_DAYS = 90


@rule
def audit_retention(p: Project, _: Path) -> Iterator[Finding]:
    """Logs must reach Glacier before they expire: S3 refuses an expiration at or before the transition."""
    if p.audit.retention_days <= p.audit.glacier_days:
        yield (
            ("audit", "retention_days"),
            f"{p.audit.retention_days} days is not after glacier_days ({p.audit.glacier_days}): logs would expire "
            "before they reach Glacier; keep retention_days above glacier_days",
        )


@rule
def audit_guardduty_admin(p: Project, _: Path) -> Iterator[Finding]:
    if p.audit.guardduty and naming.SECURITY not in p.account_names:
        yield (("audit", "guardduty"), f"GuardDuty's delegated administrator is the '{naming.SECURITY}' account, and there is none")


@warning_rule
def audit_glacier_minimum(p: Project, _: Path) -> Iterator[Finding]:
    kept = p.audit.retention_days - p.audit.glacier_days
    if 0 < kept < GLACIER_MINIMUM_DAYS:
        yield (("audit", "retention_days"), f"logs stay {kept} days in Glacier, which bills {GLACIER_MINIMUM_DAYS} days per object anyway")


def _run(rules: list[Rule], project: Project, base_dir: Path, source: SourceMap) -> list[Problem]:
    return [source.problem(loc, msg) for check in rules for loc, msg in check(project, base_dir)]


def validate(project: Project, base_dir: Path, source: SourceMap) -> list[Problem]:
    """Every semantic error of `project` (empty when it is usable)."""
    return _run(RULES, project, base_dir, source)


def warnings_of(project: Project, base_dir: Path, source: SourceMap) -> list[Problem]:
    """Findings worth a look that do not stop the project from loading."""
    return _run(WARNING_RULES, project, base_dir, source)
