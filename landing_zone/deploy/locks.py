"""State locks: which ones this process provably took, and which a killed lz run left behind.

terraform's lock info names only user@host and a time, which another process of the same
user on this machine shares. So every terraform run gets its core log at INFO level in the
workspace (`TF_LOG_CORE=INFO`, `TF_LOG_PATH`, a 0600 file removed once the run ended): the
S3 backend logs there the ID of each lock it attempts ("Attempting to lock remote state …:
tf_backend.lock.id=…"). A lock ID in that log is one this run created.

- On the emulator, a DynamoDB PutItem answered but retried under load makes terraform fail
  on the lock its own first attempt wrote: a lock whose ID this very run attempted is
  removed (from the lock table itself: `release_in_table`) and the command run again, and
  removed once more if the command still fails (emulator only: on AWS nothing is removed unasked).
- Each run leaves a record (terraform's pid and start time, lz's, the command) in the
  workspace until it ends. A record found by the next run is a run whose lz was killed:
  its terraform, if still running, is an orphan and is stopped with its process group; the
  lock IDs its log names are stale (their holder is provably gone: this host, the process
  no longer alive) and kept, so the error names the exact command that releases them
  (`lz unlock STACK`, or `terraform force-unlock ID`).
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from landing_zone.deploy import process
from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import is_process, process_start

_FAILED = "Error acquiring the state lock"
_FIELD = re.compile(r"^\s*(ID|Who|Created|Operation):\s*(\S.*?)\s*$", re.M)
_ATTEMPT = re.compile(r"Attempting to lock remote state.*?tf_backend\.lock\.id=([0-9a-fA-F-]{8,})")

RUN_RECORD, CORE_LOG, STALE = ".lz-run.json", ".lz-terraform-core.log", ".lz-stale-locks.json"


@dataclass(frozen=True)
class Lock:
    id: str
    who: str
    created: datetime


def held_lock(output: str) -> Lock | None:
    """The lock named by terraform's "Error acquiring the state lock" message, if any."""
    if _FAILED not in output:
        return None
    fields = dict(_FIELD.findall(output))
    try:
        # "2026-11-22 10:18:40.287103683 +0000 UTC": microseconds are enough
        created = datetime.strptime(fields["Created"][:26], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
        return Lock(fields["ID"], fields["Who"], created)
    except (KeyError, ValueError):
        return None


def me() -> str:
    """Who terraform records in a lock it takes: user@host."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def attempted(log_text: str) -> set[str]:
    """IDs of the locks a run attempted, from its core log."""
    return set(_ATTEMPT.findall(log_text))


def log_env(workdir: Path, env: dict[str, str]) -> dict[str, str]:
    """`env` with terraform's core log (INFO) in the workspace; untouched when the operator logs."""
    if any(env.get(k) for k in ("TF_LOG", "TF_LOG_CORE", "TF_LOG_PATH")):
        return env
    return {**env, "TF_LOG_CORE": "INFO", "TF_LOG_PATH": str(workdir / CORE_LOG)}


def fresh_log(workdir: Path) -> None:
    """An empty core log, private (terraform appends to it; at INFO it may quote planned values)."""
    path = workdir / CORE_LOG
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))


def read_attempted(workdir: Path, *, remove: bool = False) -> set[str]:
    """Lock IDs in the workspace's core log; `remove`: then delete it (kept only while a run is
    in flight, for the run after a kill -9)."""
    path = workdir / CORE_LOG
    try:
        return attempted(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return set()
    finally:
        if remove:
            path.unlink(missing_ok=True)


def begin(workdir: Path, pid: int, command: str) -> None:
    """Record the terraform run that just started (removed by `end`; left behind by kill -9)."""
    me_pid = os.getpid()
    atomic_write_text(
        workdir / RUN_RECORD,
        json.dumps(
            {
                "pid": pid,
                "started": process_start(pid),
                "lz_pid": me_pid,
                "lz_started": process_start(me_pid),
                "command": command,
                "at": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
        ),
    )


def end(workdir: Path) -> None:
    (workdir / RUN_RECORD).unlink(missing_ok=True)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):  # ValueError: also a file that is not UTF-8
        return {}
    return data if isinstance(data, dict) else {}


def _wait_gone(pid: int, started: str | None) -> bool:
    return not is_process(pid, started)


def recover(workdir: Path) -> None:
    """Clean up after an lz run that was killed while terraform ran here (see the module doc)."""
    record = _read_json(workdir / RUN_RECORD)
    if not record:
        return
    try:
        lz_pid, pid = int(record.get("lz_pid", 0)), int(record.get("pid", 0))
    except (TypeError, ValueError):  # not a record this release writes: nothing to recover from
        end(workdir)
        return
    if is_process(lz_pid, record.get("lz_started")):
        return  # its lz still runs: not ours to touch
    started = record.get("started")
    if is_process(pid, started):  # an orphan: its lz is gone

        def gone(seconds: float) -> bool:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if _wait_gone(pid, started):
                    return True
                time.sleep(0.2)
            return False

        process.kill_group(pid, wait=gone)
    mark_stale(workdir, read_attempted(workdir, remove=True), record.get("command", "terraform"), pid, record.get("at", ""))
    end(workdir)


def mark_stale(workdir: Path, ids: set[str], command: str, pid: int, at: str) -> None:
    """Keep `ids` as locks whose holder is gone (a killed run's, or one lz killed on a timeout)."""
    if not ids:
        return
    stale = _read_json(workdir / STALE)
    for lock_id in ids:
        stale[lock_id] = {"command": command, "pid": pid, "at": at}
    atomic_write_text(workdir / STALE, json.dumps(stale, indent=2))


def stale(workdir: Path) -> dict[str, dict[str, Any]]:
    """Lock ID → {command, pid, at} of the locks left by killed runs in this workspace."""
    return {k: v for k, v in _read_json(workdir / STALE).items() if isinstance(v, dict)}


def forget(workdir: Path, lock_id: str) -> None:
    remaining = {k: v for k, v in stale(workdir).items() if k != lock_id}
    if remaining:
        atomic_write_text(workdir / STALE, json.dumps(remaining, indent=2))
    else:
        (workdir / STALE).unlink(missing_ok=True)


def release_in_table(workdir: Path, lock_id: str, env: dict[str, str]) -> bool:
    """Delete lock `lock_id` straight from the S3 backend's DynamoDB table named in the
    workspace's cdk.tf.json (True also when it is already gone); False: no such backend, or
    the table could not be reached.

    `terraform force-unlock` needs a workspace initialised for the backend holding the lock,
    which a migration that failed half-way (local ↔ s3) does not have; the table always works.
    Only a lock whose Info carries this ID is deleted (a condition on the item)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        doc = json.loads((workdir / "cdk.tf.json").read_text())
        backend = doc["terraform"]["backend"]["s3"]
        table, lock_key = backend["dynamodb_table"], f"{backend['bucket']}/{backend['key']}"
    except (OSError, ValueError, KeyError, TypeError):
        return False
    endpoints = backend.get("endpoints") or {}
    region = backend.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    keys = {
        "aws_access_key_id": backend.get("access_key") or env.get("AWS_ACCESS_KEY_ID"),
        "aws_secret_access_key": backend.get("secret_key") or env.get("AWS_SECRET_ACCESS_KEY"),
        "aws_session_token": None if backend.get("access_key") else env.get("AWS_SESSION_TOKEN"),
    }
    role = (backend.get("assume_role") or {}).get("role_arn")
    try:
        session = boto3.session.Session(region_name=region, profile_name=backend.get("profile"), **keys)
        if role:
            sts = session.client("sts", endpoint_url=endpoints.get("sts"))
            creds = sts.assume_role(RoleArn=role, RoleSessionName="landing-zone-unlock")["Credentials"]
            session = boto3.session.Session(
                region_name=region,
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        session.client("dynamodb", endpoint_url=endpoints.get("dynamodb")).delete_item(
            TableName=table,
            Key={"LockID": {"S": lock_key}},
            ConditionExpression="contains(Info, :id)",
            ExpressionAttributeValues={":id": {"S": f'"ID":"{lock_id}"'}},
        )
    except ClientError as exc:
        return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
    except BotoCoreError:
        return False
    return True
