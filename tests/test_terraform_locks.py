"""State locks: only a lock whose ID this very run attempted is cleared (emulator only); a
lock a killed lz run left is reported with the command that releases it; orphans die."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from landing_zone.deploy import locks, process
from landing_zone.deploy.terraform import StaleLock, Terraform, TerraformError
from landing_zone.settings import is_process, process_start

LOCK_ID = "77c876be-8493-3653-400a-2b3da13195c1"
ATTEMPT = (
    f"2026-12-01T23:28:58.170Z [INFO]  backend-s3: Attempting to lock remote state (DynamoDB only)...: tf_backend.lock.id={LOCK_ID} tf_backend.lock.who=root@vm"
)


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
  Created:   {created.strftime("%Y-%m-%d %H:%M:%S.%f")}683 +0000 UTC
  Info:
"""


def _fake_terraform(tmp_path: Path, first_error: str, *, attempts: bool) -> tuple[Terraform, Path]:
    """A terraform that fails its first plan with `first_error` and records every call; with
    `attempts` it logs (as terraform's S3 backend does) that it attempted the lock LOCK_ID."""
    calls = tmp_path / "calls"
    (tmp_path / "error.txt").write_text(first_error)
    script = tmp_path / "terraform"
    log_line = f'[ -n "$TF_LOG_PATH" ] && echo "{ATTEMPT}" >> "$TF_LOG_PATH"' if attempts else ":"
    script.write_text(f"""#!/bin/sh
echo "$*" >> {calls}
if [ "$1" = plan ] && [ ! -e {tmp_path}/failed-once ]; then
  {log_line}
  touch {tmp_path}/failed-once; cat {tmp_path}/error.txt >&2; exit 1
fi
exit 0
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    ws = tmp_path / "ws"
    ws.mkdir()
    return Terraform("security-tf-backend", ws, {"PATH": "/usr/bin:/bin"}, tmp_path / "stack.log", binary=str(script), emulator=True), calls


PLAN = "plan -input=false -no-color -detailed-exitcode -out=tfplan"


def test_a_lock_this_run_attempted_is_removed_and_the_command_rerun(tmp_path: Path) -> None:
    tf, calls = _fake_terraform(tmp_path, _lock_error(locks.me(), datetime.now(UTC)), attempts=True)
    assert tf.plan().changed is False
    assert calls.read_text().splitlines() == [PLAN, f"force-unlock -force {LOCK_ID}", PLAN]
    assert "emulator only" in tf.log.read_text()
    assert not (tf.workdir / locks.CORE_LOG).exists(), "terraform's core log goes once the run ended"


def test_a_lock_of_this_user_and_moment_but_not_this_run_is_left_alone(tmp_path: Path) -> None:
    """Someone else (same user@host) locked the state the moment this run started: not ours."""
    tf, calls = _fake_terraform(tmp_path, _lock_error(locks.me(), datetime.now(UTC)), attempts=False)
    with pytest.raises(TerraformError):
        tf.plan()
    assert "force-unlock" not in calls.read_text()


def test_on_aws_a_lock_is_never_removed(tmp_path: Path) -> None:
    tf, calls = _fake_terraform(tmp_path, _lock_error(locks.me(), datetime.now(UTC)), attempts=True)
    tf.emulator = False
    with pytest.raises(TerraformError):
        tf.plan()
    assert calls.read_text().splitlines() == [PLAN]


def test_held_lock_parses_terraform_output() -> None:
    created = datetime(2026, 11, 22, 10, 18, 40, 287103, tzinfo=UTC)
    assert locks.held_lock(_lock_error("root@vm", created)) == locks.Lock(LOCK_ID, "root@vm", created)
    assert locks.held_lock("Error: something else") is None


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _leftover(ws: Path, *, pid: int, started: str | None, lock_logged: bool = True) -> None:
    """What `kill -9` of lz leaves in a workspace: its run record and terraform's core log."""
    dead = _dead_pid()
    (ws / locks.RUN_RECORD).write_text(
        json.dumps({"pid": pid, "started": started, "lz_pid": dead, "lz_started": "boot/1", "command": "terraform apply", "at": "2026-12-01 23:00:00"})
    )
    if lock_logged:
        (ws / locks.CORE_LOG).write_text(ATTEMPT + "\n")


def test_a_lock_left_by_a_killed_run_names_the_command_that_releases_it(tmp_path: Path) -> None:
    tf, calls = _fake_terraform(tmp_path, _lock_error(locks.me(), datetime(2026, 12, 1, tzinfo=UTC)), attempts=False)
    tf.lock_timeout = 120
    _leftover(tf.workdir, pid=_dead_pid(), started="boot/2")
    with pytest.raises(StaleLock) as caught:
        tf.plan()
    message = str(caught.value)
    assert "`lz unlock security-tf-backend`" in message
    assert f"terraform -chdir={tf.workdir} force-unlock {LOCK_ID}" in message
    assert "`terraform apply`" in message and "gone" in message
    assert calls.read_text().splitlines() == [PLAN.replace("plan ", "plan -lock-timeout=0s ")], "no waiting, no unlock"
    assert locks.stale(tf.workdir)[LOCK_ID]["command"] == "terraform apply"


def test_an_orphan_of_a_killed_run_is_stopped_with_its_process_group(tmp_path: Path) -> None:
    tf, _ = _fake_terraform(tmp_path, "", attempts=False)
    child_file = tmp_path / "plugin.pid"
    orphan = subprocess.Popen(["sh", "-c", f"sleep 600 & echo $! > {child_file}; wait"], start_new_session=True)
    try:
        while not child_file.exists() or not child_file.read_text().strip():
            threading.Event().wait(0.05)
        plugin = int(child_file.read_text())
        _leftover(tf.workdir, pid=orphan.pid, started=process_start(orphan.pid), lock_logged=False)
        tf.run("version")
        assert orphan.wait(timeout=90) is not None  # SIGINT, then SIGKILL after the 20 s grace: slack for a busy machine
        assert not is_process(plugin, process_start(plugin) or "gone") or _zombie(plugin)
        assert not (tf.workdir / locks.RUN_RECORD).exists()
    finally:
        if orphan.poll() is None:
            os.killpg(orphan.pid, signal.SIGKILL)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _sleeping_terraform(tmp_path: Path) -> tuple[Terraform, Path]:
    """A terraform that starts a 'provider plugin' in its group and hangs."""
    pids = tmp_path / "pids"
    script = tmp_path / "terraform"
    script.write_text(f"#!/bin/sh\nsleep 600 &\necho $$ $! > {pids}.tmp; mv {pids}.tmp {pids}\nwait\n")
    script.chmod(0o755)
    ws = tmp_path / "ws"
    ws.mkdir()
    return Terraform("management-sso", ws, {"PATH": "/usr/bin:/bin"}, tmp_path / "management-sso.log", binary=str(script), timeout=1), pids


def _all_gone(pids: Path) -> bool:
    """Whether the fake terraform and its child are dead (SIGKILL lands a moment after killpg)."""
    deadline = time.monotonic() + 30  # a guard, not a timing assertion
    while not all(_zombie(int(p)) for p in pids.read_text().split()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_hung_command_times_out_killing_its_group_and_names_stack_and_log(tmp_path: Path) -> None:
    tf, pids = _sleeping_terraform(tmp_path)
    with pytest.raises(TerraformError) as caught:
        tf.plan()
    assert str(caught.value) == (f"management-sso: terraform plan timed out after 1s (LZ_COMMAND_TIMEOUT); see {tmp_path / 'management-sso.log'}")
    assert _all_gone(pids), "terraform and its plugin are killed"


def test_stop_all_stops_running_commands_and_starts_no_new_one(tmp_path: Path) -> None:
    tf, pids = _sleeping_terraform(tmp_path)
    tf.timeout = None
    raised: list[BaseException] = []

    def work() -> None:
        try:
            tf.plan()
        except BaseException as exc:
            raised.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    try:
        while not pids.exists():
            threading.Event().wait(0.05)
        process.stop_all()
        worker.join()
        assert [type(e) for e in raised] == [process.Interrupted]
        assert _all_gone(pids)
        with pytest.raises(process.Interrupted):
            tf.run("version")
    finally:
        process.reset()


def test_lz_unlock_releases_the_stale_lock_after_asking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from landing_zone.config import load_project
    from landing_zone.deploy import command
    from landing_zone.settings import Settings

    tf, calls = _fake_terraform(tmp_path, "", attempts=False)
    (tf.workdir / ".terraform").mkdir()
    _leftover(tf.workdir, pid=_dead_pid(), started="boot/2")

    class Ctx:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.credentials: dict[str, object] = {}

        def terraform(self, stack: str) -> Terraform:
            assert stack == "security-tf-backend"
            return tf

    monkeypatch.setattr(command, "DeployContext", Ctx)
    from tests.synth_helpers import prepare_project

    project, _ = load_project(prepare_project(Path(__file__).resolve().parents[1] / "project.yaml", tmp_path / "p"))
    settings = Settings(config_path=tmp_path / "project.yaml", work_dir=tmp_path / ".lz")
    asked: list[str] = []

    def confirm(question: str) -> bool:
        asked.append(question)
        return True

    out = command.unlock_stack(project, settings, "security-tf-backend", None, confirm=confirm, code_for=lambda p, s: "")
    assert out == f"security-tf-backend: state lock {LOCK_ID} released"
    assert LOCK_ID in asked[0] and "terraform apply" in asked[0]
    assert calls.read_text().splitlines() == [f"force-unlock -force {LOCK_ID}"]
    assert locks.stale(tf.workdir) == {}


def test_process_identity_needs_the_start_time() -> None:
    assert is_process(os.getpid(), process_start(os.getpid()))
    assert not is_process(os.getpid(), "boot/1")
    assert sys.executable
