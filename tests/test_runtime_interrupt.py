"""Ctrl-C during `lz up` (SIGINT to lz's process group, as a terminal sends it): exit 130,
"interrupted", and no terraform left running (it runs in its own process group, lz stops it)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, as_terminal_job, provider_mirror
from tests.synth_helpers import prepare_project

pytestmark = pytest.mark.integration


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_ctrl_c_during_up_exits_130_and_stops_terraform(tmp_path: Path) -> None:
    config = prepare_project(ROOT / "project.yaml", tmp_path / "p")
    real = shutil.which("terraform")
    assert real
    pids = tmp_path / "terraform.pids"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # version questions go to the real terraform; every other command hangs like a slow apply,
    # with a 'provider plugin' child in its group
    (bin_dir / "terraform").write_text(f"""#!/bin/sh
[ "$1" = version ] && exec {real} "$@"
sleep 600 &
echo $$ $! >> {pids}
wait
""")
    (bin_dir / "terraform").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LZ_", "AWS_"))}
    env.update(
        HOME=str(tmp_path / "home"),
        PATH=f"{bin_dir}:{env['PATH']}",
        LZ_CONFIG=str(config),
        LZ_WORK_DIR=str(tmp_path / "p" / ".lz"),
        LZ_OUT_DIR=str(tmp_path / "p" / "cdktf.out"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    mirror = provider_mirror()
    if mirror:
        env["LZ_PROVIDER_MIRROR"] = mirror
    lz = subprocess.Popen(
        [sys.executable, "-m", "landing_zone.cli.main", "up"],
        cwd=tmp_path / "p",
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=as_terminal_job,
    )
    try:
        deadline = time.monotonic() + 600  # a guard against a hang, not a timing assertion
        while not pids.exists() and lz.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pids.exists(), f"terraform never ran: {lz.communicate()}"
        os.killpg(lz.pid, signal.SIGINT)  # the terminal's Ctrl-C: lz's foreground group
        out, err = lz.communicate(timeout=300)
    finally:
        if lz.poll() is None:
            os.killpg(lz.pid, signal.SIGKILL)
    assert lz.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted", err
    assert "failed" not in err
    started = [int(p) for p in pids.read_text().split()]
    assert started and all(_gone(p) for p in started), "terraform and its plugin are stopped"
    assert not (tmp_path / "p" / ".lz" / "emulator.json").exists(), "the run's own emulator is stopped"
