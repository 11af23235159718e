"""`lz pipeline github`: the GitHub Actions workflow from project.yaml; `lz pipeline comment`: its PR comment."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import ConfigOpt, command_group, load_project, load_settings

if TYPE_CHECKING:
    from landing_zone.config.model import Project
    from landing_zone.settings import Settings

pipeline_app = command_group("CI pipelines generated from project.yaml.")


def workflow_path(project: Project) -> Path:
    """The workflow inside the repository, which is the directory of project.yaml."""
    from landing_zone import naming

    return project.base_dir / naming.GITHUB_WORKFLOW_FILE


def rendered(project: Project, settings: Settings) -> str:
    from landing_zone.pipeline.github import NoPipeline, render

    try:
        return render(project, settings.config_path.name)
    except NoPipeline as exc:
        raise UserError(str(exc)) from None


@pipeline_app.command("github")
def github(
    config: ConfigOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 when the file differs from what would be written.")] = False,
) -> None:
    """Write .github/workflows/landing-zone.yml (plan on pull request, apply on push, by OIDC)."""
    from landing_zone.fsutil import atomic_write_text

    settings = load_settings(config)
    project = load_project(settings)
    text = rendered(project, settings)
    path = workflow_path(project)
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        current = None
    if check:
        if current != text:
            raise UserError(f"{path}: {'missing' if current is None else 'stale'}: run `lz pipeline github` and commit it")
        typer.echo(f"{path}: up to date")
        return
    if current == text:
        typer.echo(f"{path}: unchanged")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    typer.echo(f"wrote {path}: commit it")


@pipeline_app.command("comment")
def comment(
    summaries: Annotated[Path, typer.Argument(help="Directory of the jobs' `--summary` files (the merged artifacts).", show_default=False)],
    config: ConfigOpt = None,
) -> None:
    """Print the pull request comment (markdown): per account, each stack's plan; the access diff."""
    from landing_zone.pipeline import comment as render_comment
    from landing_zone.pipeline import summary

    project = load_project(load_settings(config))
    if not summaries.is_dir():
        raise UserError(f"{summaries}: not a directory of stack summaries")
    try:
        results = summary.read_dir(summaries)
    except summary.BadSummary as exc:
        raise UserError(str(exc)) from None
    typer.echo(render_comment.render(project, results, summary.read_access(summaries)), nl=False)


def stale_warning(project: Project, settings: Settings) -> str | None:
    """For `lz validate`: a warning when the committed workflow differs from what would be generated."""
    from landing_zone.pipeline.github import NoPipeline, render

    path = workflow_path(project)
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        fresh = render(project, settings.config_path.name)
    except NoPipeline as exc:
        return f"{path}: exists, but it cannot be generated again: {exc}"
    if current != fresh:
        return f"{path}: stale (project.yaml changed since it was generated): run `lz pipeline github` and commit it"
    return None
