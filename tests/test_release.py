"""Releases: one semver version (landing_zone/__init__.py), printed by `lz --version` and at the
top of every crash log; CHANGELOG.md lists the releases newest first, each cut one with its commit."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest

import landing_zone
from landing_zone.cli import main as cli
from tests.conftest import ROOT
from tests.releases import previous_release, releases

SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def test_version_is_semver_and_set_once() -> None:
    assert SEMVER.fullmatch(landing_zone.__version__)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "landing_zone.__version__"}


def test_lz_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"lz {landing_zone.__version__}\n"


def test_changelog_lists_this_release_first_newest_first() -> None:
    listed = releases()
    assert listed[0].version == landing_zone.__version__
    versions = [tuple(int(n) for n in r.version.split(".")) for r in listed]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert previous_release().version != landing_zone.__version__ or listed[0].commit


@pytest.mark.skipif(not (ROOT / ".git").exists() or not shutil.which("git"), reason="not a git checkout")
def test_every_release_commit_is_in_history() -> None:
    for release in releases():
        if release.commit:
            found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{release.commit}^{{commit}}"], capture_output=True)
            assert found.returncode == 0, f"CHANGELOG: {release.version}'s commit {release.commit} is not in this repository"
