"""One lz per work dir: the second run waits, naming the first (pid, command)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from landing_zone.cli.worklock import holding
from tests.conftest import ROOT, as_terminal_job

HOLD = """
import sys
from pathlib import Path
from landing_zone.cli.worklock import holding
with holding(Path(sys.argv[1]), "lz up"):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _holder(work_dir: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(work_dir)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def test_the_second_run_waits_naming_the_first(tmp_path: Path) -> None:
    first = _holder(tmp_path)
    said: list[str] = []
    got = threading.Event()

    def second() -> None:
        with holding(tmp_path, "lz synth", say=said.append):
            got.set()

    thread = threading.Thread(target=second)
    thread.start()
    try:
        while not said and thread.is_alive():
            threading.Event().wait(0.05)
        assert not got.is_set(), "the second run must not start while the first holds the work dir"
        assert len(said) == 1 and f"`lz up` (pid {first.pid}, since " in said[0] and str(tmp_path) in said[0]
    finally:
        assert first.stdin is not None
        first.stdin.write("\n")
        first.stdin.flush()
        first.wait(timeout=60)
        thread.join(timeout=60)
    assert got.is_set(), "the second run went ahead once the first was done"


def test_a_killed_holder_leaves_no_lock(tmp_path: Path) -> None:
    first = _holder(tmp_path)
    first.kill()
    first.wait()
    said: list[str] = []
    with holding(tmp_path, "lz up", say=said.append):
        pass
    assert said == []


def test_lz_synth_waits_for_the_running_lz(tmp_path: Path) -> None:
    """The CLI takes the lock: `lz synth` beside a running `lz up` says so and waits."""
    from tests.synth_helpers import prepare_project

    config = prepare_project(ROOT / "project.yaml", tmp_path / "p")
    work = tmp_path / "p" / ".lz"
    first = _holder(work)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")} | {
        "LZ_CONFIG": str(config),
        "LZ_WORK_DIR": str(work),
        "LZ_OUT_DIR": str(tmp_path / "p" / "cdktf.out"),
    }
    synth = subprocess.Popen(
        [sys.executable, "-m", "landing_zone.cli.main", "synth"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=as_terminal_job,
    )
    try:
        assert synth.stderr is not None
        line = synth.stderr.readline()
        assert line.startswith(f"waiting for `lz up` (pid {first.pid}, since "), line
        assert not (tmp_path / "p" / "cdktf.out").exists()
        os.killpg(synth.pid, signal.SIGINT)
        assert synth.wait(timeout=60) == 130
    finally:
        if synth.poll() is None:
            os.killpg(synth.pid, signal.SIGKILL)
        first.kill()
        first.wait()


def test_lz_unlock_is_a_command_with_one_line_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from landing_zone.cli import main as cli
    from tests.synth_helpers import prepare_project

    config = prepare_project(ROOT / "project.yaml", tmp_path / "p")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LZ_WORK_DIR", str(tmp_path / ".lz"))
    monkeypatch.setenv("LZ_EMULATOR_ENDPOINT", "http://127.0.0.1:9")
    assert cli.main(["unlock", "no-such-stack", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unknown stack 'no-such-stack'; stacks are: management-tf-backend") and err.count("\n") == 1
    assert cli.main(["unlock", "management-tf-backend", "--config", str(config)]) == 1
    assert "is not synthesized" in capsys.readouterr().err
