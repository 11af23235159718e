"""`lz migrate leverage`: take over a Leverage reference deployment's state in place."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import ConfigOpt, DemoCodesOpt, StackOpt, TargetOpt, command_group, load_project, load_settings
from landing_zone.cli.worklock import holding

migrate_app = command_group("Take over another tool's state in place: its objects keep their ids.")


@migrate_app.command("leverage")
def leverage(
    stack: StackOpt = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write the moved/removed blocks beside project.yaml (default: only show them).")] = False,
    config: ConfigOpt = None,
    target: TargetOpt = None,
    demo_codes: DemoCodesOpt = False,
) -> None:
    """Map each stack's Leverage reference state onto lz's addresses by what each object is.

    A dry run by default: the mapping and what lz forgets (it stays in AWS). --apply writes
    migrations/<stack>.json; the next `lz plan` shows the moves, `lz up` carries them out."""
    from landing_zone.cli.deploying import code_source
    from landing_zone.deploy.migrate import migrate_leverage
    from landing_zone.settings import running_emulator_endpoint

    settings = load_settings(config, target)
    project = load_project(settings)
    with holding(settings.work_dir, "lz migrate leverage"):
        if settings.target == "local" and not settings.endpoint:
            settings = replace(settings, endpoint=running_emulator_endpoint(settings.work_dir))
            if not settings.endpoint:
                raise UserError("no emulator is running: the state to migrate lives in it (`lz emulator start`)")
        results = migrate_leverage(project, settings, tuple(stack or ()), apply=apply, code_for=code_source(settings, demo_codes))
    for r in results:
        if not r.migration:
            typer.echo(f"{r.stack}: nothing to migrate ({r.note})")
            continue
        typer.echo(f"{r.stack}: {len(r.migration.moved)} moved, {len(r.migration.forgotten)} forgotten")
        if r.preview:
            p = r.preview
            typer.echo(f"  plan with the migration: {p.summary}; {len(p.replaced)} replaced, {len(p.destroyed)} destroyed")
            for address in (*p.replaced, *p.destroyed):
                typer.echo(f"  {address} {'replaced' if address in p.replaced else 'destroyed'} by the plan: read it before lz up")
        for src, dst in r.migration.moved:
            typer.echo(f"  {src} -> {dst}")
        for address in r.migration.forgotten:
            typer.echo(f"  {address} forgotten (stays in AWS, lz no longer manages it)")
        if r.written:
            typer.echo(f"  written to {r.written}")
    if not apply:
        typer.echo("dry run: nothing written (--apply writes the blocks; then `lz plan` shows the moves)", err=True)
    elif any(r.written for r in results):
        typer.echo("next: `lz plan` (expect moves, no destroy or replace), then `lz up`; commit migrations/ with project.yaml", err=True)
