"""Prowler's CIS AWS Foundations scan of the session's deployment (scripts/cis_scan.py).

security/cis.md lists every requirement of the framework with its owner; the controls the
landing zone owns must PASS in every account, and every requirement Prowler reports must be
in the document — one table, read by both the docs and this test, so they cannot drift.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import ROOT
from tests.deployment import Deployment

SCRIPT = ROOT / "scripts" / "cis_scan.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cis_scan", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


cis_scan = _script()


def _prowler_python() -> Path:
    if not cis_scan.PROWLER_PYTHON.is_file():
        pytest.fail("Prowler is not installed: run `make setup` (security/prowler/Pipfile)")
    return Path(cis_scan.PROWLER_PYTHON)


def test_cis_doc_lists_every_requirement_of_the_framework_once() -> None:
    controls = cis_scan.read_cis_doc()
    framework = cis_scan.framework_requirements(_prowler_python())
    assert sorted(set(framework) - set(controls)) == [], "requirements missing from security/cis.md"
    assert sorted(set(controls) - set(framework)) == [], "security/cis.md lists requirements the framework lacks"
    owners = {c.owner for c in controls.values()}
    assert cis_scan.OWNED in owners
    assert owners <= {cis_scan.OWNED, "user", "by design", "manual", "not applicable", "not implemented", "real AWS"}
    assert all(c.why for c in controls.values()), "every control says why"
    owned_failing = [c.id for c in controls.values() if c.owner == cis_scan.OWNED and "FAIL" in c.emulator]
    assert owned_failing == [], "an owned control may not be documented as failing"


def test_requirement_status_is_fail_over_pass_over_manual() -> None:
    rows = [
        {"REQUIREMENTS_ID": "1", "STATUS": "PASS"},
        {"REQUIREMENTS_ID": "1", "STATUS": "FAIL"},
        {"REQUIREMENTS_ID": "2", "STATUS": "PASS"},
        {"REQUIREMENTS_ID": "2", "STATUS": "MANUAL"},
        {"REQUIREMENTS_ID": "3", "STATUS": "MANUAL"},
    ]
    assert cis_scan.requirement_status(rows) == {"1": "FAIL", "2": "PASS", "3": "MANUAL"}


@pytest.mark.integration
def test_owned_cis_controls_pass_in_every_account(deployment: Deployment, tmp_path: Path) -> None:
    _prowler_python()
    out = tmp_path / "cis"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], cwd=deployment.dir, env=deployment.env, capture_output=True, text=True, timeout=1800
    )
    assert (out / "summary.json").is_file(), proc.stdout + proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    ids = json.loads((deployment.work_dir / "account_ids.json").read_text())
    assert set(summary["accounts"]) == set(ids), "every account of the deployment is scanned"
    controls = cis_scan.read_cis_doc()
    for account, result in summary["accounts"].items():
        assert result["id"] == ids[account]
        unlisted = sorted(set(result["requirements"]) - set(controls))
        assert unlisted == [], f"{account}: Prowler reports requirements security/cis.md does not list"
    problems = cis_scan.owned_failures(summary, controls)
    assert problems == [], "owned CIS controls not passing:\n" + "\n".join(problems) + f"\n{proc.stdout}"
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(proc.stdout)
