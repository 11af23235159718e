"""`lz access`: the who-reaches-what matrix, its filters and formats, --diff, README's table."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from landing_zone.access import diff, model, reach, readme, render
from landing_zone.cli import main as cli
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import prepare_project, synth_stacks

Capture = pytest.CaptureFixture[str]
ROOT_CONFIG = ROOT / "project.yaml"


def write_stacks(stacks: dict[str, dict], directory: Path) -> Path:
    for stack_id, doc in stacks.items():
        (directory / "stacks" / stack_id).mkdir(parents=True)
        (directory / "stacks" / stack_id / "cdk.tf.json").write_text(json.dumps(doc))
    return directory


@pytest.fixture
def root_dir(tmp_path: Path) -> Path:
    return write_stacks(synth_stacks(ROOT_CONFIG, "aws", None), tmp_path / "root")


def lz(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_readme_table_is_current() -> None:
    table = render.render(reach.matrix(model.build(synth_stacks(ROOT_CONFIG, "aws", None))), "markdown")
    text = (ROOT / "README.md").read_text()
    assert readme.embedded(text) == readme.block(table), f"README's access table is stale: run `{readme.REGENERATE}`"


def test_json_rows_match_the_design(root_dir: Path, capsys: Capture) -> None:
    code, out, _ = lz(capsys, "access", "--stacks", str(root_dir), "--format", "json")
    assert code == 0
    rows = {(r["who"], r["reaches"], r["account"]) for r in json.loads(out)}
    assert ("IAM group security/admins", "Admin", "shared") in rows
    assert ("IAM group security/auditors", "Auditor", "shared") in rows
    # member OAARs trust only the management account: no group of security reaches them
    assert not [r for r in rows if r[0].startswith("IAM group security/") and r[1] == "OrganizationAccountAccessRole"]
    assert ("SSO group ReadOnly", "permission set ReadOnly", "security") not in rows


def test_filters(root_dir: Path, capsys: Capture) -> None:
    code, out, _ = lz(capsys, "access", "--stacks", str(root_dir), "--principal", "kit.walker", "--account", "shared")
    assert code == 0
    matrix, title, escalations = out.partition("\n\nescalation paths")
    lines = matrix.splitlines()[1:]
    assert lines and all("shared" in line and "kit.walker" in line for line in lines)
    assert any("Auditor" in line for line in lines) and not any("DevOps" in line for line in lines)
    # then the escalation paths of kit.walker's groups in shared, each with its chain
    paths = escalations.splitlines()[2:]
    assert title and paths and all(p == "none" or p.split(": ", 1)[0].endswith(("@shared", "of shared", "@shared (MFA)", "of shared (MFA)")) for p in paths), (
        paths
    )
    assert not any("security/devops" in p for p in paths)  # kit.walker is no devops member


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "error: unknown --format 'xml': pick one of table, json, markdown\n"),
        (["--account", "mars"], "error: no account 'mars' in the synthesized stacks (management, security, shared)\n"),
        (["--principal", "nobody"], "error: 'nobody' reaches nothing (no such person or group?)\n"),
    ],
)
def test_bad_input_is_one_line(root_dir: Path, capsys: Capture, args: list[str], message: str) -> None:
    assert lz(capsys, "access", "--stacks", str(root_dir), *args)[::2] == (1, message)


def test_missing_stacks_dir_is_one_line(tmp_path: Path, capsys: Capture) -> None:
    code, _, err = lz(capsys, "access", "--stacks", str(tmp_path))
    assert (code, err) == (1, f"error: no synthesized stacks (stacks/<id>/cdk.tf.json) under {tmp_path}\n")


def test_diff_between_two_synth_dirs(root_dir: Path, tmp_path: Path, capsys: Capture) -> None:
    stacks = copy.deepcopy(synth_stacks(ROOT_CONFIG, "aws", None))
    groups = stacks["security-identities"]["resource"]["aws_iam_group_membership"]
    devops = next(m for m in groups.values() if m["name"] == "devops-members")
    devops["users"] = [u for u in devops["users"] if "natasha" not in u] + ["${aws_iam_user.iam_user-kitwalker_EC6D4E3A.name}"]
    changed = write_stacks(stacks, tmp_path / "changed")
    code, out, _ = lz(capsys, "access", "--stacks", str(changed), "--diff", str(root_dir))
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("+ kit.walker via IAM group security/devops → DevOps in shared") for line in lines)
    assert any(line.startswith("- natasha.romanoff via IAM group security/devops → DevOps in shared") for line in lines)
    assert all(line.startswith(("+ kit.walker", "- natasha.romanoff")) and "security/devops" in line for line in lines)
    assert lz(capsys, "access", "--stacks", str(root_dir), "--diff", str(root_dir))[1] == f"no access changes against {root_dir}\n"


def test_render_access_diff_for_plan(root_dir: Path, tmp_path: Path) -> None:
    # What lz plan shows before the first apply: every access is new.
    text = diff.render_access_diff(tmp_path / "nothing-applied-yet", root_dir)
    assert text.splitlines() and all(line.startswith("+ ") for line in text.splitlines())
    assert diff.render_access_diff(root_dir, root_dir) == ""
    # a work dir holds only the stacks applied so far (here: not the organization yet)
    partial = tmp_path / "partial"
    for stack_id in ("management-tf-backend", "management-identities"):
        shutil.copytree(root_dir / "stacks" / stack_id, partial / "stacks" / stack_id)
    lines = diff.render_access_diff(partial, root_dir).splitlines()
    assert "+ natasha.romanoff via IAM group security/admins → Admin in shared" in [line.removesuffix(" (MFA)") for line in lines]
    assert not [line for line in lines if "management/admins → OrganizationAccountAccessRole in management" in line]


def test_diff_against_a_git_revision(tmp_path: Path, capsys: Capture) -> None:
    repo = tmp_path / "repo"
    config = prepare_project(FIXTURES / "four-accounts" / "project.yaml", repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "project.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "before"], check=True)
    text = config.read_text().replace("- {name: devops, users: [alan.turing]}", "- {name: devops, users: [alan.turing, ada.lovelace]}")
    config.write_text(text)
    code, out, err = lz(capsys, "access", "--config", str(config), "--diff", "HEAD")
    assert code == 0, err
    lines = out.splitlines()
    assert lines and all(line.startswith("+ ada.lovelace via IAM group security/devops → ") for line in lines), lines
    assert any(line.startswith("+ ada.lovelace via IAM group security/devops → DevOps in network") for line in lines)


def test_missing_key_files_do_not_stop_lz_access(tmp_path: Path, capsys: Capture) -> None:
    shutil.copy(FIXTURES / "four-accounts" / "project.yaml", tmp_path / "project.yaml")  # no keys/ beside it
    code, out, err = lz(capsys, "access", "--config", str(tmp_path / "project.yaml"), "--principal", "alan.turing")
    assert code == 0, err
    assert "DevOps" in out


def test_start_up_does_not_load_the_evaluator() -> None:
    code = "import sys, landing_zone.cli.main; print(sorted(m for m in sys.modules if m.startswith(('principalmapper', 'landing_zone.access', 'moto'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"
