"""Skip a stack in `lz up` when nothing that decides its plan changed since it last applied.

After a stack applies (or plans with no changes), `lz up` records a fingerprint in
`<work_dir>/stacks/<stack>/lz-applied.json`: digests of everything terraform would act on.

- what to deploy: the synthesized JSON (resources, provider pin and configuration, backend);
- with what: the terraform binary's version, the CLI config file (provider mirror, plugin
  cache), the TF_* variables, and the providers init selected (`.terraform.lock.hcl`);
- where: the target; on the emulator its endpoint and process (pid and start time: a new
  emulator holds no state); on AWS the profile; the credentials mode (bootstrap or MFA);
- the state it was applied to: the ETag and version of the state object in the S3 backend,
  so an apply or destroy through terraform from anywhere else (another machine, `npx cdktf
  deploy`, `lz down`), or a backend that is gone, makes the stack run again.

The next `lz up` compares and reports `unchanged (skipped; --refresh to plan)` without
running terraform. What no fingerprint sees is drift: a change made outside terraform
(console, another tool) to a resource; `lz up --refresh` and `lz plan` always plan.

The record is removed before a stack runs and written only after it succeeded, so a failed
or interrupted run never leaves a stale record behind.

In CI (`LZ_AUTH=ci`) every job starts on a fresh runner: no work dir survives, so the record
lives beside the state instead (`<account>/<layer>/lz-applied.json` in the stack's S3
backend) and holds only what is the same on every runner: the JSON's digest, the terraform
version and the state object's ETag/version after the apply. A stack is skipped when its JSON
is the one last applied *and* the state is still the one that apply left — so a revert to an
older commit, an apply from a laptop or a failed apply in between all make it plan again
(a cache keyed by the JSON alone would skip a revert: the state holds the newer commit).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landing_zone import toolchain
from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import process_start, read_emulator

if TYPE_CHECKING:
    from landing_zone.deploy.context import DeployContext
    from landing_zone.deploy.graph import Task
    from landing_zone.deploy.terraform import Terraform
    from landing_zone.settings import Settings

RECORD = "lz-applied.json"
SKIPPED = "unchanged (skipped; --refresh to plan)"
# Bumped when what goes into a fingerprint changes: older records then never match.
SCHEME = 1
# Variables that change logging only.
_IGNORED_TF_VARS = ("TF_LOG", "TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_LOG_PATH")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def terraform_version(binary: str, env: Mapping[str, str]) -> str | None:
    """Version of the terraform `binary` found on env's PATH, and its path."""
    found = toolchain.terraform(binary, env.get("PATH"))
    return f"{found[1]} ({found[0]})" if found else None


def emulator_identity(settings: Settings) -> str | None:
    """`pid@start` of the emulator serving `settings.endpoint` (as recorded in the work dir)."""
    record = read_emulator(settings.work_dir)
    if record is None or record.endpoint != settings.endpoint:
        return None
    return f"{record.pid}@{process_start(record.pid)}"


def inputs(workspace: Path, settings: Settings, env: Mapping[str, str], binary: str = "terraform") -> dict[str, Any]:
    """What the run starts from: taken before terraform runs, recorded once it succeeded."""
    tf_vars = {k: v for k, v in sorted(env.items()) if k.startswith("TF_") and k not in _IGNORED_TF_VARS}
    config = env.get("TF_CLI_CONFIG_FILE")
    local = settings.target == "local"
    return {
        "scheme": SCHEME,
        "json": _file_digest(workspace / "cdk.tf.json"),
        "terraform": terraform_version(binary, env),
        "cli_config": _file_digest(Path(config)) if config else None,
        "tf_vars": _digest(json.dumps(tf_vars).encode()),
        "target": settings.target,
        "endpoint": settings.endpoint if local else None,
        "emulator": emulator_identity(settings) if local else None,
        "profile": None if local else settings.aws_profile,
        "auth": getattr(settings, "auth", "bootstrap"),
    }


def observed(workspace: Path, state: str | None) -> dict[str, Any]:
    """What a successful run leaves: the providers init selected, the backend init, the state."""
    return {
        "lock": _file_digest(workspace / ".terraform.lock.hcl"),
        "initialised": (workspace / ".terraform" / "terraform.tfstate").is_file(),
        "state": state,
    }


def fingerprint(parts: Mapping[str, Any]) -> str:
    return _digest(json.dumps(parts, sort_keys=True).encode())


def complete(parts: Mapping[str, Any]) -> bool:
    """Only a fingerprint that pins a state object and a provider selection may skip a stack."""
    return bool(parts.get("state") and parts.get("lock") and parts.get("initialised") and parts.get("json"))


def recorded(workspace: Path) -> str | None:
    try:
        value = json.loads((workspace / RECORD).read_text())["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None  # another shape: the stack is planned


def record(workspace: Path, parts: Mapping[str, Any]) -> None:
    doc = {"fingerprint": fingerprint(parts), "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "parts": dict(parts)}
    atomic_write_text(workspace / RECORD, json.dumps(doc, indent=2, sort_keys=True) + "\n")


def invalidate(workspace: Path) -> None:
    (workspace / RECORD).unlink(missing_ok=True)


def matches(workspace: Path, parts: Mapping[str, Any]) -> bool:
    return complete(parts) and recorded(workspace) == fingerprint(parts)


def state_version(ctx: DeployContext, account: str, layer: str) -> str | None:
    """`ETag/VersionId` of the stack's state object in its S3 backend; None when it can't be read."""
    bucket, key = ctx.backend_location(account, layer)
    try:
        head = ctx.client("s3", account).head_object(Bucket=bucket, Key=key)
    except Exception:  # missing bucket or object, no credentials, unknown account: just don't skip
        return None
    return f"{head.get('ETag', '')}/{head.get('VersionId', '')}"


def shared_record_key(ctx: DeployContext, account: str, layer: str) -> tuple[str, str]:
    """(bucket, key) of the CI record: beside the stack's state object, in its backend."""
    bucket, key = ctx.backend_location(account, layer)
    return bucket, f"{key.rsplit('/', 1)[0]}/{RECORD}"


def shared_parts(workspace: Path, env: Mapping[str, str], binary: str, state: str | None) -> dict[str, Any]:
    """What the CI record pins: nothing that differs between two runners of the same commit."""
    found = toolchain.terraform(binary, env.get("PATH"))
    return {"scheme": SCHEME, "json": _file_digest(workspace / "cdk.tf.json"), "terraform": found[1] if found else None, "state": state}


class StackFingerprint:
    """The fingerprint of one stack's run: `unchanged()` before, `record()` after success."""

    def __init__(self, ctx: DeployContext, tf: Terraform, task: Task):
        self.ctx, self.task, self.workspace = ctx, task, tf.workdir
        self.inputs = inputs(tf.workdir, ctx.settings, tf.env, tf.binary)
        self.env, self.binary = tf.env, tf.binary
        self.shared = getattr(ctx.settings, "auth", "bootstrap") == "ci"  # fresh runners: the record is in S3

    def _state(self) -> str | None:
        return state_version(self.ctx, self.task.account, self.task.layer)

    def _parts(self) -> dict[str, Any]:
        return {**self.inputs, **observed(self.workspace, self._state())}

    def unchanged(self) -> bool:
        if self.shared:
            return self._shared_unchanged()
        return recorded(self.workspace) is not None and matches(self.workspace, self._parts())

    def invalidate(self) -> None:
        # The shared record needs no removal: the apply about to run changes the state's version
        # (so the record stops matching), and one that changed nothing leaves the state it pinned.
        invalidate(self.workspace)

    def record(self) -> None:
        if self.shared:
            self._shared_record()
            return
        parts = self._parts()
        if complete(parts):
            record(self.workspace, parts)

    def _shared_unchanged(self) -> bool:
        bucket, key = shared_record_key(self.ctx, self.task.account, self.task.layer)
        try:
            body = self.ctx.client("s3", self.task.account).get_object(Bucket=bucket, Key=key)["Body"].read()
            stored = json.loads(body)["fingerprint"]
        except Exception:  # no record yet (or no bucket): plan
            return False
        parts = shared_parts(self.workspace, self.env, self.binary, self._state())
        return bool(parts["state"] and parts["json"]) and stored == fingerprint(parts)

    def _shared_record(self) -> None:
        parts = shared_parts(self.workspace, self.env, self.binary, self._state())
        if not (parts["state"] and parts["json"]):
            return
        bucket, key = shared_record_key(self.ctx, self.task.account, self.task.layer)
        doc = {"fingerprint": fingerprint(parts), "parts": parts}
        self.ctx.client("s3", self.task.account).put_object(
            Bucket=bucket, Key=key, Body=json.dumps(doc, indent=2, sort_keys=True).encode(), ContentType="application/json"
        )
