"""make test's grouping holds: a module's tests run on one xdist worker (module fixtures, and
the session deployment for its tests, are built once). Guards against a pytest or xdist
upgrade that silently drops the groups (pytest 9.2 did: xdist 3.8 rewrites item._nodeid)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

_RAN = re.compile(r"^\[(gw\d+)\] .*PASSED (\S+?)::\S+@(\S+)", re.M)


def test_each_module_runs_on_one_worker() -> None:
    modules = ["tests/test_deploy_context.py", "tests/test_architecture.py"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder", "-v", "-p", "no:cacheprovider", *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    ran = _RAN.findall(proc.stdout)
    assert {module for _, module, _ in ran} == set(modules), proc.stdout[-3000:]
    assert all(group == module for _, module, group in ran), ran
    for module in modules:
        assert len({worker for worker, m, _ in ran if m == module}) == 1, ran
