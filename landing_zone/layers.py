"""The layers of the landing zone and their order (spec §2), free of cdktf imports.

The app builds one stack per (account, layer); the deploy orchestrator derives the
dependency graph from the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import TopologicalSorter

from landing_zone import naming
from landing_zone.config.model import Project


@dataclass(frozen=True)
class Layer:
    name: str
    management_only: bool
    # Layers of the same account this one needs first.
    after: tuple[str, ...] = ()
    # Stacks of the management account this one needs first (member accounts exist only
    # once organizations has run).
    after_management: tuple[str, ...] = ()
    # Needs the ids of the member accounts (known once organizations has applied).
    needs_member_ids: bool = False

    def applies_to(self, account: str) -> bool:
        return account == naming.MANAGEMENT or not self.management_only

    def synthesizable(self, account: str, ids_known: set[str], all_accounts: list[str]) -> bool:
        """Whether the account ids this stack of `account` needs are known yet."""
        needed = set(all_accounts) if self.needs_member_ids or account != naming.MANAGEMENT else {account}
        return needed <= ids_known


# The reference's order: management tf-backend → organizations → security-base → sso →
# identities; then per member account tf-backend → security-base → identities. Only real
# dependencies are kept, so independent stacks can run in parallel.
LAYERS: tuple[Layer, ...] = (
    Layer("tf-backend", management_only=False, after_management=("organizations",)),
    Layer("organizations", management_only=True, after=("tf-backend",)),
    Layer("security-base", management_only=False, after=("tf-backend",)),
    Layer("sso", management_only=True, after=("organizations",), needs_member_ids=True),
    Layer("identities", management_only=False, after=("tf-backend",)),
)
BOOTSTRAP_LAYER = "tf-backend"
IDENTITIES = "identities"


def layer(name: str) -> Layer:
    return next(lyr for lyr in LAYERS if lyr.name == name)


def stacks(project: Project) -> list[tuple[str, str]]:
    """(account, layer) of every stack, in a valid deploy order: waves of stacks whose
    dependencies are done, each wave in project.yaml's account order."""
    order = [(a, layer.name) for a in project.account_names for layer in LAYERS if layer.applies_to(a)]
    position = {s: i for i, s in enumerate(order)}
    sorter = TopologicalSorter(dependencies(project))  # raises CycleError on a cycle in LAYERS
    sorter.prepare()
    done: list[tuple[str, str]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        done.extend(ready)
        sorter.done(*ready)
    return done


def dependencies(project: Project) -> dict[tuple[str, str], list[tuple[str, str]]]:
    deps: dict[tuple[str, str], list[tuple[str, str]]] = {}
    by_name = {layer.name: layer for layer in LAYERS}
    for account in project.account_names:
        for layer in LAYERS:
            if not layer.applies_to(account):
                continue
            need = [(account, n) for n in layer.after if by_name[n].applies_to(account)]
            if account != naming.MANAGEMENT:
                need += [(naming.MANAGEMENT, n) for n in layer.after_management]
            deps[(account, layer.name)] = need
    return deps
