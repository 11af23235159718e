"""One `lz up|plan|down` command: choose the credentials mode, synthesize, run the stacks.

`require_mfa` changes are carried out here too: when project.yaml and the deployed roles
disagree, the identities stacks go first with the credentials that still work, the new
state is recorded, and the rest runs in the new mode.
"""

from __future__ import annotations

from dataclasses import replace

from landing_zone import layers, naming
from landing_zone.config.model import Project
from landing_zone.deploy import auth
from landing_zone.deploy.account_ids import known_account_ids
from landing_zone.deploy.context import DeployContext
from landing_zone.deploy.graph import Task
from landing_zone.deploy.orchestrate import Selection, failures, plan_tasks, run_stacks
from landing_zone.settings import Settings


def identities_stacks(project: Project) -> tuple[str, ...]:
    return tuple(naming.stack_id(account, layer) for account, layer in layers.stacks(project) if layer == layers.IDENTITIES)


def _run(project: Project, settings: Settings, action: str, selection: Selection, *,
         enforced: bool, parallel: int, code_for: auth.CodeSource) -> list[Task]:  # fmt: skip
    from landing_zone.synth import synth

    # `lz down` alone synthesizes without prevent_destroy (state buckets, lock tables, member
    # accounts): terraform refuses to destroy them otherwise. Every other run keeps it.
    settings = replace(settings, auth=auth.mode(enforced), allow_destroy=action == "down")
    synth(project, settings, known_account_ids(settings))
    ctx = DeployContext(project, settings)
    if settings.auth == "mfa":
        accounts = sorted({t.account for t in plan_tasks(project, selection)})
        ctx.credentials = auth.session_credentials(project, settings, accounts, code_for)
    def resynth() -> None:
        synth(project, settings, ctx.account_ids)

    return run_stacks(ctx, action, selection, parallel=parallel, resynth=resynth)


def run_command(project: Project, settings: Settings, action: str, selection: Selection, *,
                parallel: int, code_for: auth.CodeSource) -> list[Task]:  # fmt: skip
    enforced = auth.deployed_enforcement(project, settings)
    tasks: list[Task] = []
    if action == "up" and enforced != project.require_mfa:
        # The last run with the old credentials: only they can still change the roles.
        transition = Selection(identities_stacks(project), with_deps=True)
        tasks = _run(project, settings, action, transition, enforced=enforced, parallel=parallel, code_for=code_for)
        if failures(tasks):
            return tasks
        auth.record(settings, project.require_mfa)
        enforced = project.require_mfa
    tasks += _run(project, settings, action, selection, enforced=enforced, parallel=parallel, code_for=code_for)
    ran = {t.name for t in tasks if t.layer == layers.IDENTITIES}
    if action == "up" and not failures(tasks) and ran == set(identities_stacks(project)):
        auth.record(settings, project.require_mfa)
    return tasks
