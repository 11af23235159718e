"""How long a cold `lz validate` takes (the budget is under 1 s).

Run from the repository root:

    .venv/bin/python benchmarks/bench_validate.py            # 15 runs each
    .venv/bin/python benchmarks/bench_validate.py -n 40

Copies the root project.yaml into a temp dir, generates its IAM users' GPG public keys
there (as tests do), then times N fresh `lz validate` processes against it, next to a
bare `python -c pass` for the interpreter's own start-up. Prints median/min/max in
seconds. Timings vary with machine load; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.gpg_helpers import kill_agent, new_gnupghome, write_project_keys  # noqa: E402


def iam_users(config: Path) -> list[str]:
    from ruamel.yaml import YAML

    from landing_zone.config.model import Project

    return Project.model_validate(YAML(typ="safe").load(config.read_text())).iam_users


def prepare(work: Path) -> Path:
    """A copy of the root project.yaml with generated key files next to it."""
    config = work / "project.yaml"
    shutil.copy(ROOT / "project.yaml", config)
    home = new_gnupghome()
    try:
        write_project_keys(work, iam_users(config), home)
    finally:
        kill_agent(home)
    return config


def time_runs(cmd: list[str], runs: int, cwd: Path) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=15, help="processes per command (default 15)")
    runs = parser.parse_args().runs
    lz = Path(sys.executable).with_name("lz")
    lz_cmd = [str(lz)] if lz.exists() else [sys.executable, "-m", "landing_zone.cli.main"]
    with tempfile.TemporaryDirectory(prefix="lz-bench-") as tmp:
        work = Path(tmp)
        config = prepare(work)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "lz validate": [*lz_cmd, "validate", str(config)],
        }
        rows = [(name, time_runs(cmd, runs, work)) for name, cmd in commands.items()]
    print(f"{'command':<16} {'runs':>5} {'median s':>9} {'min s':>7} {'max s':>7}")
    for name, times in rows:
        print(f"{name:<16} {len(times):>5} {statistics.median(times):>9.3f} {min(times):>7.3f} {max(times):>7.3f}")


if __name__ == "__main__":
    main()
