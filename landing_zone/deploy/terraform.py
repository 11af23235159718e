"""A thin terraform CLI runner: every run appends to the stack's log file (never output values)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from landing_zone.deploy import locks

_PLAN_SUMMARY = re.compile(
    r"Plan: (?:(\d+) to import, )?(\d+) to add, (\d+) to change, (\d+) to destroy"
)


class TerraformError(Exception):
    def __init__(self, stack: str, command: str, log: Path):
        self.stack, self.command, self.log = stack, command, log
        super().__init__(f"{stack}: terraform {command} failed; see {log}")


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
        parts = [f"{n} {what}" for n, what in ((self.imports, "to import"), (self.add, "to add"),
                                               (self.change, "to change"), (self.destroy, "to destroy")) if n]
        return ", ".join(parts) or "changes (outputs only)"


class Terraform:
    # terraform's plugin cache is not safe for concurrent installs; init is 1-2 s, so
    # stacks run it one at a time and everything else in parallel.
    _init_lock = threading.Lock()

    def __init__(self, stack: str, workdir: Path, env: dict[str, str], log: Path, binary: str = "terraform",
                 *, emulator: bool = False):  # fmt: skip
        self.stack, self.workdir, self.env, self.log, self.binary = stack, workdir, env, log, binary
        self.emulator = emulator  # locks.py: a lock a command left for itself is cleared there

    def run(self, *args: str, check: bool = True, log_stdout: bool = True) -> subprocess.CompletedProcess[str]:
        """Run terraform in the workspace; the command, its stdout and stderr go to the stack log.

        log_stdout=False keeps stdout out of the log: for commands that print values in clear
        (`output -json` prints sensitive outputs unredacted).
        """
        started = datetime.now(UTC)
        proc = self._run(args, log_stdout)
        if proc.returncode != 0 and self.emulator:
            lock = locks.own_orphan(proc.stderr, started)
            if lock:
                self._log(f"lz: lock {lock.id} was taken by this command's own retried request; "
                          "removing it and running the command again (emulator only)\n")  # fmt: skip
                self._run(("force-unlock", "-force", lock.id), True)
                proc = self._run(args, log_stdout)
        if check and proc.returncode != 0:
            raise TerraformError(self.stack, args[0], self.log)
        return proc

    def _run(self, args: tuple[str, ...], log_stdout: bool) -> subprocess.CompletedProcess[str]:
        cmd = [self.binary, *args]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=self.workdir, env=self.env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        self._log(f"$ {' '.join(cmd)}  (exit {proc.returncode}, {time.monotonic() - started:.1f}s)\n"
                  + (proc.stdout if log_stdout else f"({len(proc.stdout)} characters of output not logged: secrets)\n")
                  + proc.stderr + "\n")  # fmt: skip
        return proc

    def _log(self, text: str) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(text)

    def init(self, *extra: str) -> None:
        with self._init_lock:
            self.run("init", "-input=false", "-no-color", *extra)

    def plan(self, out: str = "tfplan", *extra: str) -> PlanResult:
        proc = self.run("plan", "-input=false", "-no-color", "-detailed-exitcode", f"-out={out}", *extra, check=False)
        if proc.returncode == 0:
            return PlanResult(changed=False)
        if proc.returncode != 2:
            raise TerraformError(self.stack, "plan", self.log)
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
