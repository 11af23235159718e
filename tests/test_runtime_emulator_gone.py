"""A stack that fails because the emulator stopped says so, not "apply failed; see log"."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.graph import Task
from landing_zone.deploy.orchestrate import EmulatorGone, emulator_checked
from landing_zone.deploy.terraform import TerraformError
from landing_zone.emulator.server import EmulatorInfo
from landing_zone.settings import Settings, Target


@dataclass
class _Ctx:
    settings: Settings

    def log_path(self, stack: str) -> Path:
        return Path(f"/logs/{stack}.log")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _failing(ctx: object, task: Task) -> str:
    raise TerraformError(task.name, "apply", Path(f"/logs/{task.name}.log"))


def _settings(endpoint: str, target: Target = "local") -> Settings:
    return Settings(config_path=Path("project.yaml"), target=target, endpoint=endpoint)


def test_a_failure_with_the_emulator_gone_says_so() -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    work = emulator_checked(_Ctx(_settings(endpoint)), _failing)  # type: ignore[arg-type]  # _Ctx: the settings emulator_checked reads
    with pytest.raises(EmulatorGone) as caught:
        work(Task("management-sso", "management", "sso"))
    assert str(caught.value) == (
        f"the emulator at {endpoint} is gone (it stopped during the run): start one "
        "(`lz emulator start`) and run the command again; see /logs/management-sso.log"
    )
    assert isinstance(caught.value, DeployError), "an expected error: exit 1, one line"


def test_with_the_emulator_answering_the_failure_is_the_stacks_own(emulator: EmulatorInfo) -> None:
    work = emulator_checked(_Ctx(_settings(emulator.endpoint)), _failing)  # type: ignore[arg-type]  # _Ctx: the settings emulator_checked reads
    with pytest.raises(TerraformError, match="terraform apply failed"):
        work(Task("management-sso", "management", "sso"))
