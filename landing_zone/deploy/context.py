"""What every stack operation needs: the project, settings, paths and the terraform env."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from landing_zone import naming
from landing_zone.config.model import Project
from landing_zone.deploy.terraform import Terraform
from landing_zone.deploy.tfenv import full_env
from landing_zone.settings import Settings


@dataclass
class DeployContext:
    project: Project
    settings: Settings
    account_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = full_env(self.settings)

    @property
    def logs_dir(self) -> Path:
        return self.settings.work_dir / "logs"

    def log_path(self, stack: str) -> Path:
        return self.logs_dir / f"{stack}.log"

    def workspace(self, stack: str) -> Path:
        """`<work_dir>/stacks/<stack>`: terraform's working dir, holding a copy of the synthesized JSON.

        Kept apart from cdktf.out so a re-synth never wipes .terraform or a bootstrap state file.
        """
        ws = self.settings.work_dir / "stacks" / stack
        ws.mkdir(parents=True, exist_ok=True)
        src = self.settings.out_dir / "stacks" / stack / "cdk.tf.json"
        dst = ws / "cdk.tf.json"
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
        return ws

    def terraform(self, stack: str) -> Terraform:
        return Terraform(stack, self.workspace(stack).resolve(), self.env, self.log_path(stack).resolve())

    def backend_location(self, account: str, layer: str) -> tuple[str, str]:
        return naming.state_bucket(self.project.short_name, account), naming.state_key(account, layer)
