"""A state lock a command left for itself (a retried PutItem on a busy emulator) is cleared once."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from landing_zone.deploy import locks
from landing_zone.deploy.terraform import Terraform, TerraformError

LOCK_ID = "77c876be-8493-3653-400a-2b3da13195c1"


def _lock_error(who: str, created: datetime) -> str:
    return f"""
Error: Error acquiring the state lock

Error message: operation error DynamoDB: PutItem, https response error
StatusCode: 400, ConditionalCheckFailedException: The conditional request failed
Lock Info:
  ID:        {LOCK_ID}
  Path:      me-security-terraform-backend/security/tf-backend/terraform.tfstate
  Operation: OperationTypePlan
  Who:       {who}
  Version:   1.11.4
  Created:   {created.strftime('%Y-%m-%d %H:%M:%S.%f')}683 +0000 UTC
  Info:
"""


def _fake_terraform(tmp_path: Path, first_error: str) -> tuple[Terraform, Path]:
    """A terraform that fails its first plan with `first_error` and records every call."""
    calls = tmp_path / "calls"
    (tmp_path / "error.txt").write_text(first_error)
    script = tmp_path / "terraform"
    script.write_text(f"""#!/bin/sh
echo "$*" >> {calls}
if [ "$1" = plan ] && [ ! -e {tmp_path}/failed-once ]; then
  touch {tmp_path}/failed-once; cat {tmp_path}/error.txt >&2; exit 1
fi
exit 0
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    ws = tmp_path / "ws"
    ws.mkdir()
    return Terraform("security-tf-backend", ws, {"PATH": "/usr/bin:/bin"}, tmp_path / "stack.log",
                     binary=str(script), emulator=True), calls  # fmt: skip


def test_own_fresh_lock_is_removed_and_the_command_rerun(tmp_path: Path) -> None:
    tf, calls = _fake_terraform(tmp_path, _lock_error(locks.me(), datetime.now(UTC)))
    assert tf.plan().changed is False
    assert calls.read_text().splitlines() == [
        "plan -input=false -no-color -detailed-exitcode -out=tfplan",
        f"force-unlock -force {LOCK_ID}",
        "plan -input=false -no-color -detailed-exitcode -out=tfplan",
    ]
    assert "emulator only" in tf.log.read_text()


@pytest.mark.parametrize("who, age", [("someone@elsewhere", 0), (None, 120)])
def test_anyone_elses_or_an_older_lock_is_left_alone(tmp_path: Path, who: str | None, age: int) -> None:
    created = datetime.now(UTC) - timedelta(seconds=age)
    tf, calls = _fake_terraform(tmp_path, _lock_error(who or locks.me(), created))
    with pytest.raises(TerraformError):
        tf.plan()
    assert "force-unlock" not in calls.read_text()


def test_on_aws_a_lock_is_never_removed(tmp_path: Path) -> None:
    tf, calls = _fake_terraform(tmp_path, _lock_error(locks.me(), datetime.now(UTC)))
    tf.emulator = False
    with pytest.raises(TerraformError):
        tf.plan()
    assert calls.read_text().splitlines() == ["plan -input=false -no-color -detailed-exitcode -out=tfplan"]


def test_held_lock_parses_terraform_output() -> None:
    created = datetime(2026, 11, 22, 10, 18, 40, 287103, tzinfo=UTC)
    assert locks.held_lock(_lock_error("root@vm", created)) == locks.Lock(LOCK_ID, "root@vm", created)
    assert locks.held_lock("Error: something else") is None
