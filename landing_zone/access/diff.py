"""What a change adds to and removes from who can reach what, between two sets of stacks.

`lz access --diff` compares two synths; `lz plan` compares what each stack last applied
(`<work dir>/stacks/<id>/cdk.tf.json`) with what it is about to apply (`cdktf.out`).
"""

from __future__ import annotations

from pathlib import Path

from landing_zone.access import escalation, model, reach
from landing_zone.access.terraform import Stacks, StacksNotFound, load_stacks


def _rows(stacks: Stacks) -> set[reach.PersonAccess]:
    return reach.per_person(reach.matrix(model.build(stacks))) if stacks else set()


def changes(before: Stacks, after: Stacks) -> tuple[list[reach.PersonAccess], list[reach.PersonAccess]]:
    """(added, removed) access, each sorted."""
    old, new = _rows(before), _rows(after)
    return sorted(new - old), sorted(old - new)


def _escalations(stacks: Stacks) -> set[str]:
    # What a group reaches beyond a trust that admits it (the chain is the reviewer's evidence).
    return {escalation.render_chain(r) for r in escalation.escalations(escalation.paths(model.build(stacks)))} if stacks else set()


def escalation_changes(before: Stacks, after: Stacks) -> tuple[list[str], list[str]]:
    """(added, removed) escalation paths, each `who ⇒ what: chain`."""
    old, new = _escalations(before), _escalations(after)
    return sorted(new - old), sorted(old - new)


def render_changes(before: Stacks, after: Stacks) -> str:
    """Lines `+ who → what` and `- who → what`, then escalation paths `+ who ⇒ what: chain`;
    empty when access does not change."""
    added, removed = changes(before, after)
    up, down = escalation_changes(before, after)
    lines = [f"+ {a.render()}" for a in added] + [f"- {r.render()}" for r in removed]
    return "\n".join(lines + [f"+ {e}" for e in up] + [f"- {e}" for e in down])


def render_access_diff(before_dir: Path, after_dir: Path) -> str:
    """The access diff between two stack directories (each `stacks/<id>/cdk.tf.json`, as in
    cdktf.out and the work dir); a directory without stacks counts as no access at all."""
    return render_changes(load_or_empty(before_dir), load_or_empty(after_dir))


def load_or_empty(directory: Path) -> Stacks:
    try:
        return load_stacks(directory)
    except StacksNotFound:
        return {}
