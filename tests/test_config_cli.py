"""`lz validate`: linter-style lines, exit codes, offline and light (no cdktf, no AWS SDK)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from landing_zone.cli.main import main
from tests.gpg_helpers import shared_gnupghome, write_project_keys

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "fixtures" / "reference" / "project.yaml"
HEAVY = (
    "cdktf",
    "cdktf_cdktf_provider_aws",
    "jsii",
    "constructs",
    "boto3",
    "botocore",
    "moto",
    "landing_zone.app",
    "landing_zone.stacks",
    "landing_zone.constructs",
    "landing_zone.deploy",
    "landing_zone.emulator",
)


@pytest.fixture
def keyed_project(tmp_path: Path) -> Path:
    """The reference project.yaml (its lines are stable) with generated key files."""
    shutil.copy(REFERENCE, tmp_path / "project.yaml")
    write_project_keys(tmp_path, ["natasha.romanoff", "kit.walker"], shared_gnupghome())
    return tmp_path / "project.yaml"


def test_valid_project_exits_0(keyed_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(keyed_project)]) == 0
    assert capsys.readouterr().out == f"{keyed_project}: ok\n"


def test_path_defaults_to_config_option_env_and_cwd(keyed_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config", str(keyed_project)]) == 0
    monkeypatch.setenv("LZ_CONFIG", str(keyed_project))
    assert main(["validate"]) == 0
    monkeypatch.delenv("LZ_CONFIG")
    monkeypatch.chdir(keyed_project.parent)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "project.yaml: ok"


def test_warnings_go_to_stderr_and_do_not_fail(keyed_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keyed_project.write_text(keyed_project.read_text().replace("id: '000123456789'", "id: 000123456789"))
    assert main(["validate", str(keyed_project)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{keyed_project}: ok\n"
    assert err.splitlines() == [
        f"warning: {keyed_project}:7:62: organization.accounts[0].id: account id 000123456789 is unquoted, "
        "so YAML reads it as a number; using '000123456789' (quote it to silence this)",
        f"warning: {keyed_project}:18:48: accounts.management.groups[0].users[1]: IAM user 'kit.walker' is not in users: (first_name.last_name)",
    ]


def test_problems_go_to_stdout_one_line_each(keyed_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = keyed_project.read_text().replace("short_name: me", "short_name: ME")
    keyed_project.write_text(text + "colour: blue\n")
    assert main(["validate", str(keyed_project)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{keyed_project}:2:13: short_name: 'ME' does not match ^[a-z]{{2,4}}$",
        f"{keyed_project}:25:1: colour: unknown key 'colour' (allowed: {', '.join(_fields())})",
    ]
    assert err == f"error: {keyed_project}: 2 problems\n"


def _fields() -> list[str]:
    from landing_zone.config.model import Project

    return list(Project.model_fields)


def _run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LZ_"))}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("valid", [True, False], ids=["valid", "invalid"])
def test_validate_imports_no_cdktf_bindings_or_aws_sdk(keyed_project: Path, valid: bool) -> None:
    if not valid:
        (keyed_project.parent / "keys" / "kit.walker").unlink()
    code = (
        "import json, sys\n"
        "from landing_zone.cli.main import main\n"
        f"rc = main(['validate', {str(keyed_project)!r}])\n"
        f"heavy = sorted(m for m in sys.modules if m.startswith({HEAVY!r}))\n"
        "print(json.dumps([rc, heavy]))\n"
    )
    proc = _run_python(code, keyed_project.parent)
    rc, heavy = json.loads(proc.stdout.splitlines()[-1])
    assert (rc, heavy) == (0 if valid else 1, [])


def test_up_stops_before_starting_anything(tmp_path: Path) -> None:
    bad = ROOT / "tests" / "fixtures" / "bad" / "19-same-regions.yaml"
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LZ_"))} | {"HOME": str(home)}
    cmd = [sys.executable, "-m", "landing_zone.cli.main", "up", "--config", str(bad)]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [f"error: {bad}:4:19: secondary_region: must differ from primary_region"]
    assert list(cwd.iterdir()) == [] and list(home.iterdir()) == []
