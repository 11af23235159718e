"""`lz access`: who reaches what (person or group → role or permission set → account), from a
synth and a real IAM policy evaluator; `--diff` lists what a change adds and removes. No AWS calls."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import ConfigOpt, load_project, load_settings

if TYPE_CHECKING:
    from landing_zone.access.escalation import Path as EscalationPath
    from landing_zone.access.terraform import Stacks
    from landing_zone.settings import Settings

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")]


def access(
    config: ConfigOpt = None,
    account: Annotated[str | None, typer.Option("--account", "-a", help="Only this account.")] = None,
    principal: Annotated[str | None, typer.Option("--principal", "-p", help="Only this person (IAM user, SSO email) or group.")] = None,
    fmt: FormatOpt = "table",
    stacks: Annotated[Path | None, typer.Option("--stacks", help="Read this synth output (or work dir) instead of synthesizing.", show_default=False)] = None,
    diff: Annotated[
        str | None,
        typer.Option(
            "--diff",
            help="Compare with OTHER: a synth output directory, or project.yaml at a git revision (HEAD~1, a branch); lists access added (+) and removed (-).",
            metavar="OTHER",
            show_default=False,
        ),
    ] = None,
    escalations: Annotated[bool, typer.Option("--escalations", help="Only the escalation paths (beyond sts:AssumeRole), each with its chain.")] = False,
) -> None:
    """Who can assume what, in which account, with or without MFA, under which SCPs; then what
    each group reaches beyond sts:AssumeRole (IAM writes, keys for others, PassRole) and how."""
    from landing_zone.access import diff as access_diff
    from landing_zone.access import escalation, model, reach, render
    from landing_zone.access.managed_policies import UnknownManagedPolicy
    from landing_zone.access.synthesize import RefNotFound
    from landing_zone.access.terraform import StacksNotFound

    if fmt not in render.FORMATS:
        raise UserError(f"unknown --format {fmt!r}: pick one of {', '.join(render.FORMATS)}")
    settings = load_settings(config)
    with tempfile.TemporaryDirectory(prefix="lz-access-") as tmp:
        try:
            current = _stacks(settings, stacks, Path(tmp) / "current")
            if diff is not None:
                changes = access_diff.render_changes(_other(settings, diff, Path(tmp) / "other"), current)
                typer.echo(changes or f"no access changes against {diff}")
                return
            built = model.build(current)
        except (StacksNotFound, RefNotFound, UnknownManagedPolicy) as exc:
            raise UserError(str(exc)) from None
    if account and account not in built.accounts:
        raise UserError(f"no account {account!r} in the synthesized stacks ({', '.join(sorted(built.accounts))})")
    rows = reach.select(reach.matrix(built), account, principal)
    if principal and not rows:
        raise UserError(f"{principal!r} reaches nothing{f' in {account}' if account else ''} (no such person or group?)")
    paths = [p for p in escalation.escalations(escalation.paths(built)) if _path_selected(p, account, principal)]
    if escalations:
        typer.echo(render.render_paths(paths, fmt))
        return
    if fmt == "json":  # the rows as before; `--escalations --format json` gives the paths
        typer.echo(render.render(rows, fmt))
        return
    typer.echo(render.render(rows, fmt) + "\n\n" + render.render_paths(paths, fmt))


def _path_selected(path: EscalationPath, account: str | None, principal: str | None) -> bool:
    group = path.who.rsplit(" ", 1)[-1]
    return (not account or path.account == account) and (not principal or principal in (*path.members, path.who, group, group.rsplit("/", 1)[-1]))


def _stacks(settings: Settings, directory: Path | None, scratch: Path) -> Stacks:
    from landing_zone.access.synthesize import project_for_access, synthesize

    if directory is not None:
        return _load(directory)
    try:
        text = settings.config_path.read_text(encoding="utf-8")
    except OSError:
        load_project(settings)  # the loader's one-line message for a missing or unreadable file
        raise
    return synthesize(project_for_access(text, settings.config_path, scratch.with_name(f"{scratch.name}-keys")), settings, {}, scratch)


def _other(settings: Settings, other: str, scratch: Path) -> Stacks:
    """Another synth output directory, or project.yaml at a git revision, synthesized."""
    from landing_zone.access.synthesize import project_at, project_for_access, synthesize

    if Path(other).is_dir():
        return _load(Path(other))
    project = project_for_access(project_at(other, settings.config_path), settings.config_path, scratch.with_name(f"{scratch.name}-keys"))
    return synthesize(project, settings, {}, scratch)


def _load(directory: Path) -> Stacks:
    """The stacks of a synth output (or work dir); never a selective synth's few, taken for the organization."""
    from landing_zone.access.terraform import load_stacks
    from landing_zone.synth import selection

    selected = selection(directory)
    if selected is not None:
        raise UserError(f"{directory} holds a selective synth (lz synth --stack {' '.join(selected)}), not the organization: run `lz synth` first")
    return load_stacks(directory)
