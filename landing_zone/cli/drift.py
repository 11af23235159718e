"""`lz drift`: what changed in AWS outside lz, with what it does to who can reach what."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import ConfigOpt, DemoCodesOpt, ParallelOpt, TargetOpt, load_project, load_settings
from landing_zone.cli.worklock import holding

if TYPE_CHECKING:
    from landing_zone.deploy.drift import StackDrift
    from landing_zone.settings import Settings

EXIT_DRIFT = 2  # as terraform's -detailed-exitcode: 0 nothing, 1 error, 2 changes


def drift(
    config: ConfigOpt = None,
    target: TargetOpt = None,
    stack: Annotated[list[str] | None, typer.Option("--stack", "-s", help="Only this stack (repeatable).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here instead of stdout.", show_default=False)] = None,
    parallel: ParallelOpt = 3,
    demo_codes: DemoCodesOpt = False,
) -> None:
    """Compare every stack (or --stack) with AWS: what changed outside lz and who gains or loses access.
    Changes nothing. Exit 0: no drift; 2: drift; 1: error."""
    from landing_zone.cli.deploying import code_source, report
    from landing_zone.deploy import drift_report
    from landing_zone.deploy.command import run_drift
    from landing_zone.deploy.orchestrate import Selection
    from landing_zone.fsutil import atomic_write_text
    from landing_zone.settings import running_emulator_endpoint

    if fmt not in drift_report.FORMATS:
        raise UserError(f"unknown --format {fmt!r}: pick one of {', '.join(drift_report.FORMATS)}")
    settings = load_settings(config, target)
    project = load_project(settings)
    with holding(settings.work_dir, "lz drift"):
        if settings.target == "local" and not settings.endpoint:
            settings = replace(settings, endpoint=running_emulator_endpoint(settings.work_dir))
        if settings.target == "local" and not settings.endpoint:
            raise UserError("no emulator is running (start one with `lz emulator start`): a fresh one holds nothing to compare")
        tasks, found = run_drift(project, settings, Selection(tuple(stack or ())), parallel=parallel, code_for=code_source(settings, demo_codes))
    report("drift", tasks)  # a stack that could not be compared: exit 1 (3 for a bug)
    results = [found[t.name] for t in tasks]
    _add_access(settings, results)
    text = drift_report.render(results, fmt)
    if output:
        atomic_write_text(output, text + "\n")
    else:
        typer.echo(text)
    if any(r.drifted for r in results):
        raise typer.Exit(EXIT_DRIFT)


def _add_access(settings: Settings, results: list[StackDrift]) -> None:
    """Each IAM, SCP or trust drift's consequence, decided by the access model's evaluator."""
    from landing_zone.access import drift as access_drift
    from landing_zone.access.diff import load_or_empty
    from landing_zone.deploy.drift import ACCESS_TYPES

    items = [d for r in results for d in r.drifted if d.type in ACCESS_TYPES or d.address.startswith(access_drift.OUTSIDE)]
    if not items:
        return
    accounts = {r.stack: r.account for r in results}
    plain = [{"stack": d.stack, "account": accounts[d.stack], "address": d.address, "kind": d.kind, "now": d.now} for d in items]
    typer.echo(f"lz drift: deciding the access consequence of {len(items)} IAM/SCP change(s)", err=True)
    for item, lines in zip(items, access_drift.consequences(load_or_empty(settings.out_dir), plain), strict=True):
        item.access = lines or ["no change to who reaches what"]
