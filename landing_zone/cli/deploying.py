"""What every deploying command shares: where MFA codes come from, and the closing summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from landing_zone.cli.errors import UserError, is_expected

if TYPE_CHECKING:
    from landing_zone.adoption.model import Adopted
    from landing_zone.deploy.auth import CodeSource
    from landing_zone.deploy.graph import Task
    from landing_zone.settings import Settings


def adoption_notice(adopted: Adopted) -> None:
    """Once per run: what the organization holds that project.yaml does not describe (left alone)."""
    adopting = len(adopted.ous) + len(adopted.accounts) + len(adopted.policies) + (1 if adopted.organization else 0)
    adopting += len(adopted.groups) + len(adopted.users) + len(adopted.permission_sets) + len(adopted.iam_users)
    if adopting:
        typer.echo(f"adopting {adopting} existing object(s) of the organization (import blocks; released, never deleted, by `lz down`)", err=True)
    if adopted.unmanaged:
        typer.echo("not managed by this project (left untouched): " + "; ".join(adopted.unmanaged), err=True)


def code_source(settings: Settings, demo_codes: bool) -> CodeSource:
    """MFA codes for stale sessions: the operator at a terminal, or (emulator) the demo seed."""
    if demo_codes:
        from landing_zone.postdeploy import totp

        return lambda profile, serial: totp.demo_code(settings, serial)
    if not sys.stdin.isatty():

        def refuse(profile: str, serial: str) -> str:
            raise UserError(f"the MFA session of {profile} expired and there is no terminal to ask for a code: run `lz mfa login --profile {profile}` first")

        return refuse
    return lambda profile, serial: str(typer.prompt(f"MFA code for {profile} ({serial})"))


class StackCrashed(RuntimeError):
    """An unexpected exception inside a stack task: a bug, reported as one (exit 3, crash log)."""


def report(action: str, tasks: list[Task]) -> None:
    """One summary line; failures as one line each naming the log to read (exit 1).

    A task that failed with an unexpected exception (not one of the expected error classes)
    is a bug: once the other stacks finished, it is raised again for the crash log (exit 3).
    """
    from landing_zone.deploy.orchestrate import failures

    bad = failures(tasks)
    total = sum(t.seconds for t in tasks)
    typer.echo(f"lz {action}: {len(tasks) - len(bad)}/{len(tasks)} stacks ok ({total:.0f}s of stack time)", err=True)
    crashed = [t for t in bad if t.error is not None and not is_expected(t.error)]
    if crashed:
        first = crashed[0]
        for t in bad:
            if t is not first:
                typer.echo(f"error: {t.name}: {t.status}: {t.detail}", err=True)
        raise StackCrashed(f"{first.name}: {type(first.error).__name__}: {first.error}") from first.error
    if bad:
        raise UserError("\n".join(f"{t.name}: {t.status}: {t.detail}" for t in bad))


def write_summary(path: Path, action: str, tasks: list[Task]) -> None:
    """`--summary FILE`: each stack's result as JSON, for the CI comment job (landing_zone/pipeline)."""
    from landing_zone.pipeline.summary import StackResult, write

    write(path, action, [StackResult(t.name, t.account, t.layer, t.status, t.detail, round(t.seconds, 1)) for t in tasks])
