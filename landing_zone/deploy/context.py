"""What every stack operation needs: the project, settings, paths and the terraform env."""

from __future__ import annotations

import copy
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landing_zone import naming
from landing_zone.aws import sessions
from landing_zone.aws.mfa_sessions import as_env
from landing_zone.config.model import Project
from landing_zone.deploy.terraform import Terraform
from landing_zone.deploy.tfenv import full_env
from landing_zone.layers import parse_stack_id
from landing_zone.settings import Settings

# Seconds a cached boto3 client is reused: well inside the 1 h of an assumed role's credentials.
CLIENT_TTL = 30 * 60


class NotSynthesized(Exception):
    def __init__(self, stack: str):
        super().__init__(f"{stack} is not synthesized: its account does not exist yet (deploy management-organizations first)")


@dataclass
class DeployContext:
    project: Project
    settings: Settings
    account_ids: dict[str, str] = field(default_factory=dict)
    # account → temporary credentials (settings.auth == "mfa"): each stack runs with its own
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)

    def with_account_ids(self, ids: dict[str, str]) -> DeployContext:
        """A copy knowing these member account ids, sharing this one's lock, env and clients.

        The copy, not this context, changes: worker threads may be reading this one.
        """
        found = copy.copy(self)
        found.account_ids = dict(ids)
        return found

    def __post_init__(self) -> None:
        self.env = full_env(self.settings)
        # Held while cdktf.out is rewritten and while a stack's JSON is copied out of it.
        self.synth_lock = threading.Lock()
        self._clients: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._clients_lock = threading.Lock()

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
                # A selective synth (`--stack`) left it out: its last run's copy serves the reads.
                # Not when its account is unknown (after `lz down`): that copy's account is gone.
                if dst.exists() and self._account_known(parse_stack_id(stack)[0]):
                    return ws
                raise NotSynthesized(stack)
            if not dst.exists() or dst.read_bytes() != src.read_bytes():
                shutil.copyfile(src, dst)
        return ws

    def _account_known(self, account: str) -> bool:
        return account == naming.MANAGEMENT or bool(self.account_ids.get(account) or self.project.account(account).id)

    def terraform(self, stack: str, account: str | None = None) -> Terraform:
        env = self.env
        creds = self.credentials.get(account or parse_stack_id(stack)[0])
        if creds:
            env = {**env, **as_env(creds)}
        return Terraform(
            stack,
            self.workspace(stack).resolve(),
            env,
            self.log_path(stack).resolve(),
            emulator=self.settings.target == "local",
            timeout=self.settings.command_timeout,
            lock_timeout=self.settings.lock_timeout,
        )

    def session(self, account: str = naming.MANAGEMENT) -> Any:
        """A boto3 session in `account` with the same credentials its stacks use."""
        creds = self.credentials.get(account)
        if creds:
            return sessions.keys_session(sessions.AccessKey.of(creds), self.project.primary_region)
        return sessions.session(self.project, self.settings, account, self.account_ids)

    def client(self, service: str, account: str = naming.MANAGEMENT) -> Any:
        """A boto3 client in `account`, built once per deploy and shared by the worker threads.

        boto3 clients are thread-safe; building one loads its service model (and, for a member
        account, assumes a role), which made a skipped stack cost seconds on a busy machine.
        Rebuilt after CLIENT_TTL so assumed-role credentials (1 h) never expire in use.
        """
        creds = self.credentials.get(account, {})
        key = (account, service, self.account_ids.get(account, ""), creds.get("AccessKeyId", ""))
        with self._clients_lock:
            built, cached = self._clients.get(key, (0.0, None))
            if cached is None or time.monotonic() - built > CLIENT_TTL:
                cached = sessions.client(self.session(account), service, self.settings)
                self._clients[key] = (time.monotonic(), cached)
            return cached

    def backend_location(self, account: str, layer: str) -> tuple[str, str]:
        return naming.state_bucket(self.project.short_name, account), naming.state_key(account, layer)
