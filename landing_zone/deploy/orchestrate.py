"""`lz up`, `lz plan` and `lz down`: every stack (or a selection) in dependency order."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landing_zone import layers, naming
from landing_zone.config.model import Project
from landing_zone.deploy import adopt, fingerprint, foreign_state, process
from landing_zone.deploy.account_ids import account_ids_file, known_account_ids, record_account_ids
from landing_zone.deploy.bootstrap import OVERRIDE, bootstrap, remote_state_exists, state_bucket_exists, unbootstrap
from landing_zone.deploy.context import DeployContext, NotSynthesized
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.graph import DONE, Task, run_graph
from landing_zone.deploy.progress import Progress
from landing_zone.deploy.terraform import PlanResult, Terraform

PreApply = Callable[[DeployContext, Task, Terraform], None]


@dataclass(frozen=True)
class Selection:
    stacks: tuple[str, ...] = ()  # empty: every stack
    with_deps: bool = False


def plan_tasks(project: Project, selection: Selection, *, reverse: bool = False) -> list[Task]:
    """Tasks of the selected stacks, deps among them (reversed for destroy)."""
    order = layers.stacks(project)
    deps = layers.dependencies(project)
    name = {s: naming.stack_id(*s) for s in order}
    wanted = set(order)
    if selection.stacks:
        unknown = [s for s in selection.stacks if s not in name.values()]
        if unknown:
            raise DeployError(f"unknown stack '{unknown[0]}'; stacks are: {', '.join(name.values())}")
        wanted = {s for s in order if name[s] in selection.stacks}
        while selection.with_deps:
            more = {d for s in wanted for d in deps[s]} - wanted
            if not more:
                break
            wanted |= more
    tasks = {s: Task(name[s], *s) for s in order if s in wanted}
    for s, task in tasks.items():
        if reverse:
            task.deps = [name[o] for o in tasks if s in deps[o]]
        else:
            task.deps = [name[d] for d in deps[s] if d in tasks]
    ordered = [tasks[s] for s in order if s in tasks]
    return ordered[::-1] if reverse else ordered


def _doc(ctx: DeployContext, stack: str) -> dict[str, Any]:
    return dict(json.loads((ctx.workspace(stack) / "cdk.tf.json").read_text()))


def _guard(ctx: DeployContext, task: Task, tf: Terraform) -> list[str]:
    """The stack's state list, after checking it holds nothing lz did not create."""
    bucket, key = ctx.backend_location(task.account, task.layer)
    return foreign_state.check(tf, _doc(ctx, task.name), f"s3://{bucket}/{key}")


def _describe(ctx: DeployContext, task: Task, result: PlanResult, addresses: list[str]) -> str:
    """The plan's counts, and by name what it destroys because the stack no longer generates it
    (removed from project.yaml, or retired by this release: CHANGELOG.md says which)."""
    gone = foreign_state.retired(addresses, _doc(ctx, task.name)) if result.destroy else []
    if not gone:
        return result.describe()
    shown = ", ".join(gone[: foreign_state.SHOWN]) + (f" and {len(gone) - foreign_state.SHOWN} more" if len(gone) > foreign_state.SHOWN else "")
    return f"{result.describe()}; destroys what this project no longer generates: {shown}"


def _deploy(ctx: DeployContext, task: Task, refresh: bool = False) -> str:
    tf = ctx.terraform(task.name)
    fp = fingerprint.StackFingerprint(ctx, tf, task)
    if not refresh and fp.unchanged():
        return fingerprint.SKIPPED
    fp.invalidate()  # recorded again only once this run succeeds
    detail = _apply(ctx, task, tf)
    fp.record()
    return detail


def _apply(ctx: DeployContext, task: Task, tf: Terraform) -> str:
    if task.layer == layers.BOOTSTRAP_LAYER and not remote_state_exists(ctx, task.account, task.layer):
        return "bootstrapped: " + bootstrap(tf).describe()
    tf.init("-reconfigure")
    addresses = _guard(ctx, task, tf)
    step = layers.layer(task.layer).pre_apply
    if step:
        pre_apply: PreApply = layers.resolve(step)
        pre_apply(ctx, task, tf)
    result = tf.plan()
    if result.destroy:
        adopt.refuse_replacing(tf, _doc(ctx, task.name))
    if result.changed:
        tf.apply()
    return _describe(ctx, task, result, addresses)


def _plan(ctx: DeployContext, task: Task) -> str:
    try:
        tf = ctx.terraform(task.name)
    except NotSynthesized:
        return "account not created yet (lz up creates it)"
    if task.layer == layers.BOOTSTRAP_LAYER and not remote_state_exists(ctx, task.account, task.layer):
        return "not bootstrapped yet (lz up creates it)"
    if task.layer != layers.BOOTSTRAP_LAYER and not state_bucket_exists(ctx, task.account):
        return "not deployed (its account's state bucket does not exist; lz up creates it)"
    tf.init("-reconfigure")
    addresses = _guard(ctx, task, tf)
    result = tf.plan()
    if result.destroy:
        adopt.refuse_replacing(tf, _doc(ctx, task.name))
    if result.changed:  # drift, or a change not applied yet: the next `lz up` must plan
        fingerprint.invalidate(tf.workdir)
    return _describe(ctx, task, result, addresses)


def _adopted_addresses(ctx: DeployContext, stack: str) -> list[str]:
    """Resources marked `release_on_destroy` (constructs/adoption.py) and every import target.

    Released, not destroyed: the management account, and the member's OAAR with its policy
    attachment (else the management account would lose its way into the account).
    """
    doc = _doc(ctx, stack)
    marked = {
        f"{rtype}.{name}"
        for rtype, resources in doc.get("resource", {}).items()
        for name, body in resources.items()
        if body.get("//", {}).get("lz", {}).get("release_on_destroy")
    }
    return sorted(marked | {block["to"] for block in doc.get("import", [])})


def _destroy(ctx: DeployContext, task: Task) -> str:
    tf = ctx.terraform(task.name)
    fingerprint.invalidate(tf.workdir)
    bootstrap_layer = task.layer == layers.BOOTSTRAP_LAYER
    if bootstrap_layer and not remote_state_exists(ctx, task.account, task.layer):
        return "nothing deployed"
    if not bootstrap_layer and not state_bucket_exists(ctx, task.account):
        return "nothing deployed (no state bucket)"
    tf.init("-reconfigure")
    state = _guard(ctx, task, tf)  # before anything goes, the state bucket's objects included
    if bootstrap_layer:
        unbootstrap(tf)  # state back to a local file before its bucket goes
        _empty_bucket(ctx, task.account)
    # Adopted resources (the management account, OAAR) are released, never destroyed.
    released = [a for a in _adopted_addresses(ctx, task.name) if a in state]
    for address in released:
        tf.run("state", "rm", address)
    tf.destroy()
    # What the run leaves would break the next plan or up (the override points init at a
    # local state that is gone; errored.tfstate is terraform's failed-save copy).
    for leftover in ("terraform.tfstate", "terraform.tfstate.backup", OVERRIDE, "errored.tfstate"):
        (tf.workdir / leftover).unlink(missing_ok=True)
    if layers.layer(task.layer).outputs_account_ids and ctx.settings.target == "local":
        account_ids_file(ctx.settings).unlink(missing_ok=True)  # the member accounts are gone
    return "destroyed" + (f", released {len(released)} adopted" if released else "")


def _empty_bucket(ctx: DeployContext, account: str) -> None:
    bucket, _ = ctx.backend_location(account, layers.BOOTSTRAP_LAYER)
    s3 = ctx.session(account).resource("s3", **({"endpoint_url": ctx.settings.endpoint} if ctx.settings.target == "local" else {}))
    s3.Bucket(bucket).object_versions.delete()


def _new_account_ids(ctx: DeployContext, task: Task) -> dict[str, str] | None:
    """After a layer with the member account ids applies (organizations): the ids, when they
    differ from the recorded ones."""
    if not layers.layer(task.layer).outputs_account_ids:
        return None
    tf = ctx.terraform(task.name)
    if not (tf.workdir / ".terraform").is_dir():  # skipped on a fresh CI runner: nothing ran init
        tf.init("-reconfigure")
    ids = {k: str(v) for k, v in tf.outputs().get("account_ids", {}).items()}
    return ids if ids and ids != known_account_ids(ctx.settings) else None


class EmulatorGone(DeployError):
    def __init__(self, endpoint: str, log: Path):
        super().__init__(
            f"the emulator at {endpoint} is gone (it stopped during the run): start one (`lz emulator start`) and run the command again; see {log}"
        )


def emulator_checked(ctx: DeployContext, work: Callable[[DeployContext, Task], str]) -> Callable[[Task], str]:
    """`work`, whose failure says so when the cause is an emulator that stopped answering
    (instead of "apply failed; see log", or a connection error taken for a bug)."""
    from landing_zone.emulator.server import answers

    def checked(task: Task) -> str:
        try:
            return work(ctx, task)
        except Exception as exc:
            endpoint = ctx.settings.endpoint
            if ctx.settings.target == "local" and endpoint and not answers(endpoint):
                raise EmulatorGone(endpoint, ctx.log_path(task.name)) from exc
            raise

    return checked


def run_stacks(
    ctx: DeployContext,
    action: str,
    selection: Selection,
    *,
    parallel: int,
    refresh: bool = False,
    resynth: Callable[[dict[str, str]], None] = lambda ids: None,
) -> list[Task]:
    """`refresh` (`lz up --refresh`): plan every stack even when its fingerprint matches.
    `resynth(ids)` synthesizes again with new member account ids (after organizations applies)."""

    def deploy(ctx: DeployContext, task: Task) -> str:
        return _deploy(ctx, task, refresh=refresh)

    works: dict[str, Callable[[DeployContext, Task], str]] = {"up": deploy, "plan": _plan, "down": _destroy}
    tasks = plan_tasks(ctx.project, selection, reverse=action == "down")
    # The context a task starts with. Only this (the coordinating) thread replaces it, never
    # changes it: running tasks keep the one they started with.
    current = ctx.with_account_ids(known_account_ids(ctx.settings))

    def work(task: Task) -> str:
        return emulator_checked(current, works[action])(task)

    def after(task: Task) -> None:
        nonlocal current
        ids = _new_account_ids(current, task) if action == "up" else None
        if ids:
            with current.synth_lock:
                record_account_ids(current.settings, ids)
                resynth(ids)
            current = current.with_account_ids(ids)

    with Progress(tasks, title=f"lz {action}") as progress:
        # On Ctrl-C/SIGTERM: terraform runs in its own process group (process.py), so stop it.
        run_graph(tasks, work, parallel=parallel, on_change=progress.changed, after=after, abort=process.stop_all)
    return tasks


def failures(tasks: list[Task]) -> list[Task]:
    return [t for t in tasks if t.status != DONE]
