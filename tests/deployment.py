"""A project deployed once per test session on a fresh emulator, driven through the real `lz`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landing_zone.config import Project, load_project
from landing_zone.emulator import server
from landing_zone.settings import Settings
from tests.conftest import ROOT, provider_mirror
from tests.synth_helpers import gnupghome, prepare_project

# A stack's last progress line: "<stack>: done (<seconds>s): <detail>" (deploy/progress.py).
_DONE = re.compile(r"^(\S+): done \([\d.]+s\): (.*)$", re.M)


def stack_results(output: str) -> dict[str, str]:
    """stack → the detail of its "done" line in an lz run's progress output (stderr)."""
    return dict(_DONE.findall(output))


def run_lz(cwd: Path, env: dict[str, str], *args: str, code: int | None = 0) -> subprocess.CompletedProcess[str]:
    """`lz ARGS` as a user runs it (no stdin); its exit code must be `code` unless that is None."""
    proc = subprocess.run(
        [sys.executable, "-m", "landing_zone.cli.main", *args], cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    if code is not None and proc.returncode != code:
        raise AssertionError(f"lz {' '.join(args)} exited {proc.returncode}, not {code}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@dataclass
class Deployment:
    dir: Path  # cwd of every lz run: the project copy, .lz and cdktf.out live here
    config: Path
    endpoint: str
    project: Project
    env: dict[str, str]
    runs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    @property
    def gnupghome(self) -> Path:
        """Holds the private keys of the project's IAM users (generated for the session)."""
        return gnupghome()

    @property
    def work_dir(self) -> Path:
        return self.dir / ".lz"

    @property
    def settings(self) -> Settings:
        return Settings(config_path=self.config, target="local", work_dir=self.work_dir, out_dir=self.dir / "cdktf.out", endpoint=self.endpoint)

    def lz(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_lz(self.dir, self.env, *args, code=0 if check else None)

    def session(self, account: str = "management") -> Any:
        from landing_zone.aws import sessions
        from landing_zone.deploy.account_ids import known_account_ids

        return sessions.session(self.project, self.settings, account, known_account_ids(self.settings))

    def client(self, service: str, account: str = "management") -> Any:
        from landing_zone.aws import sessions

        return sessions.client(self.session(account), service, self.settings)


def start_deployment(base: Path, source: Path = ROOT / "project.yaml") -> Deployment:
    config = prepare_project(source, base)
    info = server.start(base / ".lz")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LZ_", "AWS_"))}
    env.update(
        HOME=str(base / "home"),
        LZ_CONFIG=str(config),
        LZ_WORK_DIR=str(base / ".lz"),
        LZ_OUT_DIR=str(base / "cdktf.out"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    mirror = provider_mirror()
    if mirror:
        env["LZ_PROVIDER_MIRROR"] = mirror
    project, _ = load_project(config)
    return Deployment(dir=base, config=config, endpoint=info.endpoint, project=project, env=env)


def stop_deployment(dep: Deployment) -> None:
    server.stop(dep.work_dir)
