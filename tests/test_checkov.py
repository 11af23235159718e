"""checkov on the synthesized JSON of every stack: no finding but the reviewed ones.

The reviewed list is security/checkov-suppressions.yaml (check id, construct paths, reason).
checkov does not honour `//` skip comments in JSON, so its results are filtered here: any
finding not in the list fails, and so does a list entry that no longer matches anything.

checkov lives in its own environment (security/Pipfile: its pinned boto3/networkx/packaging
clash with the app's); CHECKOV=<path> overrides where it is found.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT
from tests.synth_helpers import synth_stacks

SUPPRESSIONS = ROOT / "security" / "checkov-suppressions.yaml"
INSTALL = "PIPENV_PIPFILE=security/Pipfile PIPENV_VENV_IN_PROJECT=1 pipenv sync"
# Everything a release of the landing zone can synthesize from the root project: the
# committed project.yaml with MFA off and on, and with the opt-in state hardening on.
HARDENED = "state_backend: {kms: true, access_logging: true}\n"
VARIANTS = ("mfa-off", "mfa-on", "hardened")


def checkov_binary() -> str:
    for candidate in (os.environ.get("CHECKOV"), str(ROOT / "security" / ".venv" / "bin" / "checkov"), shutil.which("checkov")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"checkov is not installed: run `{INSTALL}` (or `make setup`), or set CHECKOV=<path>")


@dataclass(frozen=True)
class Finding:
    variant: str
    check: str
    path: str  # <stack>/<construct path>
    name: str

    def __str__(self) -> str:
        return f"{self.variant}: {self.check} {self.path} ({self.name})"


@dataclass
class Suppression:
    check: str
    resources: list[str]
    reason: str
    variants: list[str] = field(default_factory=lambda: list(VARIANTS))

    def covers(self, f: Finding) -> bool:
        return f.check == self.check and f.variant in self.variants and any(fnmatch.fnmatchcase(f.path, r) for r in self.resources)


def load_suppressions() -> list[Suppression]:
    doc = YAML(typ="safe").load(SUPPRESSIONS.read_text(encoding="utf-8"))
    return [Suppression(**entry) for entry in doc["suppressions"]]


def _variant_stacks(tmp: Path) -> dict[str, dict[str, dict]]:
    hardened = tmp / "hardened-project"
    hardened.mkdir()
    (hardened / "project.yaml").write_text((ROOT / "project.yaml").read_text() + "\n" + HARDENED)
    return {
        "mfa-off": synth_stacks(ROOT / "project.yaml", "aws", False),
        "mfa-on": synth_stacks(ROOT / "project.yaml", "aws", True),
        "hardened": synth_stacks(hardened / "project.yaml", "aws", True),
    }


def _paths_by_logical_id(doc: dict) -> dict[str, str]:
    """Terraform logical name → cdktf construct path (unique within a stack)."""
    return {
        name: body["//"]["metadata"]["path"]
        for section in ("resource", "data")
        for resources in doc.get(section, {}).values()
        for name, body in resources.items()
    }


@dataclass
class Scan:
    findings: list[Finding]
    summary: dict
    stacks: int


@cache
def scan(tmp: Path) -> Scan:
    variants = _variant_stacks(tmp)
    out = tmp / "stacks"
    paths: dict[tuple[str, str], dict[str, str]] = {}
    for variant, stacks in variants.items():
        for stack, doc in stacks.items():
            doc = dict(doc)
            # checkov 3.3's terraform_json parser fails on the whole file when it meets an
            # `import` block (a list of {to, id}); import blocks carry no security settings.
            doc.pop("import", None)
            (out / variant / stack).mkdir(parents=True)
            (out / variant / stack / "cdk.tf.json").write_text(json.dumps(doc, indent=2))
            paths[(variant, stack)] = _paths_by_logical_id(doc)
    env = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",  # no guideline download from the vendor's API (offline)
        "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
        "LOG_LEVEL": "ERROR",
        "HOME": str(tmp),  # checkov may write caches under ~
    }
    proc = subprocess.run(
        [checkov_binary(), "-d", str(out), "--framework", "terraform_json", "--output", "json", "--quiet", "--compact", "--soft-fail", "--skip-download"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert proc.returncode == 0, f"checkov failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    findings: list[Finding] = []
    summary: dict = {}
    for report in reports:
        assert report["check_type"] == "terraform_json", report["check_type"]
        summary = report["summary"]
        for r in report["results"]["failed_checks"]:
            variant, stack = Path(r["file_path"]).parts[-3:-1]
            logical = r["resource"].split(".", 1)[1]
            findings.append(Finding(variant, r["check_id"], paths[(variant, stack)][logical], r["check_name"]))
    return Scan(findings, summary, sum(len(s) for s in variants.values()))


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    return scan(tmp_path_factory.mktemp("checkov"))


def test_every_stack_parsed(result: Scan) -> None:
    assert result.summary["parsing_errors"] == 0, result.summary
    assert result.summary["passed"] > 100 and result.stacks >= 3 * 11


def test_no_unreviewed_findings(result: Scan) -> None:
    suppressions = load_suppressions()
    open_ = [f for f in result.findings if not any(s.covers(f) for s in suppressions)]
    assert not open_, (
        f"{len(open_)} checkov findings: fix the construct, or add a reviewed entry with a reason "
        f"to {SUPPRESSIONS.relative_to(ROOT)}:\n" + "\n".join(sorted(map(str, open_)))
    )


def test_no_stale_suppressions(result: Scan) -> None:
    stale = [
        f"{s.check} {pattern} (variants {', '.join(s.variants)})"
        for s in load_suppressions()
        for pattern in s.resources
        if not any(s.covers(f) and fnmatch.fnmatchcase(f.path, pattern) for f in result.findings)
    ]
    assert not stale, "suppressions that match no finding any more (remove them):\n" + "\n".join(stale)


def test_suppressions_are_well_formed() -> None:
    for s in load_suppressions():
        assert s.check.startswith(("CKV_", "CKV2_")), s.check
        assert s.resources and all("/" in r for r in s.resources), s
        assert set(s.variants) <= set(VARIANTS) and s.variants, s
        assert len(s.reason.split()) >= 15, f"{s.check}: give a reason a reviewer can accept"


def test_hardened_state_storage_passes_what_the_defaults_suppress(result: Scan) -> None:
    """kms/access_logging really fix the checks the default variants suppress for them."""
    hardened = {(f.check, f.path) for f in result.findings if f.variant == "hardened"}
    for check in ("CKV_AWS_145", "CKV_AWS_18"):
        assert not {p for c, p in hardened if c == check and p.endswith("/state/bucket")}, check
    assert not {p for c, p in hardened if c == "CKV_AWS_119"}
