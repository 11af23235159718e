"""A synth split over several processes (landing_zone/synth.py) writes what one process writes.

One `lz synth` process per path (LZ_SYNTH_JOBS=1 and =3: more parts than the 2 a big org
gets here, so the round-robin split and the merge of three manifests are exercised), every
stack of the root project.yaml (member stacks included), every file of cdktf.out compared
byte for byte; and an invalid app fails as one process fails, in one line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from landing_zone import layers, synth
from landing_zone.config import load_project
from tests.conftest import ROOT
from tests.synth_helpers import fake_account_ids, prepare_project


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _env(tmp_path: Path) -> dict[str, str]:
    config = prepare_project(ROOT / "project.yaml", tmp_path / "project")
    project, _ = load_project(config)
    work = tmp_path / ".lz"
    work.mkdir()
    (work / "account_ids.json").write_text(json.dumps(fake_account_ids(project)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    env.update(LZ_CONFIG=str(config), LZ_WORK_DIR=str(work), LZ_TARGET="local")
    return env


def _lz_synth(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "landing_zone.cli.main", "synth"],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


def test_three_processes_write_the_files_one_writes(tmp_path: Path) -> None:
    env = _env(tmp_path)
    procs = {jobs: _lz_synth({**env, "LZ_OUT_DIR": str(tmp_path / f"out-{jobs}"), "LZ_SYNTH_JOBS": jobs}, tmp_path) for jobs in ("1", "3")}
    results = {jobs: proc.communicate(timeout=600) for jobs, proc in procs.items()}
    for jobs, proc in procs.items():
        assert proc.returncode == 0, f"LZ_SYNTH_JOBS={jobs}: {results[jobs][1][-3000:]}"
    one, three = _files(tmp_path / "out-1"), _files(tmp_path / "out-3")
    project, _ = load_project(Path(env["LZ_CONFIG"]))
    expected = set(layers.stack_ids(project))
    assert {Path(name).parts[1] for name in three if name.startswith("stacks/")} == expected
    assert sorted(three) == sorted(one)  # no part directory or answer file left behind
    assert [name for name in one if one[name] != three[name]] == []
    # The merged manifest is cdktf's own format: re-rendering cdktf's file gives it back.
    manifest = one["manifest.json"].decode()
    assert synth.stable_stringify(json.loads(manifest)) == manifest
    assert '"annotations": [\n      ]' in manifest  # json-stable-stringify's empty arrays, unlike json.dumps


def test_an_invalid_app_fails_in_one_line_as_one_process_does(tmp_path: Path) -> None:
    """No terraform on PATH: every part reports it; the merged error says it once."""
    env = _env(tmp_path)
    bin_dir = tmp_path / "bin"  # node (the jsii kernel) and gpg (the users' keys) but no terraform
    bin_dir.mkdir()
    for tool in ("node", "gpg"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    env.update(PATH=str(bin_dir), LZ_OUT_DIR=str(tmp_path / "out"), LZ_SYNTH_JOBS="2")
    proc = _lz_synth(env, tmp_path)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err[-3000:]
    assert err.count("terraform not found on PATH") == 1, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() and not (tmp_path / ".out.tmp").exists()  # nothing written


@pytest.mark.parametrize(
    ("stacks", "env", "cores", "expected"),
    [
        (13, "", 2, 1),  # the root project: a second process would cost more than it saves
        (80, "", 2, 1),
        (307, "", 2, 2),  # 100 member accounts, 2 cores
        (307, "", 8, 3),  # one process per 100 stacks at most
        (907, "", 1, 1),
        (13, "3", 2, 3),  # LZ_SYNTH_JOBS wins
        (907, "1", 2, 1),
        (907, "x", 2, 2),  # not a number: ignored
    ],
)
def test_processes(monkeypatch: pytest.MonkeyPatch, stacks: int, env: str, cores: int, expected: int) -> None:
    monkeypatch.setenv("LZ_SYNTH_JOBS", env)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    assert synth.processes(stacks) == expected


def test_stable_stringify_matches_json_stable_stringify() -> None:
    """Beside cdktf's manifest: nesting, empty containers, scalars, key order, escapes, non-ASCII —
    against the library itself (cdktf's copy, run by node)."""
    value: dict[str, object] = {"b": [1, True, None, {}, [[]]], "a": {"é": 'x\n"y"\t\u0001\u2028\\', "B": -3}, "c": [], "10": "", "9": "z"}
    library = ROOT / "node_modules" / "cdktf" / "node_modules" / "json-stable-stringify"
    script = f"process.stdout.write(require({json.dumps(str(library))})(JSON.parse(process.argv[1]), {{space: 2}}))"
    node = subprocess.run(["node", "-e", script, json.dumps(value)], capture_output=True, text=True, check=True)
    assert synth.stable_stringify(value) == node.stdout
    with pytest.raises(TypeError):
        synth.stable_stringify({"a": 1.5})


def test_processes_count_the_stacks_that_can_be_built(tmp_path: Path) -> None:
    """Before organizations has created the member accounts, only management's stacks are built:
    a big org's first `lz up` synth is small and stays in one process."""
    project, _ = load_project(Path(_env(tmp_path)["LZ_CONFIG"]))
    every = len(layers.stacks(project))
    assert synth._synthesizable(project, fake_account_ids(project)) == every
    before = synth._synthesizable(project, {})
    assert 0 < before < every
