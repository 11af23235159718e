"""Shared fixtures. Tests never touch the real home directory or real AWS."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from landing_zone.emulator.server import EmulatorInfo
    from tests.deployment import Deployment

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
_STARTED = time.monotonic()  # conftest is imported as the session starts: the wall clock counts collection too


def _group(item: pytest.Item) -> str:
    """The tests one xdist worker runs together: those of the session deployment, else a module's
    (its module-scoped fixtures, e.g. a deployment of its own, are then built once)."""
    return "deployment" if "deployment" in getattr(item, "fixturenames", ()) else item.nodeid.split("::")[0]


def _order(item: pytest.Item) -> tuple[int, float, bool]:
    """Longest work first, so no worker is left with a long group at the end: the session
    deployment's tests, then modules that deploy a landing zone of their own (marker
    `own_deployment(minutes=N)`, the longest first), other integration tests, unit tests. Tests
    that change the session deployment for good (marker `changes_deployment`) run last of their group.

    The order matters beyond the start: xdist hands a worker its next group as soon as the one
    it runs has two tests left, so a group of few long tests takes the next one in the queue
    along; the long groups go out first, while every worker is still busy with its first."""
    own = item.get_closest_marker("own_deployment")
    rank = 0 if _group(item) == "deployment" else 1 if own else 2 if item.get_closest_marker("integration") else 3
    minutes = float(own.kwargs.get("minutes", 0)) if own else 0.0
    return rank, -minutes, item.get_closest_marker("changes_deployment") is not None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (its hook runs first otherwise)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_order)  # stable: collection order within a rank
    for item in items:  # read by `pytest -n N --dist loadgroup` (make test); inert without xdist
        item.add_marker(pytest.mark.xdist_group(_group(item)))


@pytest.hookimpl(trylast=True)  # after pytest's own "slowest durations" (--durations=10 in pyproject.toml)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The suite's budget is wall time (issue 23: `make test` under 30 min): say it, with the load it ran under."""
    wall = time.monotonic() - _STARTED
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    terminalreporter.write_line(f"wall time: {wall:.0f} s ({wall / 60:.1f} min); load average now {load} on {os.cpu_count()} cores")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway HOME, no AWS credentials from the outside, no LZ_* settings but the mirror."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for key in list(os.environ):
        if key.startswith("AWS_") and key != "AWS_CA_BUNDLE" or (key.startswith("LZ_") and key != "LZ_PROVIDER_MIRROR"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return home


def as_terminal_job() -> None:
    """preexec_fn for a child a test Ctrl-C's: SIGINT at its default, as in a terminal's job.

    A suite started in the background (`make test &` in a script) inherits SIGINT ignored
    and would pass that on: the child would never see the test's Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def provider_mirror() -> str | None:
    """The offline provider mirror (LZ_PROVIDER_MIRROR, else the one the image ships), if any."""
    found = (
        os.environ.get("LZ_PROVIDER_MIRROR") or subprocess.run([str(ROOT / "scripts" / "find-provider-mirror")], capture_output=True, text=True).stdout.strip()
    )
    return found or None


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The root project.yaml, deployed with `lz up` on a fresh emulator, once per session."""
    from tests.deployment import start_deployment, stop_deployment

    dep = start_deployment(tmp_path_factory.mktemp("deployment"))
    try:
        dep.runs["up"] = dep.lz("up")
        yield dep
    finally:
        stop_deployment(dep)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """One emulator (landing_zone.emulator.server) for the session, on a tmp work dir; stopped at the end.

    Tests sharing it keep apart by using their own account ids (access keys select accounts).
    """
    from landing_zone.emulator import server

    work_dir = tmp_path_factory.mktemp("emulator")
    info = server.start(work_dir)
    try:
        yield info
    finally:
        server.stop(work_dir)
