"""The layers of the landing zone and their order (spec §2), free of cdktf imports.

Each layer is declared once, in LAYERS: its stack class, the accounts it applies to, its
dependencies, its config switch and its optional step before apply. The app builds one stack
per (account, layer) from it; the deploy runner derives the dependency graph and the steps
from the same table, with no layer names of its own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any

from landing_zone import naming
from landing_zone.config.model import Project

_STACKS = "landing_zone.stacks"
_PRE_APPLY = "landing_zone.deploy.pre_apply"


def _always(project: Project) -> bool:
    return True


def resolve(ref: str) -> Any:
    """The object a `module:attribute` reference names. The table refers to stack classes and
    deploy steps this way: they live in higher rooms (stacks/, deploy/) this one must not import."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Layer:
    name: str
    # The stack class (a LayerStack subclass), as `module:Class`.
    stack: str
    # Run by `lz up` after `terraform init` and the foreign-state check, before the plan:
    # `module:function` taking (DeployContext, Task, Terraform).
    pre_apply: str | None = None
    # Its `account_ids` output holds the member accounts' ids (recorded after apply; the
    # local record goes when it is destroyed).
    outputs_account_ids: bool = False
    management_only: bool = False
    # Limits the layer to these accounts (empty: every account, or management only).
    only: tuple[str, ...] = ()
    # Layers of the same account this one needs first.
    after: tuple[str, ...] = ()
    # Stacks of the management account this one needs first (member accounts exist only
    # once organizations has run).
    after_management: tuple[str, ...] = ()
    # Stacks of other accounts, (account, layer), this one needs first where they exist.
    after_stacks: tuple[tuple[str, str], ...] = ()
    # Needs the ids of the member accounts (known once organizations has applied).
    needs_member_ids: bool = False
    # Whether the project asks for this layer at all (optional layers).
    wanted: Callable[[Project], bool] = _always

    def applies_to(self, account: str, project: Project) -> bool:
        if not self.wanted(project) or (self.only and account not in self.only):
            return False
        return account == naming.MANAGEMENT or not self.management_only

    def synthesizable(self, account: str, ids_known: set[str], all_accounts: list[str]) -> bool:
        """Whether the account ids this stack of `account` needs are known yet."""
        needed = set(all_accounts) if self.needs_member_ids or account != naming.MANAGEMENT else {account}
        return needed <= ids_known


# The reference's order: management tf-backend → organizations → security-base → sso →
# identities; then per member account tf-backend → security-base → identities. Only real
# dependencies are kept, so independent stacks can run in parallel.
LAYERS: tuple[Layer, ...] = (
    Layer("tf-backend", f"{_STACKS}.tf_backend:TfBackendStack", after_management=("organizations",)),
    Layer(
        "organizations",
        f"{_STACKS}.organizations:OrganizationsStack",
        # A new organization first (the management account's import needs one).
        pre_apply=f"{_PRE_APPLY}:create_organization_first",
        outputs_account_ids=True,
        management_only=True,
        after=("tf-backend",),
    ),
    Layer("security-base", f"{_STACKS}.security_base:SecurityBaseStack", after=("tf-backend",)),
    Layer(
        "sso",
        f"{_STACKS}.sso:SsoStack",
        pre_apply=f"{_PRE_APPLY}:require_identity_center",
        management_only=True,
        after=("organizations",),
        needs_member_ids=True,
    ),
    Layer("identities", f"{_STACKS}.identities:IdentitiesStack", after=("tf-backend",)),
    # The log archive (security) before the trail that delivers into it (management); both need
    # the security account's id, known once organizations has run.
    Layer(
        "audit",
        f"{_STACKS}.audit:AuditStack",
        only=(naming.MANAGEMENT, naming.SECURITY),
        after=("tf-backend", "organizations"),
        after_management=("organizations",),
        after_stacks=((naming.SECURITY, "audit"),),
        needs_member_ids=True,
    ),
    # AWS Config (audit.config) in every account, once the log archive it delivers into exists.
    Layer(
        "config",
        f"{_STACKS}.config_recorder:ConfigStack",
        after=("tf-backend", "audit"),
        after_management=("organizations",),
        after_stacks=((naming.SECURITY, "audit"),),
        wanted=lambda p: p.audit.config,
    ),
    # GuardDuty (audit.guardduty): management delegates it (trusted access: organizations) before
    # the security account, the administrator, configures the organization.
    Layer(
        "guardduty",
        f"{_STACKS}.guardduty:GuardDutyStack",
        only=(naming.MANAGEMENT, naming.SECURITY),
        after=("tf-backend", "organizations"),
        after_management=("organizations",),
        after_stacks=((naming.MANAGEMENT, "guardduty"),),
        needs_member_ids=True,
        wanted=lambda p: p.audit.guardduty,
    ),
    # GitHub's OIDC provider and the pipeline's roles (pipeline: in project.yaml); needs only the state bucket.
    Layer("ci", f"{_STACKS}.ci:CiStack", management_only=True, after=("tf-backend",), wanted=lambda p: p.pipeline is not None),
)
BOOTSTRAP_LAYER = "tf-backend"
# The layer that creates the member accounts and outputs their ids (organizations).
ACCOUNTS_LAYER = next(lyr.name for lyr in LAYERS if lyr.outputs_account_ids)
IDENTITIES = "identities"


def layer(name: str) -> Layer:
    return next(lyr for lyr in LAYERS if lyr.name == name)


def parse_stack_id(stack: str) -> tuple[str, str]:
    """(account, layer) of a stack id, naming.stack_id's inverse: the layer is the longest
    layer name the id ends with (account and layer names may both hold dashes)."""
    found = max((lyr.name for lyr in LAYERS if stack.endswith(f"-{lyr.name}")), key=len, default=None)
    if found is None:
        raise ValueError(f"{stack!r} is not a stack id (<account>-<layer>)")
    return stack.removesuffix(f"-{found}"), found


def stacks(project: Project) -> list[tuple[str, str]]:
    """(account, layer) of every stack, in a valid deploy order: the waves, one after another."""
    return [s for wave in waves(project) for s in wave]


def stack_ids(project: Project, *, account: str | None = None, layer: str | None = None) -> list[str]:
    """The ids of `stacks(project)`, in that order; only `account`'s or `layer`'s when given."""
    return [naming.stack_id(a, lyr) for a, lyr in stacks(project) if account in (None, a) and layer in (None, lyr)]


def waves(project: Project) -> list[list[tuple[str, str]]]:
    """The stacks in dependency waves: each wave holds the stacks whose dependencies are all
    in earlier waves, in project.yaml's account order."""
    order = [(a, layer.name) for a in project.account_names for layer in LAYERS if layer.applies_to(a, project)]
    position = {s: i for i, s in enumerate(order)}
    sorter = TopologicalSorter(dependencies(project))  # raises CycleError on a cycle in LAYERS
    sorter.prepare()
    found: list[list[tuple[str, str]]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        found.append(ready)
        sorter.done(*ready)
    return found


def dependencies(project: Project) -> dict[tuple[str, str], list[tuple[str, str]]]:
    deps: dict[tuple[str, str], list[tuple[str, str]]] = {}
    by_name = {layer.name: layer for layer in LAYERS}
    accounts = set(project.account_names)
    for account in project.account_names:
        for layer in LAYERS:
            if not layer.applies_to(account, project):
                continue
            need = [(account, n) for n in layer.after if by_name[n].applies_to(account, project)]
            if account != naming.MANAGEMENT:
                need += [(naming.MANAGEMENT, n) for n in layer.after_management]
            need += [(a, n) for a, n in layer.after_stacks if a != account and a in accounts and by_name[n].applies_to(a, project)]
            deps[(account, layer.name)] = need
    return deps
