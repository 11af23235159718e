"""`lz up` with nothing changed skips every stack; `lz up --refresh` plans them all.

Uses the session `deployment` (the root project, deployed once). The refresh run goes
first: it also re-records any stack an earlier test touched through terraform (e.g.
`npx cdktf deploy` in test_integration_deploy.py), so the plain run after it has nothing
to do.
"""

from __future__ import annotations

import re

import pytest

from landing_zone import layers, naming
from landing_zone.deploy.fingerprint import RECORD, SKIPPED
from tests.deployment import Deployment

pytestmark = pytest.mark.integration

LINE = re.compile(r"^(?P<stack>\S+): done \((?P<secs>[\d.]+)s\): (?P<detail>.*)$", re.M)


def _stacks(deployment: Deployment) -> list[str]:
    return [naming.stack_id(a, layer) for a, layer in layers.stacks(deployment.project)]


def _done(stderr: str) -> dict[str, tuple[float, str]]:
    return {m["stack"]: (float(m["secs"]), m["detail"]) for m in LINE.finditer(stderr)}


def test_refresh_plans_every_stack_and_finds_no_changes(deployment: Deployment) -> None:
    """Also issue 15's "done when" (this is the suite's one plain --refresh pass): every stack of the
    root project, planned again against what the first `lz up` deployed (replicas, alarms in
    us-east-1, scoped roles), shows no changes."""
    run = deployment.lz("up", "--refresh")
    n = len(_stacks(deployment))
    assert f"lz up: {n}/{n} stacks ok" in run.stderr, run.stderr
    done = _done(run.stderr)
    assert sorted(done) == sorted(_stacks(deployment)), run.stderr
    assert {detail for _, detail in done.values()} == {"no changes"}, run.stderr
    for stack in _stacks(deployment):
        assert (deployment.work_dir / "stacks" / stack / RECORD).is_file()


def _logs(deployment: Deployment) -> dict[str, int]:
    """Size of each stack's terraform log (the emulator's own log sits beside them)."""
    logs = deployment.work_dir / "logs"
    return {s: (logs / f"{s}.log").stat().st_size for s in _stacks(deployment)}


def _commands_since(deployment: Deployment, sizes: dict[str, int]) -> dict[str, list[str]]:
    """The terraform commands each stack's log gained since `sizes` was taken."""
    logs, ran = deployment.work_dir / "logs", {}
    for stack, size in sizes.items():
        with (logs / f"{stack}.log").open(encoding="utf-8") as fh:
            fh.seek(size)
            ran[stack] = [line.split()[2] for line in fh if line.startswith("$ terraform ")]
    return ran


def _records(deployment: Deployment) -> dict[str, bytes]:
    return {s: (deployment.work_dir / "stacks" / s / RECORD).read_bytes() for s in _stacks(deployment)}


def test_second_up_skips_every_stack_without_running_terraform(deployment: Deployment) -> None:
    logs, records = _logs(deployment), _records(deployment)
    run = deployment.lz("up")
    done = _done(run.stderr)
    assert sorted(done) == sorted(_stacks(deployment)), run.stderr
    assert {detail for _, detail in done.values()} == {SKIPPED}, run.stderr
    # No plan or apply ran (every terraform command is appended to its stack's log); only
    # organizations reads its outputs again, to keep the member account ids current.
    # (How fast a skip is belongs to benchmarks/run.py, not to a timed test.)
    ran = _commands_since(deployment, logs)
    assert {stack: cmds for stack, cmds in ran.items() if cmds} in ({}, {"management-organizations": ["output"]}), ran
    assert _records(deployment) == records
    n = len(_stacks(deployment))
    assert f"lz up: {n}/{n} stacks ok" in run.stderr
