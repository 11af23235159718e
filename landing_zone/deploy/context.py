"""What every stack operation needs: the project, settings, paths and the terraform env."""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from landing_zone import naming
from landing_zone.config.model import Project
from landing_zone.deploy.terraform import Terraform
from landing_zone.deploy.tfenv import full_env
from landing_zone.settings import Settings


class NotSynthesized(Exception):
    def __init__(self, stack: str):
        super().__init__(f"{stack} is not synthesized: its account does not exist yet (deploy management-organizations first)")


@dataclass
class DeployContext:
    project: Project
    settings: Settings
    account_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = full_env(self.settings)
        # Held while cdktf.out is rewritten and while a stack's JSON is copied out of it.
        self.synth_lock = threading.Lock()

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
        with self.synth_lock:
            if not src.exists():
                raise NotSynthesized(stack)
            if not dst.exists() or dst.read_bytes() != src.read_bytes():
                shutil.copyfile(src, dst)
        return ws

    def terraform(self, stack: str) -> Terraform:
        return Terraform(stack, self.workspace(stack).resolve(), self.env, self.log_path(stack).resolve())

    def backend_location(self, account: str, layer: str) -> tuple[str, str]:
        return naming.state_bucket(self.project.short_name, account), naming.state_key(account, layer)
