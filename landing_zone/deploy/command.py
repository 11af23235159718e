"""One `lz up|plan|down` command: choose the credentials mode, synthesize, run the stacks.

`require_mfa` changes are carried out here too: when project.yaml and the deployed roles
disagree, the identities stacks go first with the credentials that still work, the new
state is recorded, and the rest runs in the new mode. `lz down` with MFA on makes the same
transition to MFA off first, so no stack destroys the role a later one runs as.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from landing_zone import layers
from landing_zone.adoption.model import Adopted
from landing_zone.aws import sessions
from landing_zone.config.model import Project
from landing_zone.deploy import adopt, auth, drift, locks
from landing_zone.deploy.account_ids import known_account_ids
from landing_zone.deploy.context import DeployContext, NotSynthesized
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.graph import Task
from landing_zone.deploy.orchestrate import Selection, failures, plan_tasks, run_stacks
from landing_zone.settings import Auth, Settings


def identities_stacks(project: Project) -> tuple[str, ...]:
    return tuple(layers.stack_ids(project, layer=layers.IDENTITIES))


def _run(
    project: Project,
    settings: Settings,
    action: str,
    selection: Selection,
    *,
    enforced: bool,
    parallel: int,
    code_for: auth.CodeSource,
    on_synth: Callable[[], None] | None = None,
    on_adopted: Callable[[Adopted], None] | None = None,
    refresh: bool = False,
) -> list[Task]:
    from landing_zone.synth import synth

    # `lz down` alone synthesizes without prevent_destroy (state buckets, lock tables, member
    # accounts): terraform refuses to destroy them otherwise. Every other run keeps it.
    settings = replace(settings, auth=_auth(project, settings, enforced), allow_destroy=action == "down")
    if settings.auth == "ci":  # a pull request's `lz plan` reaches member accounts read-only
        settings = replace(settings, ci_role="plan" if action == "plan" else "apply")
    # A selection synthesizes its stacks alone (deps included with --with-deps): a stack job of
    # a 300-account org pays for one stack, not 907 (landing_zone/synth.py).
    planned = plan_tasks(project, selection)
    only = [t.name for t in planned] if selection.stacks else None
    accounts = sorted({t.account for t in planned})
    ids = known_account_ids(settings)
    ctx = DeployContext(project, settings, credentials=_credentials(project, settings, accounts, ids, code_for))
    adopted = adopt.read(ctx, accounts)  # what exists already: synth imports it (data flows one way)
    if on_adopted:
        on_adopted(adopted)
    synth(project, settings, ids, stacks=only, adopted=adopted)
    if on_synth:
        on_synth()

    def resynth(account_ids: dict[str, str]) -> None:
        synth(project, settings, account_ids, stacks=only, adopted=adopted)

    return run_stacks(ctx, action, selection, parallel=parallel, refresh=refresh, resynth=resynth)


def _credentials(
    project: Project, settings: Settings, accounts: list[str], account_ids: dict[str, str], code_for: auth.CodeSource
) -> dict[str, dict[str, str]]:
    """Per-account credentials for the run's mode: MFA role sessions, the operator's Identity
    Center session (deploy/auth.py), or none (bootstrap keys and CI come from the environment)."""
    if settings.auth == "mfa":
        return auth.session_credentials(project, settings, accounts, code_for)
    if settings.auth == "sso":
        return auth.sso_credentials(project, settings, accounts, account_ids)
    return {}


def _auth(project: Project, settings: Settings, enforced: bool) -> Auth:
    """LZ_AUTH=ci stays: the OIDC role session is the same whatever require_mfa says (the apply
    role reaches member OAARs without MFA, see constructs/ci_policies.py). So does `auth: sso`."""
    if settings.auth == "ci":
        return "ci"
    return "sso" if auth.uses_sso(project, settings) else auth.mode(enforced)


def run_command(
    project: Project,
    settings: Settings,
    action: str,
    selection: Selection,
    *,
    parallel: int,
    code_for: auth.CodeSource,
    on_synth: Callable[[], None] | None = None,
    on_adopted: Callable[[Adopted], None] | None = None,
    refresh: bool = False,
) -> list[Task]:
    """`on_synth` runs once the stacks of the main run are synthesized, before any of them runs;
    `on_adopted` with what the main run's adoption reads found; `refresh` (`lz up --refresh`)
    plans the stacks their fingerprints would skip."""
    enforced = auth.deployed_enforcement(project, settings)
    if settings.target == "aws" and not enforced and settings.auth != "ci" and not auth.uses_sso(project, settings):
        sessions.require_profile(project, settings)  # before a synth: say at once what is missing
    tasks: list[Task] = []
    if action == "down" and enforced and _destroys_identities(project, selection):
        # The identities stacks go before tf-backend, and with MFA on every stack runs as a
        # role they manage (DevOps; OAAR's trust): destroying them cuts the later stacks off.
        # So first drop the requirement, as `lz mfa disable` does, then destroy with the
        # bootstrap credentials (OAAR is adopted: released, never destroyed).
        relaxed = project.model_copy(update={"require_mfa": False})
        transition = Selection(identities_stacks(project), with_deps=True)
        tasks = _run(relaxed, settings, "up", transition, enforced=True, parallel=parallel, code_for=code_for)
        if failures(tasks):
            return tasks
        auth.record(settings, False)
        enforced = False
    if action == "up" and enforced != project.require_mfa:
        # The last run with the old credentials: only they can still change the roles.
        transition = Selection(identities_stacks(project), with_deps=True)
        tasks = _run(project, settings, action, transition, enforced=enforced, parallel=parallel, code_for=code_for)
        if failures(tasks):
            return tasks
        auth.record(settings, project.require_mfa)
        enforced = project.require_mfa
    tasks += _run(
        project, settings, action, selection, enforced=enforced, parallel=parallel, code_for=code_for, on_synth=on_synth, on_adopted=on_adopted, refresh=refresh
    )
    ran = {t.name for t in tasks if t.layer == layers.IDENTITIES}
    if action == "up" and not failures(tasks) and ran == set(identities_stacks(project)):
        auth.record(settings, project.require_mfa)
    return tasks


def _destroys_identities(project: Project, selection: Selection) -> bool:
    return bool({t.name for t in plan_tasks(project, selection, reverse=True)} & set(identities_stacks(project)))


def read_context(project: Project, settings: Settings, accounts: list[str], code_for: auth.CodeSource) -> DeployContext:
    """A context for commands that read what is deployed (`lz passwords show`, `lz inventory`,
    `lz unlock`): the credentials `lz up` would use now, MFA role sessions once MFA is on
    (the bootstrap keys no longer reach the state then: "No valid credential sources found")."""
    settings = replace(settings, auth=_auth(project, settings, auth.deployed_enforcement(project, settings)))
    account_ids = known_account_ids(settings)
    return DeployContext(project, settings, account_ids=account_ids, credentials=_credentials(project, settings, accounts, account_ids, code_for))


def unlock_stack(project: Project, settings: Settings, stack: str, lock_id: str | None, *, confirm: Callable[[str], bool], code_for: auth.CodeSource) -> str:
    """`lz unlock STACK [ID]`: force-unlock a lock a killed lz run left (or the named one), after asking."""
    (task,) = plan_tasks(project, Selection((stack,)))
    ctx = read_context(project, settings, [task.account], code_for)
    try:
        tf = ctx.terraform(stack)
    except NotSynthesized as exc:
        raise DeployError(str(exc)) from None
    locks.recover(tf.workdir)
    stale = locks.stale(tf.workdir)
    if lock_id is None:
        if not stale:
            raise DeployError(f"{stack}: no state lock left by a killed lz run is recorded; if terraform names one, `lz unlock {stack} LOCK_ID` releases it")
        lock_id = max(stale, key=lambda k: str(stale[k].get("at", "")))
    holder = stale.get(lock_id)
    whose = (
        f"left by `{holder.get('command')}` (pid {holder.get('pid')}) of an lz run that is gone"
        if holder
        else "not taken by a run lz knows of: make sure no terraform holds it"
    )
    if not confirm(f"release the state lock {lock_id} of {stack} ({whose})?"):
        raise DeployError(f"{stack}: lock {lock_id} not released")
    if not (tf.workdir / ".terraform").is_dir():
        tf.init("-reconfigure")
    tf.run("force-unlock", "-force", lock_id)
    locks.forget(tf.workdir, lock_id)
    return f"{stack}: state lock {lock_id} released"


def run_drift(
    project: Project, settings: Settings, selection: Selection, *, parallel: int, code_for: auth.CodeSource
) -> tuple[list[Task], dict[str, drift.StackDrift]]:
    """`lz drift`: synthesize as `lz plan` does (read-only plan role in CI), then compare each stack."""
    from landing_zone.synth import synth

    settings = replace(settings, auth=_auth(project, settings, auth.deployed_enforcement(project, settings)))
    if settings.auth == "ci":
        settings = replace(settings, ci_role="plan")
    ids = known_account_ids(settings)
    accounts = sorted({t.account for t in plan_tasks(project, selection)})
    ctx = DeployContext(project, settings, account_ids=ids, credentials=_credentials(project, settings, accounts, ids, code_for))
    synth(project, settings, ids, adopted=adopt.read(ctx, accounts))  # adopted objects as lz up has them: not drift
    return drift.run(ctx, selection, parallel=parallel)
