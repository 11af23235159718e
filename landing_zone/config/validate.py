"""Semantic checks of a parsed project: one small function a rule, every message collected."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING

from landing_zone import naming
from landing_zone.config.errors import Problem
from landing_zone.config.model import Project

if TYPE_CHECKING:
    from landing_zone.config.loader import SourceMap

BUILTIN_POLICIES = ("default", "standard")
SCP_MAX_CHARS = 5120
AWS_REGIONS = frozenset(
    """us-east-1 us-east-2 us-west-1 us-west-2 af-south-1 ap-east-1 ap-east-2 ap-south-1 ap-south-2
    ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-southeast-1 ap-southeast-2 ap-southeast-3
    ap-southeast-4 ap-southeast-5 ap-southeast-7 ca-central-1 ca-west-1 eu-central-1 eu-central-2
    eu-west-1 eu-west-2 eu-west-3 eu-south-1 eu-south-2 eu-north-1 il-central-1 me-south-1
    me-central-1 mx-central-1 sa-east-1""".split()
)

Finding = tuple[tuple[str | int, ...], str]
Rule = Callable[[Project, Path], Iterator[Finding]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def _suggest(name: str, known: list[str]) -> str:
    close = get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


@rule
def management_account_present(p: Project, _: Path) -> Iterator[Finding]:
    names = p.account_names
    if naming.MANAGEMENT not in names:
        yield ("organization", "accounts"), f"no account named '{naming.MANAGEMENT}'{_suggest(naming.MANAGEMENT, names)}"
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
            yield (key,), f"unknown region '{region}'{_suggest(region, sorted(AWS_REGIONS))}"
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
            yield (*base, "parent"), f"unknown OU '{ou.parent}'{_suggest(ou.parent, ou_names)}"
        for j, acct in enumerate(ou.accounts):
            placed[acct] += 1
            if acct not in accounts:
                yield (*base, "accounts", j), f"unknown account '{acct}'{_suggest(acct, accounts)}"
            elif acct == naming.MANAGEMENT:
                yield (*base, "accounts", j), "the management account stays at the organization root"
        for j, pol in enumerate(ou.policy_names):
            if pol not in policies:
                yield (*base, "policy", j), f"unknown policy '{pol}'{_suggest(pol, policies)}"
    for i, acct in enumerate(p.organization.accounts):
        if acct.name != naming.MANAGEMENT and placed[acct.name] != 1:
            what = "is in no OU" if placed[acct.name] == 0 else f"is in {placed[acct.name]} OUs"
            yield ("organization", "accounts", i, "name"), f"member account '{acct.name}' {what}; put it in exactly one"


@rule
def policy_documents(p: Project, base: Path) -> Iterator[Finding]:
    for i, pol in enumerate(p.organization.policies):
        loc = ("organization", "policies", i, "file")
        path = base / pol.file
        try:
            text = path.read_text(encoding="utf-8")
            json.loads(text)
        except OSError:
            yield loc, f"policy file '{pol.file}' not found"
            continue
        except ValueError as exc:
            yield loc, f"policy file '{pol.file}' is not valid JSON: {exc}"
            continue
        if len(json.dumps(json.loads(text), separators=(",", ":"))) > SCP_MAX_CHARS:
            yield loc, f"policy '{pol.name}' exceeds the SCP limit of {SCP_MAX_CHARS} characters"


@rule
def account_settings(p: Project, _: Path) -> Iterator[Finding]:
    accounts = p.account_names
    for name in p.accounts:
        if name not in accounts:
            yield ("accounts", name), f"settings for unknown account '{name}'{_suggest(name, accounts)}"


def validate(project: Project, base_dir: Path, source: SourceMap) -> list[Problem]:
    return [source.problem(loc, msg) for check in RULES for loc, msg in check(project, base_dir)]
