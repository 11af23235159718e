"""What `lz up` tells the operator after the stacks ran: email subscriptions wait for confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.cli.main import main
from tests.conftest import ROOT
from tests.synth_helpers import prepare_project


@pytest.mark.parametrize("emails", [[], ["ops@example.com", "sec@example.com"]])
def test_up_says_that_email_subscriptions_wait_for_confirmation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], emails: list[str]
) -> None:
    from landing_zone.deploy import command

    config = prepare_project(ROOT / "project.yaml", tmp_path / "project")
    if emails:
        config.write_text(config.read_text() + "notifications:\n  emails: [" + ", ".join(emails) + "]\n")
    monkeypatch.setattr(command, "run_command", lambda *a, **k: [])  # no stacks run: only what lz up says after them
    monkeypatch.setenv("LZ_WORK_DIR", str(tmp_path / ".lz"))
    monkeypatch.setenv("LZ_EMULATOR_ENDPOINT", "http://127.0.0.1:1")
    assert main(["up", "--config", str(config)]) == 0
    err = capsys.readouterr().err
    notice = [line for line in err.splitlines() if line.startswith("alerts:")]
    if emails:
        assert notice == [
            "alerts: 2 address(es) in notifications.emails get one confirmation mail per account; AWS sends them alerts only once it is confirmed"
        ]
    else:
        assert notice == []
