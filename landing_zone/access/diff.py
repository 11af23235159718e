"""What a change adds to and removes from who can reach what, between two sets of stacks.

`lz access --diff` compares two synths; `lz plan` compares what each stack last applied
(`<work dir>/stacks/<id>/cdk.tf.json`) with what it is about to apply (`cdktf.out`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from landing_zone.access import escalation, model, reach
from landing_zone.access.terraform import Stacks, StacksNotFound, load_stacks


def _rows(built: model.AccessModel | None) -> set[reach.PersonAccess]:
    return reach.per_person(reach.matrix(built)) if built else set()


def changes(before: Stacks, after: Stacks) -> tuple[list[reach.PersonAccess], list[reach.PersonAccess]]:
    """(added, removed) access, each sorted."""
    new_model = model.build(after) if after else None
    # An older release's MFA-mode stacks do not say their account ids: the new synth's do.
    ids = {a.name: a.id for a in new_model.accounts.values()} if new_model else {}
    try:
        old_model = model.build(before, ids) if before else None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a shape no release of lz wrote
        print(f"notice: the previous synth is not one lz can read ({exc.__class__.__name__}); access diff against none", file=sys.stderr)
        old_model = None
    old, new = _rows(old_model), _rows(new_model)
    return sorted(new - old), sorted(old - new)


def _escalations(stacks: Stacks) -> set[str]:
    # What a group reaches beyond a trust that admits it (the chain is the reviewer's evidence).
    return {escalation.render_chain(r) for r in escalation.escalations(escalation.paths(model.build(stacks)))} if stacks else set()


def escalation_changes(before: Stacks, after: Stacks) -> tuple[list[str], list[str]]:
    """(added, removed) escalation paths, each `who ⇒ what: chain`."""
    try:
        old = _escalations(before)
    except (KeyError, TypeError, ValueError, AttributeError):  # as in changes(), which says so once
        old = set()
    new = _escalations(after)
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
    except (OSError, ValueError) as exc:  # a damaged copy: the diff starts from nothing
        print(f"notice: {directory}: previous synth unreadable ({exc.__class__.__name__}); access diff against none", file=sys.stderr)
        return {}
