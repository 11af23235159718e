"""Options and loaders every `lz` command shares (one definition, so flags read the same everywhere)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from landing_zone.config.model import Project
    from landing_zone.postdeploy.ui import Console
    from landing_zone.settings import Settings


def command_group(help: str, **kwargs: object) -> typer.Typer:
    """A typer app of lz: plain click help (Rich help costs ~0.2 s of imports per `--help`)."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None, **kwargs)  # type: ignore[arg-type]


ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", envvar="LZ_CONFIG", help="project.yaml to use.", show_default="./project.yaml")]
TargetOpt = Annotated[str | None, typer.Option("--target", "-t", envvar="LZ_TARGET", help="local (embedded emulator) or aws.", show_default="local")]
DemoCodesOpt = Annotated[bool, typer.Option("--demo-codes", hidden=True, help="Emulator only: compute MFA codes from the stored demo seed.")]
StackOpt = Annotated[list[str] | None, typer.Option("--stack", "-s", help="Only this stack (repeatable).")]
ParallelOpt = Annotated[int, typer.Option("--parallel", "-p", min=1, max=16, help="Stacks run at once.")]
AwsDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--aws-dir", envvar="LZ_AWS_DIR", help="Instead of ~/.aws (files go to <dir>/<short>/).", show_default="~/.aws; <work dir>/aws on the emulator"
    ),
]
AccountOpt = Annotated[str, typer.Option("--account", "-a", help="Account of the IAM user.")]


def load_settings(config: Path | None, target: str | None = None) -> Settings:
    from landing_zone.settings import Settings

    return Settings.from_env(config_path=config, target=target)


def load_project(settings: Settings) -> Project:
    """project.yaml, validated; warnings go to stderr."""
    from landing_zone.config import load_project as load

    project, warnings = load(settings.config_path)
    for w in warnings:
        typer.echo(f"warning: {w.render(settings.config_path)}", err=True)
    return project


def console() -> Console:
    from landing_zone.postdeploy.ui import Console

    return Console(
        echo=lambda text: typer.echo(text, err=True),
        prompt=lambda text, hide: str(typer.prompt(text, hide_input=hide, err=True)),
        confirm=lambda text: bool(typer.confirm(text, default=False, err=True)),
        interactive=sys.stdin.isatty(),
    )


def aws_dir(option: Path | None, settings: Settings) -> Path:
    from landing_zone.aws import files

    return files.resolve(option, settings)
