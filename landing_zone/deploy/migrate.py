"""`lz migrate leverage`: read each stack's state where the reference left it, map it onto lz's addresses.

Read-only but for the files `--apply` writes beside project.yaml (migration/blocks.py): the
state itself is only read (`terraform state pull`, and a plan with the blocks, never
applied, whose counts and any replacement or destroy are shown). `lz up` carries the moves out. Every stack is mapped
before any file is written, so one stack that cannot be mapped leaves all of them as they were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from landing_zone import layers
from landing_zone.config.model import Project
from landing_zone.deploy import adopt, auth, fingerprint, foreign_state
from landing_zone.deploy.bootstrap import remote_state_exists, state_bucket_exists
from landing_zone.deploy.command import read_context
from landing_zone.deploy.context import NotSynthesized
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.orchestrate import Selection, plan_tasks
from landing_zone.deploy.terraform import Terraform
from landing_zone.migration import blocks
from landing_zone.migration.leverage import Migration, plan_migration
from landing_zone.settings import Settings


@dataclass(frozen=True)
class Preview:
    """What terraform plans with the migration's blocks in the stack."""

    summary: str
    replaced: tuple[str, ...] = ()
    destroyed: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackMigration:
    stack: str
    migration: Migration | None  # None: nothing to migrate (`note` says why)
    note: str = ""
    written: Path | None = None
    preview: Preview | None = None


PREVIEW_PLAN = "migrate.tfplan"


def _preview(tf: Terraform, doc: dict[str, Any], migration: Migration) -> Preview:
    """Plan the stack with the blocks in its workspace copy, then put that copy back: nothing is applied."""
    copy = tf.workdir / "cdk.tf.json"
    original = copy.read_bytes()
    try:
        copy.write_text(json.dumps({**doc, **migration.blocks()}))
        result = tf.plan(PREVIEW_PLAN)
        shown = json.loads(tf.run("show", "-json", PREVIEW_PLAN, log_stdout=False).stdout or "{}")
    finally:
        copy.write_bytes(original)
        (tf.workdir / PREVIEW_PLAN).unlink(missing_ok=True)
        fingerprint.invalidate(tf.workdir)  # the next lz up plans this stack, whatever it recorded
    changes = shown.get("resource_changes") or []
    actions = [(c.get("address", ""), c.get("change", {}).get("actions", [])) for c in changes]
    return Preview(
        result.describe(),
        tuple(a for a, act in actions if "delete" in act and "create" in act),
        tuple(a for a, act in actions if act == ["delete"]),
    )


def migrate_leverage(project: Project, settings: Settings, stacks: tuple[str, ...], *, apply: bool, code_for: auth.CodeSource) -> list[StackMigration]:
    from landing_zone.synth import synth

    tasks = plan_tasks(project, Selection(stacks))
    ctx = read_context(project, settings, sorted({t.account for t in tasks}), code_for)
    # As `lz up` synthesizes: an adopted account keeps its name (the plan below would otherwise
    # show lz's name as a replacement of the account).
    adopted = adopt.read(ctx)
    # Before lz's first `lz up` no member id is recorded (the organizations state is still the
    # reference's): the organization's accounts, as adoption matched them, reach the stacks of
    # member accounts and their state buckets.
    ctx = ctx.with_account_ids(adopted.accounts | ctx.account_ids)
    synth(project, settings, ctx.account_ids, stacks=[t.name for t in tasks], adopted=adopted)
    results = []
    for task in tasks:
        try:
            tf = ctx.terraform(task.name)
        except NotSynthesized:
            results.append(StackMigration(task.name, None, "its account's id is not known yet"))
            continue
        if task.layer == layers.BOOTSTRAP_LAYER and not remote_state_exists(ctx, task.account, task.layer):
            results.append(StackMigration(task.name, None, "no state at lz's key"))
            continue
        if task.layer != layers.BOOTSTRAP_LAYER and not state_bucket_exists(ctx, task.account):
            results.append(StackMigration(task.name, None, "its account's state bucket does not exist"))
            continue
        tf.init("-reconfigure")
        # The state holds sensitive values in clear (encrypted passwords): never logged.
        pulled = tf.run("state", "pull", log_stdout=False).stdout.strip()
        state: dict[str, Any] = json.loads(pulled) if pulled else {}
        if not foreign_state.managed_addresses(state):
            results.append(StackMigration(task.name, None, "no state at lz's key"))
        elif foreign_state.lz_written(state, task.name):
            results.append(StackMigration(task.name, None, "lz's own state already"))
        else:
            doc = json.loads((tf.workdir / "cdk.tf.json").read_text())
            migration = plan_migration(task.name, doc, state)
            if migration.moved or migration.forgotten:
                results.append(StackMigration(task.name, migration, preview=_preview(tf, doc, migration)))
            else:
                results.append(StackMigration(task.name, None, "at lz's addresses already"))
    if not apply:
        return results
    if not any(r.migration for r in results):
        raise DeployError("no stack holds a reference layer's state: nothing written")
    # The preview stays: `--apply` prints what the plan with the blocks does, as the dry run does.
    return [replace(r, written=blocks.write(project.base_dir, r.migration)) if r.migration else r for r in results]
