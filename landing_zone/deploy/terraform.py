"""A thin terraform CLI runner: every run appends to the stack's log file (never output values)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landing_zone.deploy import locks, process

_PLAN_SUMMARY = re.compile(r"Plan: (?:(\d+) to import, )?(\d+) to add, (\d+) to change, (\d+) to destroy")


# Commands that take the state lock, and so -lock-timeout.
_LOCKING = frozenset({"init", "plan", "apply", "destroy", "import", "refresh"})


_PROVIDER_GONE = re.compile(r"Required plugins are not installed")
_PROVIDER_UNAVAILABLE = re.compile(r"Failed to (?:query available provider packages|install provider)")
_PROVIDER_NAME = re.compile(r"(?:no package for|available versions for provider|install provider) (registry\.terraform\.io/[\w.-]+/[\w.-]+)")


def missing_provider(stderr: str, workdir: Path, mirror: str | None) -> str | None:
    """What to do when terraform found no provider to run with (None: not that failure)."""
    found = _PROVIDER_NAME.search(stderr)
    name = found.group(1) if found else "its provider"
    if _PROVIDER_GONE.search(stderr):
        return (
            f"{name} is no longer installed in {workdir}/.terraform (another terraform may have replaced it); "
            f"run the lz command again (its init installs it again), and if it recurs remove {workdir}/.terraform first"
        )
    if not _PROVIDER_UNAVAILABLE.search(stderr):
        return None
    if mirror:
        return f"{name} could not be installed from the provider mirror {mirror}: point LZ_PROVIDER_MIRROR at a mirror that holds it, then run lz again"
    return (
        f"{name} could not be installed from registry.terraform.io: let terraform reach it, or set LZ_PROVIDER_MIRROR "
        "to an offline mirror (scripts/find-provider-mirror prints one on this machine), then run lz again"
    )


class TerraformError(Exception):
    def __init__(self, stack: str, command: str, log: Path, reason: str = "failed"):
        self.stack, self.command, self.log = stack, command, log
        super().__init__(f"{stack}: terraform {command} {reason}; see {log}")


class StaleLock(TerraformError):
    """The state is locked by a terraform of an lz run that was killed (see locks.py)."""

    def __init__(self, stack: str, command: str, log: Path, workdir: Path, lock_id: str, holder: dict[str, Any]):
        self.lock_id = lock_id
        super().__init__(
            stack,
            command,
            log,
            reason=(
                f"failed: the state is locked by `{holder.get('command', 'terraform')}` (pid {holder.get('pid', '?')}, "
                f"{holder.get('at', '')}) of an lz run that is gone; release it with `lz unlock {stack}` "
                f"(or `terraform -chdir={workdir} force-unlock {lock_id}`)"
            ),
        )


@dataclass(frozen=True)
class PlanResult:
    changed: bool
    imports: int = 0
    add: int = 0
    change: int = 0
    destroy: int = 0

    def describe(self) -> str:
        if not self.changed:
            return "no changes"
        parts = [
            f"{n} {what}" for n, what in ((self.imports, "to import"), (self.add, "to add"), (self.change, "to change"), (self.destroy, "to destroy")) if n
        ]
        return ", ".join(parts) or "changes (outputs only)"


class Terraform:
    # terraform's plugin cache is not safe for concurrent installs; init is 1-2 s, so
    # stacks run it one at a time and everything else in parallel.
    _init_lock = threading.Lock()

    def __init__(
        self,
        stack: str,
        workdir: Path,
        env: dict[str, str],
        log: Path,
        binary: str = "terraform",
        *,
        emulator: bool = False,
        timeout: float | None = None,
        lock_timeout: int | None = None,
    ):
        self.stack, self.workdir, self.env, self.log, self.binary = stack, workdir, env, log, binary
        self.emulator = emulator  # locks.py: a lock this run took itself is cleared there
        self.timeout, self.lock_timeout = timeout, lock_timeout

    def run(self, *args: str, check: bool = True, log_stdout: bool = True) -> subprocess.CompletedProcess[str]:
        """Run terraform in the workspace; the command, its stdout and stderr go to the stack log.

        log_stdout=False keeps stdout out of the log: for commands that print values in clear
        (`output -json` prints sensitive outputs unredacted).
        """
        locks.recover(self.workdir)  # an earlier lz killed mid-run: its orphans, its stale locks
        proc, attempted = self._run(args, log_stdout)
        lock = locks.held_lock(proc.stderr) if proc.returncode != 0 else None
        for _ in range(self.OWN_LOCK_RETRIES):
            if not (lock and self.emulator and lock.id in attempted):
                break
            self._log(f"lz: lock {lock.id} was taken by this command's own retried request; removing it and running the command again (emulator only)\n")
            self.release(lock.id)
            proc, attempted = self._run(args, log_stdout)
            lock = locks.held_lock(proc.stderr) if proc.returncode != 0 else None
        if lock and self.emulator and lock.id in attempted:
            self.release(lock.id)  # the command failed: leave no lock of its own behind
        holder = locks.stale(self.workdir).get(lock.id) if lock else None
        if lock and holder is not None:
            raise StaleLock(self.stack, args[0], self.log, self.workdir, lock.id, holder)
        if check and proc.returncode != 0:
            raise self._failed(args[0], proc)
        return proc

    OWN_LOCK_RETRIES = 3  # a slow lock table can make the command's next attempt retry its PutItem too

    def release(self, lock_id: str) -> None:
        """Remove a lock this run's terraform took and no longer holds: from the lock table
        directly (a half-migrated workspace cannot force-unlock), else with force-unlock."""
        if locks.release_in_table(self.workdir, lock_id, self.env):
            self._log(f"lz: removed lock {lock_id} from the lock table\n")
        else:
            self._run(("force-unlock", "-force", lock_id), True)

    def _failed(self, command: str, proc: subprocess.CompletedProcess[str]) -> TerraformError:
        missing = missing_provider(proc.stderr, self.workdir, self.env.get("LZ_PROVIDER_MIRROR"))
        return TerraformError(self.stack, command, self.log, reason=f"failed: {missing}" if missing else "failed")

    def _args(self, args: tuple[str, ...]) -> list[str]:
        if self.lock_timeout is None or not args or args[0] not in _LOCKING:
            return list(args)
        # A lock left by a killed run is known to be stale: fail at once instead of waiting.
        wait = 0 if locks.stale(self.workdir) else self.lock_timeout
        return [args[0], f"-lock-timeout={wait}s", *args[1:]]

    def _run(self, args: tuple[str, ...], log_stdout: bool) -> tuple[subprocess.CompletedProcess[str], set[str]]:
        """Run one terraform command; also the IDs of the state locks it attempted."""
        cmd = [self.binary, *self._args(args)]
        locks.fresh_log(self.workdir)
        started = time.monotonic()
        try:
            proc = process.run(
                cmd,
                cwd=self.workdir,
                env=locks.log_env(self.workdir, self.env),
                timeout=self.timeout,
                on_start=lambda pid: locks.begin(self.workdir, pid, f"terraform {args[0]}"),
            )
        except process.CommandTimeout as exc:
            # Killed by lz: a lock it still held (no graceful stop within the grace period) is stale.
            locks.mark_stale(self.workdir, locks.read_attempted(self.workdir, remove=True), f"terraform {args[0]}", 0, time.strftime("%Y-%m-%d %H:%M:%S"))
            self._log(f"$ {' '.join(cmd)}  (timed out after {exc.seconds:.0f}s: its process group was killed)\n")
            raise TerraformError(self.stack, args[0], self.log, reason=f"timed out after {exc.seconds:.0f}s (LZ_COMMAND_TIMEOUT)") from None
        finally:
            locks.end(self.workdir)
        self._log(
            f"$ {' '.join(cmd)}  (exit {proc.returncode}, {time.monotonic() - started:.1f}s)\n"
            + (proc.stdout if log_stdout else f"({len(proc.stdout)} characters of output not logged: secrets)\n")
            + proc.stderr
            + "\n"
        )
        return proc, locks.read_attempted(self.workdir, remove=True)

    def _log(self, text: str) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(text)

    # After a `-reconfigure` init succeeds: the digest of what it read (see _init_inputs).
    INIT_RECORD = Path(".terraform") / "lz-init.sha256"

    def init(self, *extra: str) -> None:
        """`terraform init`. A plain `-reconfigure` init (every lz command's first step) is skipped
        when nothing it reads changed since the last one succeeded in this workspace: it would
        write the same files (~1.6 CPU-s a stack). Any other init (a state migration) always runs
        and forgets the record."""
        record = self.workdir / self.INIT_RECORD
        reusable = extra == ("-reconfigure",)
        if reusable and record.is_file() and record.read_text() == self._init_inputs():
            self._log("lz: terraform init skipped: backend, providers, lock file and CLI config as at the last init here\n")
            return
        record.unlink(missing_ok=True)
        with self._init_lock:
            self.run("init", "-input=false", "-no-color", *extra)
        if reusable:  # after the run: init writes the lock file and the backend record it reads next time
            record.parent.mkdir(exist_ok=True)
            record.write_text(self._init_inputs())

    def _init_inputs(self) -> str:
        """A digest of what `terraform init` reads and writes here: the configuration's terraform
        and module blocks, override files, the lock file, the backend record in .terraform, the
        CLI config (provider installation) and the binary."""
        config = self.workdir / "cdk.tf.json"
        doc = json.loads(config.read_text()) if config.is_file() else {}
        files = [*sorted(self.workdir.glob("*override.tf*")), self.workdir / ".terraform.lock.hcl", self.workdir / ".terraform" / "terraform.tfstate"]
        cli_config = self.env.get("TF_CLI_CONFIG_FILE")
        if cli_config:
            files.append(Path(cli_config))
        binary = shutil.which(self.binary, path=self.env.get("PATH")) or self.binary
        parts: dict[str, Any] = {
            "configuration": {k: doc.get(k) for k in ("terraform", "module")},
            "files": {str(f): f.read_text() if f.is_file() else None for f in files},
            "binary": [binary, Path(binary).stat().st_mtime_ns if Path(binary).exists() else None],
            "env": {k: self.env.get(k) for k in ("TF_PLUGIN_CACHE_DIR", "TF_DATA_DIR", "LZ_PROVIDER_MIRROR")},
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def plan(self, out: str = "tfplan", *extra: str) -> PlanResult:
        proc = self.run("plan", "-input=false", "-no-color", "-detailed-exitcode", f"-out={out}", *extra, check=False)
        if proc.returncode == 0:
            return PlanResult(changed=False)
        if proc.returncode != 2:
            raise self._failed("plan", proc)
        m = _PLAN_SUMMARY.search(proc.stdout)
        nums = [int(g or 0) for g in m.groups()] if m else [0, 0, 0, 0]
        return PlanResult(True, *nums)

    LAST_APPLIED = "last-applied.tfplan"

    def apply(self, planfile: str = "tfplan") -> None:
        self.run("apply", "-input=false", "-no-color", "-auto-approve", planfile)
        # Kept so what the last apply changed can be inspected (`terraform show -json`).
        shutil.copyfile(self.workdir / planfile, self.workdir / self.LAST_APPLIED)

    def destroy(self) -> None:
        self.run("destroy", "-input=false", "-no-color", "-auto-approve")

    def outputs(self) -> dict[str, Any]:
        proc = self.run("output", "-json", log_stdout=False)  # sensitive outputs are printed in clear
        return {k: v["value"] for k, v in json.loads(proc.stdout or "{}").items()}
