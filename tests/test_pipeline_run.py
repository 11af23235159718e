"""The generated workflow's order deploys the landing zone: its jobs' `run:` steps, run in `needs`
order on a fresh emulator, each job on a fresh "runner" (a new clone, nothing left from the
jobs before it but the artifacts), with the emulator's management keys standing in for the
OIDC role session (tests/workflow_runner.py says what is run and what is not).

1. push from empty: every apply wave succeeds, every stack applies; the account ids the
   organizations job recorded are committed, as its warning asks;
2. pull request: every stack plans with no changes, and the comment job's comment says so;
3. push again: every stack is skipped (its JSON and state are the ones the CI record pins).

The smallest project that shows the point keeps it to one deploy of 10 stacks in 4 waves (the
root project's 14 in 5 took half the suite's time): the root project without its security
account (management and one member, shared), so the member stacks still need the account ids
the organizations job hands on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from landing_zone import layers, naming
from landing_zone.config import editor, load_project
from landing_zone.deploy.fingerprint import SKIPPED
from landing_zone.emulator import server
from landing_zone.pipeline import github
from landing_zone.settings import EMULATOR_SECRET, emulator_access_key
from tests.conftest import provider_mirror
from tests.synth_helpers import root_project_without_security
from tests.test_pipeline import PIPELINE_BLOCK, with_pipeline
from tests.workflow_runner import WorkflowRun

pytestmark = [pytest.mark.integration, pytest.mark.own_deployment(minutes=9)]

REPOSITORY = "example/landing-zone"


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout.strip()


def _summaries(run: WorkflowRun, prefix: str) -> dict[str, dict[str, Any]]:
    """stack → its row of the `--summary` file its job uploaded."""
    found = {}
    for artifact in run.artifacts.glob(f"{github.SUMMARY_ARTIFACT}*"):
        for path in artifact.glob("*.json"):
            doc = json.loads(path.read_text())
            assert doc["action"] == prefix
            found.update({row["stack"]: row for row in doc["stacks"]})
    return found


def test_the_workflow_deploys_from_empty_then_plans_and_skips_with_no_changes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (tmp_path / "src").mkdir()
    config = with_pipeline(root_project_without_security(tmp_path / "src"), repo)
    assert PIPELINE_BLOCK.strip() in config.read_text() or "\npipeline:" in config.read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LZ_"))}
    subprocess.run([sys.executable, "-m", "landing_zone.cli.main", "pipeline", "github"], cwd=repo, env=env, check=True, capture_output=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "landing zone")
    workflow = YAML(typ="safe").load((repo / naming.GITHUB_WORKFLOW_FILE).read_text())
    project, _ = load_project(config)
    stacks = sorted(layers.stack_ids(project))
    assert len(layers.waves(project)) >= 3 and any(a != naming.MANAGEMENT for a in project.account_names), "member stacks after organizations"

    emulator_dir = tmp_path / "emulator"
    info = server.start(emulator_dir)
    runner_env = {
        **env,
        "HOME": str(tmp_path / "home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # what the install step puts first
        "AWS_EC2_METADATA_DISABLED": "true",
        # configure-aws-credentials' role session, on the emulator: its management account's keys.
        "AWS_ACCESS_KEY_ID": emulator_access_key(str(project.management.id)),
        "AWS_SECRET_ACCESS_KEY": EMULATOR_SECRET,
        "AWS_REGION": project.primary_region,
    }
    mirror = provider_mirror()
    if mirror:
        runner_env["LZ_PROVIDER_MIRROR"] = mirror
    overrides = {"LZ_TARGET": "local", "LZ_EMULATOR_ENDPOINT": info.endpoint}

    def run(name: str, event: str, extra: dict[str, Any] | None = None) -> WorkflowRun:
        context = {"event_name": event, "repository": REPOSITORY, "run_id": name, "sha": "HEAD", "ref": "refs/heads/main", "event": extra or {}}
        started = time.monotonic()
        wf = WorkflowRun(workflow, repo, tmp_path / name, context, runner_env, overrides, skip_steps=(github.INSTALL_STEP,))
        wf.run()
        print(f"{name}: {time.monotonic() - started:.0f} s")  # the duration the report quotes (pytest -s)
        return wf

    try:
        first = run("push-1", "push")
        applies = [j for j in workflow["jobs"] if j.startswith("apply-")]
        assert {j: first.results[j] for j in ["validate", "synth", *applies]} == dict.fromkeys(["validate", "synth", *applies], "success"), first.failures()
        assert all(first.results[j] == "skipped" for j in workflow["jobs"] if j.startswith("plan-") or j == "comment")
        done = _summaries(first, "up")
        assert sorted(done) == stacks
        assert {s: r["status"] for s, r in done.items()} == dict.fromkeys(stacks, "done")
        assert not [s for s, r in done.items() if r["detail"] in (SKIPPED, "no changes")], "from empty, every stack applies"

        # The organizations job handed the new ids on (artifact): on AWS they are in its project.yaml,
        # on the emulator in its work dir. Commit them, as the job's warning asks.
        ids = json.loads((first.artifacts / github.IDS_ARTIFACT / ".lz" / "account_ids.json").read_text())
        assert sorted(ids) == sorted(project.account_names)
        config.write_text(editor.with_account_ids(config.read_text(), ids))
        _git(repo, "commit", "-q", "-am", "account ids from the first apply")
        sha = _git(repo, "rev-parse", "HEAD")
        pull_request = {"pull_request": {"base": {"sha": sha}, "head": {"repo": {"full_name": REPOSITORY}}}}

        review = run("pull-request", "pull_request", pull_request)
        assert review.results["comment"] == "success", review.failures()
        planned = _summaries(review, "plan")
        assert {s: (r["status"], r["detail"]) for s, r in planned.items()} == dict.fromkeys(stacks, ("done", "no changes"))
        (comment_run,) = review.runs["comment"]
        text = (comment_run.dir / github.COMMENT_FILE).read_text()
        assert text.startswith(github.COMMENT_MARKER) and "## landing-zone plan: no changes" in text
        assert all(f"### {account}: no changes" in text for account in project.account_names)
        assert f"no access changes against {sha}" in text

        again = run("push-2", "push")
        assert all(again.results[j] == "success" for j in ["validate", "synth", *applies]), again.failures()
        skipped = _summaries(again, "up")
        assert {s: (r["status"], r["detail"]) for s, r in skipped.items()} == dict.fromkeys(stacks, ("done", SKIPPED))
    finally:
        server.stop(emulator_dir)
