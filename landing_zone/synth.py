"""Synthesize the app into cdktf.out: used by `lz synth` and `lz up` (main.py, for cdktf, builds the app itself).

Importing this module is cheap; the cdktf/provider imports happen inside `synth()`.

A big org is synthesized by several processes at once (one per core, at most one per
STACKS_PER_PROCESS stacks; LZ_SYNTH_JOBS sets the number): each builds every n-th stack into
a part directory (stacks are independent: no cross-stack references), this process builds
the first part itself, and the parts are merged into the same files one process writes
(tests/test_synth_parallel.py compares them byte for byte). The jsii kernel runs one call at
a time, so one process uses one core; each further process pays the ~4 s jsii start-up again.

A selective synth (`stacks`: `lz synth|plan|up|down --stack`, the pipeline's stack jobs)
builds those stacks alone: no other stack's construct tree, only the account ids they need.
Their JSON is byte for byte the full synth's (tests/test_synth_selective.py). The output
directory then holds only them, its manifest lists only them, and SELECTION names the
selection, so nothing takes it for a full synth: cdktf finds no other stack in it, `lz up`
copies only the stacks it runs, and `lz access --stacks` refuses it.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from landing_zone import layers, naming
from landing_zone.adoption.model import NOTHING, Adopted
from landing_zone.config import Project
from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import Settings

# A further process costs ~4 s of jsii start-up; it pays off above ~100 stacks (~45 ms each).
STACKS_PER_PROCESS = 100
MANIFEST = "manifest.json"
# Written beside the manifest by a selective synth only: {"stacks": [the selection]}.
SELECTION = "lz-selection.json"


class SynthWorkerError(Exception):
    pass


def synth(
    project: Project,
    settings: Settings,
    account_ids: dict[str, str] | None = None,
    outdir: Path | None = None,
    stacks: Collection[str] | None = None,
    adopted: Adopted = NOTHING,
) -> Path:
    """Write every stack's cdk.tf.json under `outdir`; returns that directory.

    `account_ids`: the member account ids known so far (recorded by deploys); stacks of
    accounts whose ids are not known yet are left out.
    `stacks`: only these stack ids (a selective synth, see above); None: every stack.
    `adopted`: the existing objects the deploy step's adoption reads found (imported, not created).

    Synthesizes into a fresh sibling directory and swaps it in, so a failure never
    leaves a half-written cdktf.out.
    """
    outdir = outdir or settings.out_dir
    staging = outdir.with_name(f".{outdir.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    only = None if stacks is None else frozenset(stacks)
    try:
        ids = adopted.accounts | (account_ids or {})
        jobs = processes(_synthesizable(project, ids, only))
        if jobs == 1:
            _synth_part(project, settings, ids, staging, (0, 1), only, adopted)
        else:
            _synth_parallel(project, settings, ids, staging, jobs, only, adopted)
        mark_selection(staging, only)
        if outdir.exists():
            shutil.rmtree(outdir)
        staging.rename(outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outdir


def _synthesizable(project: Project, account_ids: dict[str, str], only: Collection[str] | None = None) -> int:
    """How many stacks build_app builds (its filter, without importing cdktf): before organizations
    has run, a big org has only a few."""
    known = {a.name for a in project.organization.accounts if a.id} | set(account_ids)
    return sum(
        layers.layer(layer).synthesizable(account, known, project.account_names)
        for account, layer in layers.stacks(project)
        if only is None or naming.stack_id(account, layer) in only
    )


def mark_selection(outdir: Path, only: Collection[str] | None) -> None:
    """Name the selection beside the manifest; a full synth (None) removes an older one."""
    if only is None:
        (outdir / SELECTION).unlink(missing_ok=True)
    else:
        atomic_write_text(outdir / SELECTION, json.dumps({"stacks": sorted(only)}, indent=2) + "\n")


def selection(outdir: Path) -> list[str] | None:
    """The stacks a selective synth wrote into `outdir`; None for a full synth (or none)."""
    try:
        return [str(s) for s in json.loads((outdir / SELECTION).read_text())["stacks"]]
    except FileNotFoundError:
        return None


def processes(stacks: int) -> int:
    """How many processes synthesize `stacks` stacks: LZ_SYNTH_JOBS, or what the cores and the size pay for."""
    raw = os.environ.get("LZ_SYNTH_JOBS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, stacks // STACKS_PER_PROCESS))


def _synth_part(
    project: Project,
    settings: Settings,
    account_ids: dict[str, str],
    outdir: Path,
    part: tuple[int, int],
    only: frozenset[str] | None = None,
    adopted: Adopted = NOTHING,
) -> None:
    from landing_zone.app import build_app

    build_app(project, settings, outdir=outdir, account_ids=account_ids, part=part, only=only, adopted=adopted).synth()


def _synth_parallel(
    project: Project, settings: Settings, account_ids: dict[str, str], staging: Path, jobs: int, only: frozenset[str] | None = None, adopted: Adopted = NOTHING
) -> None:
    parts = [staging / f"part-{i}" for i in range(jobs)]
    answers = [part.with_name(f"{part.name}.error") for part in parts]
    staging.mkdir(parents=True)
    workers = []
    try:
        for i in range(1, jobs):  # started first: they overlap with this process's own part
            worker = subprocess.Popen([sys.executable, "-m", "landing_zone.synth"], stdin=subprocess.PIPE)
            assert worker.stdin is not None
            worker.stdin.write(pickle.dumps((project, settings, account_ids, parts[i], (i, jobs), answers[i], only, adopted)))
            worker.stdin.close()
            workers.append(worker)
        errors: list[Exception] = []
        try:
            _synth_part(project, settings, account_ids, parts[0], (0, jobs), only, adopted)
        except Exception as exc:
            errors.append(exc)
        for i, worker in enumerate(workers, start=1):
            if worker.wait() != 0:
                errors.append(SynthWorkerError(f"synth process {i} of {jobs} exited {worker.returncode}"))
            elif answers[i].exists():  # an expected error (an invalid app), raised here as one process would
                errors.append(pickle.loads(answers[i].read_bytes()))
    finally:
        for worker in workers:  # only left running when this process was interrupted
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    if errors:
        raise _first_of(errors)
    merge(parts, staging)


def _first_of(errors: list[Exception]) -> Exception:
    """The same kind of error one process raises: validation messages of all parts joined."""
    from landing_zone.app import AppValidationError

    invalid = [str(e).removeprefix("synth: ") for e in errors if isinstance(e, AppValidationError)]
    if len(invalid) == len(errors):
        messages = list(dict.fromkeys(m for text in invalid for m in text.split("; ")))  # terraform's, once
        return AppValidationError("synth: " + "; ".join(messages))
    return next(e for e in errors if not isinstance(e, AppValidationError))


def merge(parts: list[Path], outdir: Path) -> None:
    """The parts' stacks into `outdir`, and one manifest.json as cdktf writes it for all of them."""
    version: str | None = None
    stacks: dict[str, Any] = {}
    (outdir / "stacks").mkdir(parents=True)
    for part in parts:
        manifest = json.loads((part / MANIFEST).read_text())
        if version not in (None, manifest["version"]) or stacks.keys() & manifest["stacks"].keys():
            raise SynthWorkerError(f"synth parts disagree: {part / MANIFEST}")
        version = manifest["version"]
        stacks.update(manifest["stacks"])
        for stack in (part / "stacks").iterdir():
            stack.rename(outdir / "stacks" / stack.name)
    (outdir / MANIFEST).write_text(stable_stringify({"version": version, "stacks": stacks}))
    for part in parts:
        shutil.rmtree(part)


def stable_stringify(value: Any, level: int = 0) -> str:
    """json-stable-stringify(value, {space: 2}), as cdktf writes manifest.json: sorted keys and,
    unlike json.dumps, empty arrays and objects spread over two lines. Hand-written: no Python
    package reproduces that library's output."""
    indent = "\n" + "  " * level
    if isinstance(value, dict):
        items = [f"{indent}  {_scalar(k)}: {stable_stringify(v, level + 1)}" for k, v in sorted(value.items())]
        return "{" + ",".join(items) + indent + "}"
    if isinstance(value, list):
        return "[" + ",".join(f"{indent}  {stable_stringify(v, level + 1)}" for v in value) + indent + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, float):  # JSON.stringify's numbers differ from Python's; cdktf's manifest has none
        raise TypeError(f"stable_stringify: no floats ({value!r})")
    return json.dumps(value, ensure_ascii=False)


def _worker() -> None:
    """`python -m landing_zone.synth`: one part, its arguments pickled on stdin (stdout is the
    bindings' console); an expected error is pickled into the answer file, anything else is a
    traceback on stderr and exit 1."""
    from landing_zone.app import AppValidationError

    project, settings, account_ids, outdir, part, answer, only, adopted = pickle.loads(sys.stdin.buffer.read())
    try:
        _synth_part(project, settings, account_ids, outdir, part, only, adopted)
    except AppValidationError as exc:
        answer.write_bytes(pickle.dumps(exc))


if __name__ == "__main__":
    _worker()
