"""`lz mfa enable` edits project.yaml in place: its mode stays (it was left 0600)."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.postdeploy import mfa_switch
from tests.conftest import ROOT


@pytest.mark.parametrize("mode", [0o644, 0o640])
def test_write_flag_keeps_the_file_mode(tmp_path: Path, mode: int) -> None:
    from tests.synth_helpers import prepare_project

    config = prepare_project(ROOT / "project.yaml", tmp_path)
    config.chmod(mode)
    project = mfa_switch.write_flag(config, True)
    assert project.require_mfa is True
    assert "require_mfa: true" in config.read_text()
    assert config.stat().st_mode & 0o777 == mode
