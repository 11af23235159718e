"""`lz plan` prints the access diff (who gains or loses which role) before any stack runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from landing_zone.settings import Settings
from tests.conftest import ROOT
from tests.synth_helpers import prepare_project, synth_stacks


def _write(stacks: dict[str, dict], directory: Path) -> Path:
    for name, doc in stacks.items():
        (directory / "stacks" / name).mkdir(parents=True)
        (directory / "stacks" / name / "cdk.tf.json").write_text(json.dumps(doc))
    return directory


def _printer(tmp_path: Path, before: dict[str, dict], after: dict[str, dict]) -> Callable[[], None]:
    from landing_zone.cli.main import _access_diff_printer

    settings = Settings(config_path=tmp_path / "project.yaml", work_dir=_write(before, tmp_path / ".lz"), out_dir=_write(after, tmp_path / "cdktf.out"))
    return _access_diff_printer(settings)


def test_a_first_plan_shows_all_access_as_added(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stacks = synth_stacks(ROOT / "project.yaml", "aws", False)
    _printer(tmp_path, {}, stacks)()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "access changes (who → role or permission set → account):"
    assert len(lines) > 1 and all(line.startswith("+ ") for line in lines[1:])
    assert any("natasha.romanoff" in line for line in lines[1:])


def test_a_change_that_keeps_access_says_so_and_one_that_drops_it_lists_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    on, off = synth_stacks(ROOT / "project.yaml", "aws", True), synth_stacks(ROOT / "project.yaml", "aws", False)
    _printer(tmp_path / "same", on, on)()
    assert capsys.readouterr().err == "access: no change\n"
    _printer(tmp_path / "flip", off, on)()  # require_mfa on: the same people reach the same roles, now with MFA
    err = capsys.readouterr().err
    assert err.startswith("access changes") and "\n+ " in err and "\n- " in err


def test_run_command_shows_the_diff_after_synth_before_any_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import landing_zone.synth
    from landing_zone.adoption.model import NOTHING
    from landing_zone.config import load_project
    from landing_zone.deploy import command
    from landing_zone.deploy.orchestrate import Selection

    order: list[str] = []
    monkeypatch.setattr(landing_zone.synth, "synth", lambda *a, **k: order.append("synth"))

    def run_stacks(*a: object, **k: object) -> list[object]:
        order.append("stacks")
        return []

    monkeypatch.setattr(command, "run_stacks", run_stacks)
    monkeypatch.setattr(command.adopt, "read", lambda ctx, accounts=(): NOTHING)  # no organization to read here
    config = prepare_project(ROOT / "project.yaml", tmp_path / "project")
    settings = Settings(config_path=config, target="local", work_dir=tmp_path / ".lz", endpoint="http://127.0.0.1:1")
    command.run_command(
        load_project(config)[0], settings, "plan", Selection(), parallel=1, code_for=lambda p, s: "", on_synth=lambda: order.append("access diff")
    )
    assert order == ["synth", "access diff", "stacks"]
