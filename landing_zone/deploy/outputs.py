"""What deployed stacks output (`terraform output -json`), for the commands after `lz up`."""

from __future__ import annotations

from typing import Any

from landing_zone.config.model import Project
from landing_zone.deploy.auth import CodeSource
from landing_zone.deploy.command import read_context
from landing_zone.deploy.context import NotSynthesized
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.orchestrate import Selection, plan_tasks
from landing_zone.deploy.terraform import TerraformError
from landing_zone.settings import Settings


class NotDeployed(DeployError):
    def __init__(self, stack: str):
        super().__init__(f"stack {stack} is not deployed (run `lz up`)")


def _no_codes(profile: str, serial: str) -> str:
    raise DeployError(f"the MFA session of {profile} expired: run `lz mfa login --profile {profile}` first")


def stack_outputs(project: Project, settings: Settings, stack: str, code_for: CodeSource | None = None) -> dict[str, Any]:
    """The outputs of a stack `lz up` applied (NotDeployed when it never ran), read with the
    credentials `lz up` uses now (the MFA sessions once MFA is on; `code_for` asks for codes)."""
    workspace = settings.work_dir / "stacks" / stack
    # No workspace, or one that never ran init/apply: nothing to read (and terraform would
    # answer with an empty map or an init error instead of saying so).
    if not (workspace / ".terraform").is_dir() and not (workspace / "terraform.tfstate").is_file():
        raise NotDeployed(stack)
    try:
        account = next(t.account for t in plan_tasks(project, Selection((stack,))))
        ctx = read_context(project, settings, [account], code_for or _no_codes)
        return ctx.terraform(stack).outputs()
    except (NotSynthesized, FileNotFoundError):
        raise NotDeployed(stack) from None
    except TerraformError as exc:
        raise DeployError(f"cannot read the outputs of stack {stack}: terraform output failed; see {exc.log}") from None
