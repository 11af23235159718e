"""project.yaml's `pipeline:` section (the ci layer, `lz pipeline github`): defaults and every bad value
as one located line."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.config import ConfigError, load_project

ROOT = Path(__file__).resolve().parents[1]
FOUR = ROOT / "tests" / "fixtures" / "four-accounts" / "project.yaml"


def _base() -> str:
    # The four-accounts fixture without its IAM groups (no key files needed) and without its pipeline.
    text = FOUR.read_text()
    return text.split("\naccounts:\n")[0] + "\nrequire_mfa: false\n"


def _load(tmp_path: Path, pipeline: str) -> list[str]:
    path = tmp_path / "project.yaml"
    path.write_text(_base() + pipeline)
    try:
        load_project(path)
    except ConfigError as exc:
        return [p.render("project.yaml") for p in exc.problems]
    return []


def test_absent_means_no_ci(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(_base())
    assert load_project(path)[0].pipeline is None


def test_defaults(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(_base() + "pipeline:\n  repository: acme/landing-zone\n")
    p = load_project(path)[0].pipeline
    assert p is not None
    assert (p.repository, p.owner, p.default_branch, p.environment, p.max_parallel) == ("acme/landing-zone", "acme", "main", "landing-zone", 10)


def test_environment_may_be_null(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(_base() + "pipeline:\n  repository: acme/lz\n  environment: null\n  default_branch: release/v1\n")
    p = load_project(path)[0].pipeline
    assert p is not None and p.environment is None and p.default_branch == "release/v1"


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ("{}", "pipeline", "repository"),
        ("{repository: acme}", "pipeline.repository", "owner/name"),
        ("{repository: 'acme/*'}", "pipeline.repository", "owner/name"),
        ("{repository: '-acme/lz'}", "pipeline.repository", "owner/name"),
        ("{repository: acme/..}", "pipeline.repository", "not a repository name"),
        ("{repository: acme/lz, default_branch: 'ma*n'}", "pipeline.default_branch", "no wildcards"),
        ("{repository: acme/lz, default_branch: 'a b'}", "pipeline.default_branch", "no wildcards"),
        ("{repository: acme/lz, default_branch: 'a..b'}", "pipeline.default_branch", "not a git branch name"),
        ("{repository: acme/lz, default_branch: x.lock}", "pipeline.default_branch", "not a git branch name"),
        ("{repository: acme/lz, environment: 'prod:x'}", "pipeline.environment", "environment name"),
        ("{repository: acme/lz, environment: 'pro*'}", "pipeline.environment", "environment name"),
        ("{repository: acme/lz, max_parallel: 0}", "pipeline.max_parallel", "greater than or equal to 1"),
        ("{repository: acme/lz, max_parallel: 1000}", "pipeline.max_parallel", "less than or equal to 256"),
        ("{repository: acme/lz, branch: main}", "pipeline", "branch"),
    ],
)
def test_bad_values_are_one_located_line(tmp_path: Path, body: str, where: str, says: str) -> None:
    found = _load(tmp_path, f"pipeline: {body}\n")
    assert len(found) == 1, found
    file, path, line_and_message = found[0].split(": ", 2) if found[0].count(": ") >= 2 else (*found[0].split(": ", 1), "")
    assert file.startswith("project.yaml:"), found  # file:line
    assert file.split(":")[1].isdigit(), found
    assert path == where or path.startswith(where), found
    assert says in found[0], found
