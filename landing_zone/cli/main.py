"""`lz`: validate, synthesize, deploy and destroy the landing zone; run the emulator."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from landing_zone.cli.access import access
from landing_zone.cli.credentials import credentials_app
from landing_zone.cli.drift import drift
from landing_zone.cli.errors import UserError, run_guarded
from landing_zone.cli.mfa import mfa_app
from landing_zone.cli.migrate import migrate_app
from landing_zone.cli.options import ConfigOpt, DemoCodesOpt, ParallelOpt, StackOpt, TargetOpt, command_group, load_project, load_settings
from landing_zone.cli.passwords import passwords_app
from landing_zone.cli.pipeline import pipeline_app, stale_warning
from landing_zone.cli.sso import sso_app
from landing_zone.cli.worklock import holding

if TYPE_CHECKING:
    from landing_zone.settings import Settings

app = command_group("One project.yaml to a multi-account AWS landing zone (cdktf).", name="lz", add_completion=False, pretty_exceptions_enable=False)
emulator_app = command_group("A long-lived local AWS emulator for a session of work.")
app.add_typer(emulator_app, name="emulator")
app.add_typer(passwords_app, name="passwords")
app.add_typer(credentials_app, name="credentials")
app.add_typer(mfa_app, name="mfa")
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(sso_app, name="sso")
app.add_typer(migrate_app, name="migrate")
app.command("access")(access)
app.command("drift")(drift)


def _show_version(value: bool) -> None:
    if value:
        from landing_zone import __version__

        typer.echo(f"lz {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print lz's release and exit.")] = False,
) -> None:
    """One project.yaml to a multi-account AWS landing zone (cdktf)."""


SummaryOpt = Annotated[Path | None, typer.Option("--summary", help="Also write each stack's result as JSON here (CI jobs).", show_default=False)]


@app.command()
def validate(
    path: Annotated[Path | None, typer.Argument(help="project.yaml to check.", show_default=False)] = None,
    config: ConfigOpt = None,
) -> None:
    """Check project.yaml offline: every problem at once, with its line."""
    from landing_zone.config import ConfigError

    settings = load_settings(path or config)
    try:
        project = load_project(settings)
    except ConfigError as exc:
        # Linter style: `file:line:col: path: message` on stdout, for editors and CI to parse.
        for problem in exc.problems:
            typer.echo(problem.render(exc.file))
        count = len(exc.problems)
        raise UserError(f"{exc.file}: {count} problem{'s' if count != 1 else ''}") from None
    stale = stale_warning(project, settings)
    if stale:
        typer.echo(f"warning: {stale}", err=True)
    typer.echo(f"{settings.config_path}: ok")


@app.command()
def synth(config: ConfigOpt = None, target: TargetOpt = None, stack: StackOpt = None) -> None:
    """Write every stack's Terraform JSON into cdktf.out (with --stack: only those stacks)."""
    from landing_zone import layers, naming
    from landing_zone.deploy.account_ids import known_account_ids
    from landing_zone.synth import synth as do_synth

    settings = load_settings(config, target)
    project = load_project(settings)
    every = layers.stack_ids(project)
    unknown = [s for s in stack or () if s not in every]
    if unknown:
        raise UserError(f"unknown stack '{unknown[0]}'; stacks are: {', '.join(every)}")
    with holding(settings.work_dir, "lz synth"):
        out = do_synth(project, settings, known_account_ids(settings), stacks=stack or None)
    stacks = sorted(p.name for p in (out / "stacks").iterdir()) if (out / "stacks").is_dir() else []
    typer.echo(f"synthesized {len(stacks)} stacks into {out}: {', '.join(stacks)}")
    waiting = [name for name in every if name not in stacks and (not stack or name in stack)]
    if waiting:
        typer.echo(
            f"{len(waiting)} stacks wait for their accounts (`lz up` creates them with "
            f"{naming.stack_id(naming.MANAGEMENT, layers.ACCOUNTS_LAYER)}): {', '.join(waiting)}",
            err=True,
        )


def _deploy_action(
    action: str,
    *,
    config: Path | None,
    target: str | None,
    stack: list[str] | None,
    parallel: int,
    with_deps: bool = False,
    demo_codes: bool = False,
    refresh: bool = False,
    access_diff: bool = False,
    summary: Path | None = None,
) -> None:
    from landing_zone.cli.deploying import adoption_notice, code_source, report, write_summary
    from landing_zone.deploy.command import run_command
    from landing_zone.deploy.orchestrate import Selection
    from landing_zone.emulator import server
    from landing_zone.settings import running_emulator_endpoint

    settings = load_settings(config, target)
    project = load_project(settings)
    on_synth = _access_diff_printer(settings) if access_diff else None
    with holding(settings.work_dir, f"lz {action}"):
        if settings.target == "local" and not settings.endpoint:  # a waiting run may find one now
            settings = replace(settings, endpoint=running_emulator_endpoint(settings.work_dir))
        own_emulator = settings.target == "local" and not settings.endpoint
        if own_emulator:
            info = server.start(settings.work_dir)
            typer.echo(f"started an emulator for this run at {info.endpoint} (`lz emulator start` keeps one running)", err=True)
            settings = replace(settings, endpoint=info.endpoint)
        try:
            tasks = run_command(
                project,
                settings,
                action,
                Selection(tuple(stack or ()), with_deps),
                parallel=parallel,
                code_for=code_source(settings, demo_codes),
                on_synth=on_synth,
                on_adopted=adoption_notice if action != "down" else None,
                refresh=refresh,
            )
        finally:
            if own_emulator:
                server.stop(settings.work_dir)
    if summary:
        write_summary(summary, action, tasks)
    report(action, tasks)
    if action == "up" and project.notifications.emails:
        typer.echo(
            f"alerts: {len(project.notifications.emails)} address(es) in notifications.emails get one confirmation "
            "mail per account; AWS sends them alerts only once it is confirmed",
            err=True,
        )


@app.command()
def up(
    config: ConfigOpt = None,
    target: TargetOpt = None,
    stack: StackOpt = None,
    with_deps: Annotated[bool, typer.Option("--with-deps", help="Also the stacks --stack depends on.")] = False,
    parallel: ParallelOpt = 3,
    demo_codes: DemoCodesOpt = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Plan every stack, also those unchanged since they last applied.")] = False,
    summary: SummaryOpt = None,
) -> None:
    """Deploy every stack in dependency order (the state backend bootstrap included)."""
    _deploy_action(
        "up", config=config, target=target, stack=stack, parallel=parallel, with_deps=with_deps, demo_codes=demo_codes, refresh=refresh, summary=summary
    )


def _access_diff_printer(settings: Settings) -> Callable[[], None]:
    """What the change does to who can reach what: each stack's JSON as lz last planned or
    applied it (the work dir, read now, before the run copies the new one in) against the new synth.
    A selective synth (--stack) replaces only its stacks: the others stay as they were applied."""
    from landing_zone.access import diff
    from landing_zone.synth import selection

    before = diff.load_or_empty(settings.work_dir)

    def show() -> None:
        after = diff.load_or_empty(settings.out_dir)
        if selection(settings.out_dir) is not None:
            after = before | after
        text = diff.render_changes(before, after)
        typer.echo("access changes (who → role or permission set → account):\n" + text if text else "access: no change", err=True)

    return show


@app.command()
def plan(config: ConfigOpt = None, target: TargetOpt = None, stack: StackOpt = None, parallel: ParallelOpt = 3, summary: SummaryOpt = None) -> None:
    """Plan every stack (or --stack) and report its changes, the access diff first; changes nothing."""
    _deploy_action("plan", config=config, target=target, stack=stack, parallel=parallel, access_diff=True, summary=summary)


@app.command()
def down(
    config: ConfigOpt = None,
    target: TargetOpt = None,
    stack: StackOpt = None,
    yes_really: Annotated[bool, typer.Option("--yes-really", help="Required to destroy on real AWS.")] = False,
    parallel: ParallelOpt = 3,
) -> None:
    """Destroy stacks in reverse order; adopted resources are released, not destroyed."""
    settings = load_settings(config, target)
    if settings.target != "local" and not yes_really:
        raise UserError("refusing to destroy real AWS resources without --yes-really")
    _deploy_action("down", config=config, target=target, stack=stack, parallel=parallel)


@app.command()
def inventory(config: ConfigOpt = None, target: TargetOpt = None) -> None:
    """Show what exists: organization, OUs, accounts, SCPs and state backends."""
    from landing_zone import naming
    from landing_zone.cli.deploying import code_source
    from landing_zone.deploy.command import read_context
    from landing_zone.deploy.inventory import describe

    settings = load_settings(config, target)
    if settings.target == "local" and not settings.endpoint:
        raise UserError("no emulator is running (start one with `lz emulator start`)")
    project = load_project(settings)
    ctx = read_context(project, settings, [naming.MANAGEMENT], code_source(settings, False))  # MFA sessions once on
    for line in describe(project, ctx.settings, ctx.session()):
        typer.echo(line)


@app.command()
def adopt(
    config: ConfigOpt = None,
    target: TargetOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="project.yaml to write (custom SCPs go to policies/ next to it).", show_default="--config")
    ] = None,
) -> None:
    """Describe the existing organization in project.yaml (its organization block), read-only."""
    from landing_zone import naming
    from landing_zone.adoption.describe import describe
    from landing_zone.adoption.describe_identity_center import describe as describe_identity_center
    from landing_zone.adoption.model import AdoptionError
    from landing_zone.cli.deploying import code_source
    from landing_zone.config import ConfigError, editor
    from landing_zone.config import load_project as load_file
    from landing_zone.deploy.command import read_context
    from landing_zone.fsutil import write_keeping_mode

    settings = load_settings(config, target)
    if settings.target == "local" and not settings.endpoint:
        raise UserError("no emulator is running (start one with `lz emulator start`)")
    project = load_project(settings)
    ctx = read_context(project, settings, [naming.MANAGEMENT], code_source(settings, False))
    try:
        found = describe(project, ctx.client("organizations"))
    except AdoptionError as exc:
        raise UserError(str(exc)) from None
    users: list[dict[str, Any]] = []
    if project.sso.enabled:
        center = describe_identity_center(ctx.client("sso-admin"), ctx.client("identitystore"), found.organization["accounts"])
        users, found.notes = center.users, [*found.notes, *center.notes]
    target_file = output or settings.config_path
    text = editor.with_organization(settings.config_path.read_text(encoding="utf-8"), found.organization, found.notes)
    text = editor.with_users(text, users)
    clashes = [
        p for p, body in found.policy_files.items() if (target_file.parent / p).exists() and (target_file.parent / p).read_text(encoding="utf-8") != body
    ]
    if clashes:  # before anything is written
        raise UserError(f"{target_file.parent / clashes[0]} exists with other content: move it away, then run `lz adopt` again")
    for rel, body in found.policy_files.items():
        (target_file.parent / rel).parent.mkdir(parents=True, exist_ok=True)
        write_keeping_mode(target_file.parent / rel, body, new_mode=0o644)
    write_keeping_mode(target_file, text, new_mode=0o644)
    for note in found.notes:
        typer.echo(f"not expressed (left alone): {note}", err=True)
    accounts, ous = len(found.organization["accounts"]), len(found.organization["organizational_units"])
    typer.echo(f"{target_file}: {accounts} accounts, {ous} OUs, {len(found.policy_files)} custom SCP document(s), {len(users)} Identity Center user(s) written")
    try:
        load_file(target_file)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(problem.render(exc.file))
        raise UserError(f"{exc.file}: {len(exc.problems)} problem(s) left for you to settle (`lz validate` lists them)") from None


@app.command()
def env(config: ConfigOpt = None, target: TargetOpt = None) -> None:
    """Print shell exports so `npx cdktf …` synthesizes and deploys like `lz` (eval "$(lz env)")."""
    from landing_zone.deploy.tfenv import terraform_env

    for key, value in sorted(terraform_env(load_settings(config, target), search=True).items()):
        typer.echo(f"export {key}={shlex.quote(value)}")


@app.command()
def unlock(
    stack: Annotated[str, typer.Argument(help="The stack whose state lock to release.", show_default=False)],
    lock_id: Annotated[str | None, typer.Argument(help="The lock ID terraform named (default: the one a killed lz run left).", show_default=False)] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    config: ConfigOpt = None,
    target: TargetOpt = None,
) -> None:
    """Release a stack's state lock that a killed lz run left behind (terraform force-unlock)."""
    from landing_zone.cli.deploying import code_source
    from landing_zone.deploy.command import unlock_stack

    settings = load_settings(config, target)
    project = load_project(settings)

    def confirm(question: str) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            raise UserError(f"{question}: confirm with --yes (no terminal to ask)")
        return bool(typer.confirm(question, default=False, err=True))

    with holding(settings.work_dir, "lz unlock"):
        typer.echo(unlock_stack(project, settings, stack, lock_id, confirm=confirm, code_for=code_source(settings, False)))


@emulator_app.command("start")
def emulator_start(config: ConfigOpt = None) -> None:
    """Start the emulator (or show the one running) and print its endpoint."""
    from landing_zone.emulator import server

    info = server.start(load_settings(config).work_dir)
    typer.echo(info.endpoint)


@emulator_app.command("stop")
def emulator_stop(config: ConfigOpt = None) -> None:
    """Stop the emulator; its AWS state is gone with it."""
    from landing_zone.emulator import server

    typer.echo("stopped" if server.stop(load_settings(config).work_dir) else "no emulator was running")


@emulator_app.command("status")
def emulator_status(config: ConfigOpt = None) -> None:
    """Print the running emulator's endpoint; exit 1 when none runs."""
    from landing_zone.emulator import server

    info = server.status(load_settings(config).work_dir)
    if not info:
        raise UserError("no emulator is running")
    typer.echo(f"{info.endpoint} (pid {info.pid})")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the Ctrl-C path: running terraform stopped, exit 130


def main(argv: list[str] | None = None) -> int:
    def work_dir() -> Path:
        return Path(os.environ.get("LZ_WORK_DIR") or ".lz")

    # SIGTERM/SIGHUP (`kill`, a closed terminal) take the Ctrl-C path, so terraform (in its
    # own process group) is stopped and its state lock released instead of orphaned.
    handled = (signal.SIGTERM, signal.SIGHUP)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, _interrupt) for s in handled} if main_thread else {}
    try:
        return run_guarded(lambda: app(args=argv, prog_name="lz", standalone_mode=False), work_dir)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def entry() -> None:
    code = main()
    if code == 130:
        # Ctrl-C also reached the jsii node process (same process group): its atexit stop
        # would add a BrokenPipeError traceback after "interrupted". Nothing is left to clean up.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
