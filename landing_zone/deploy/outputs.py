"""What deployed stacks output (`terraform output -json`), for the commands after `lz up`."""

from __future__ import annotations

from typing import Any

from landing_zone.config.model import Project
from landing_zone.deploy.context import DeployContext, NotSynthesized
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.terraform import TerraformError
from landing_zone.settings import Settings


class NotDeployed(DeployError):
    def __init__(self, stack: str):
        super().__init__(f"stack {stack} is not deployed (run `lz up`)")


def stack_outputs(project: Project, settings: Settings, stack: str) -> dict[str, Any]:
    """The outputs of a stack `lz up` applied (NotDeployed when it never ran)."""
    workspace = settings.work_dir / "stacks" / stack
    # No workspace, or one that never ran init/apply: nothing to read (and terraform would
    # answer with an empty map or an init error instead of saying so).
    if not (workspace / ".terraform").is_dir() and not (workspace / "terraform.tfstate").is_file():
        raise NotDeployed(stack)
    try:
        return DeployContext(project, settings).terraform(stack).outputs()
    except (NotSynthesized, FileNotFoundError):
        raise NotDeployed(stack) from None
    except TerraformError as exc:
        raise DeployError(f"cannot read the outputs of stack {stack}: terraform output failed; see {exc.log}") from None
