"""The malformed project.yaml corpus: exact messages, exit 1, and nothing written.

tests/fixtures/bad/NN-name.yaml is one broken file; NN-name.expect holds the exact
`file:LINE:COL: yaml.path: message` lines `lz validate` must print for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from landing_zone.cli.main import main

BAD = Path(__file__).parent / "fixtures" / "bad"
CASES = sorted(BAD.glob("*.yaml"))
LZ = Path(sys.executable).with_name("lz")
LZ_CMD = [str(LZ)] if LZ.exists() else [sys.executable, "-m", "landing_zone.cli.main"]
SynthRun = tuple[subprocess.CompletedProcess[str], Path, Path]  # the process, its cwd, its HOME


def expected(case: Path) -> list[str]:
    return case.with_suffix(".expect").read_text(encoding="utf-8").splitlines()


def relative(output: str) -> list[str]:
    """Output lines with the fixture directory removed, as the .expect files are written."""
    return output.replace(f"{BAD}{os.sep}", "").splitlines()


def test_the_corpus_is_complete() -> None:
    assert len(CASES) >= 30
    assert sorted(p.stem for p in BAD.glob("*.expect")) == [c.stem for c in CASES]
    assert all(expected(c) for c in CASES), "every case expects at least one problem"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_validate_prints_exactly_the_expected_problems(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["validate", str(case)])
    out, err = capsys.readouterr()
    want = expected(case)
    assert code == 1
    assert relative(out) == want
    assert err == f"error: {case}: {len(want)} problem{'s' if len(want) > 1 else ''}\n"


def _synth(case: Path, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LZ_", "CDKTF_"))}
    env.update(HOME=str(home), AWS_EC2_METADATA_DISABLED="true")
    cmd = [*LZ_CMD, "synth", "--config", str(case)]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def synth_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthRun]:
    """`lz synth --config <case>` for every case, from an empty cwd with an empty HOME (a few at once)."""
    mktemp = tmp_path_factory.mktemp
    dirs = {c.stem: (mktemp(f"cwd-{c.stem}"), mktemp(f"home-{c.stem}")) for c in CASES}
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        procs = list(pool.map(lambda c: _synth(c, *dirs[c.stem]), CASES))
    return {c.stem: (proc, *dirs[c.stem]) for c, proc in zip(CASES, procs, strict=True)}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_synth_stops_before_writing_anything(case: Path, synth_runs: dict[str, SynthRun]) -> None:
    proc, cwd, home = synth_runs[case.stem]
    assert proc.returncode == 1, proc.stderr
    assert relative(proc.stderr) == [f"error: {line}" for line in expected(case)]
    assert proc.stdout == ""
    assert list(cwd.iterdir()) == [], "no cdktf.out, no .lz"
    assert list(home.iterdir()) == [], "HOME (~/.aws, caches) untouched"
