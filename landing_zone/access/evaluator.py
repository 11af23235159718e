"""The one gateway to PMapper's local policy simulator (`principalmapper`).

PMapper 1.1.5 still reads `collections.Mapping`/`MutableMapping`, removed in Python 3.10:
the aliases are set here, once, right before its first (lazy) import, so `lz --help` and
every other command never pay for it.
"""

from __future__ import annotations

import collections
import collections.abc
from dataclasses import dataclass, field
from functools import cache, lru_cache
from types import ModuleType
from typing import Any

Document = dict[str, Any]
PATTERN_CACHE = 1 << 16  # compiled patterns kept: ~16 times what the largest matrix needs


@dataclass(frozen=True)
class Principal:
    """An IAM user or role session as the evaluator sees it: its identity policies by name."""

    arn: str
    policies: tuple[tuple[str, Document], ...]
    # IAM groups (user only): group ARN → its policies by name
    groups: tuple[tuple[str, tuple[tuple[str, Document], ...]], ...] = ()
    trust: Document | None = field(default=None)  # a role's trust policy


@cache
def _pmapper() -> ModuleType:
    for name in ("Mapping", "MutableMapping"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    from principalmapper.querying import local_policy_simulation, query_interface

    _widen_pattern_cache(local_policy_simulation)
    return query_interface


def _widen_pattern_cache(simulation: ModuleType) -> None:
    """PMapper caches its wildcard → regex compilations in an LRU of 2,048; one access matrix
    matches ~4,000 distinct patterns, so the cache thrashed and re-compiling took ~3/4 of the
    evaluator's time (docs/benchmarks.md). The same function, with room for every pattern."""
    compose = simulation.__dict__["_compose_pattern"]
    if compose.cache_info().maxsize != PATTERN_CACHE:
        simulation.__dict__["_compose_pattern"] = lru_cache(maxsize=PATTERN_CACHE, typed=True)(compose.__wrapped__)


def _policies(owner: str, docs: tuple[tuple[str, Document], ...]) -> list[Any]:
    from principalmapper.common import Policy

    # Inline policies carry their owner's ARN, managed ones their own: PMapper only records it.
    return [Policy(name if name.startswith("arn:") else owner, name, doc) for name, doc in docs]


def _node(principal: Principal) -> Any:
    from principalmapper.common import Group, Node

    groups = [Group(arn, _policies(arn, docs)) for arn, docs in principal.groups]
    is_role = ":role/" in principal.arn
    return Node(
        principal.arn,
        principal.arn.rsplit("/", 1)[-1],
        _policies(principal.arn, principal.policies),
        groups,
        principal.trust if is_role else None,
        None,
        0,
        False,
        False,
        None,
        False,
        None,
    )


def allowed(
    principal: Principal,
    action: str,
    resource: str,
    context: dict[str, str],
    *,
    resource_policy: Document | None = None,
    resource_owner: str | None = None,
    scps: list[list[Document]] | None = None,
) -> bool:
    """One request, evaluated as AWS does: explicit denies anywhere win, then SCPs (each level
    of the organization must allow), the resource policy (a role's trust for sts:AssumeRole),
    then the principal's own policies. `scps`: None in the management account (SCPs never
    apply there), else one list of documents per level (root, OUs…, account)."""
    from principalmapper.common import Policy

    query = _pmapper()
    groups = None if scps is None else [[Policy("arn:aws:organizations::scp", f"scp-{i}", d) for d in level] for i, level in enumerate(scps)]
    return bool(query.local_check_authorization_full(_node(principal), action, resource, dict(context), resource_policy, resource_owner, groups, None))


def web_identity_allowed(trust: Document, provider_arn: str, action: str, context: dict[str, str]) -> bool:
    """Whether a role's trust lets a token of `provider_arn` with these claims in (`context`:
    `<issuer>:sub`, `<issuer>:aud`). PMapper matches AWS principals and services in resource
    policies, never `Federated` ones: the statements naming the provider are picked here, and
    their actions and conditions decided by PMapper's own matchers (explicit denies win)."""
    _pmapper()
    from principalmapper.querying import local_policy_simulation as sim
    from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict

    keys = CaseInsensitiveDict(dict(context))
    effects = set()
    for st in _list(trust.get("Statement", [])):
        principal = st.get("Principal")
        if not isinstance(principal, dict) or provider_arn not in _list(principal.get("Federated", [])):
            continue
        if sim._statement_matches_action(st, action, keys) and sim._get_condition_match(st.get("Condition", {}), keys):
            effects.add(st.get("Effect"))
    return "Allow" in effects and "Deny" not in effects


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def service_trusted(trust: Document, service: str, role_arn: str) -> bool:
    """Whether a role's trust lets `service` (lambda.amazonaws.com…) assume it: PMapper's own
    resource-policy match for a service principal, as its PassRole edge checkers ask it."""
    _pmapper()
    from principalmapper.querying import local_policy_simulation as sim

    result = sim.resource_policy_authorization(service, role_arn.split(":")[4], trust, "sts:AssumeRole", role_arn, {})
    return bool(result == sim.ResourcePolicyEvalResult.SERVICE_MATCH)
