"""A selective synth (`lz synth|plan|up --stack S`) writes, for each selected stack, the bytes a
full synth writes for it — and nothing that passes for a full synth.

Every stack of both snapshot projects (the root project.yaml, the four-accounts fixture) and of
a generated 25-account org (benchmarks/orgs.py) is synthesized alone and compared with the
full synth of its project, byte for byte, manifest entry included. These run in this process
(the synth code path of one `lz synth --stack` process: one part, `build_app(only=…)`), the
selective ones first so nothing a full build leaves in the process can help them; one
`lz synth --stack` run in a fresh process checks the command itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.orgs import prepare
from landing_zone import layers, synth
from landing_zone.config import load_project
from landing_zone.config.model import Project
from landing_zone.settings import Settings
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import fake_account_ids, gnupghome, prepare_project

PROJECTS = {"root": ROOT / "project.yaml", "four-accounts": FIXTURES / "four-accounts" / "project.yaml"}


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _project(name: str, tmp_path: Path) -> tuple[Project, dict[str, str], Path]:
    """The project, member ids as if organizations had applied, and its directory."""
    if name == "org-25":
        config = prepare(tmp_path / "project", gnupghome(), 25)
        project, _ = load_project(config)
        return project, json.loads((config.parent / ".lz" / "account_ids.json").read_text()), config.parent
    config = prepare_project(PROJECTS[name], tmp_path / "project")
    project, _ = load_project(config)
    return project, fake_account_ids(project), config.parent


@pytest.mark.parametrize("name", ["root", "four-accounts", "org-25"])
def test_each_stack_alone_is_the_full_synths_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("LZ_SYNTH_JOBS", "1")  # the full synth in this process too: same bytes as parallel (test_synth_parallel)
    project, ids, directory = _project(name, tmp_path)
    settings = Settings(config_path=directory / "project.yaml", target="aws", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    every = layers.stack_ids(project)
    (tmp_path / "alone").mkdir()
    alone = {stack: _files(synth.synth(project, settings, ids, outdir=tmp_path / "alone" / stack, stacks=[stack])) for stack in every}
    full = _files(synth.synth(project, settings, ids, outdir=tmp_path / "full"))
    manifest = json.loads(full["manifest.json"])
    assert sorted(manifest["stacks"]) == sorted(every)  # the ids make every stack buildable
    assert synth.SELECTION not in full  # a full synth is marked as nothing else
    for stack, files in alone.items():
        json_file = f"stacks/{stack}/cdk.tf.json"
        assert sorted(files) == sorted([json_file, "manifest.json", synth.SELECTION]), stack  # no other stack's files
        assert files[json_file] == full[json_file], f"{stack}: differs from the full synth's"
        own = json.loads(files["manifest.json"])
        assert own["stacks"] == {stack: manifest["stacks"][stack]} and own["version"] == manifest["version"]
        assert json.loads(files[synth.SELECTION]) == {"stacks": [stack]}


def test_lz_synth_stack_in_a_fresh_process(tmp_path: Path) -> None:
    """The command: two stacks of the root project alone, an unknown one refused, and the same
    output directory written whole again by `lz synth` (no selection marker left behind)."""
    project, ids, directory = _project("root", tmp_path)
    work = tmp_path / ".lz"
    work.mkdir()
    (work / "account_ids.json").write_text(json.dumps(ids))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    env.update(LZ_CONFIG=str(directory / "project.yaml"), LZ_WORK_DIR=str(work), LZ_TARGET="local", LZ_OUT_DIR=str(tmp_path / "out"))

    def lz(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "landing_zone.cli.main", *args], cwd=tmp_path, env=env, text=True, capture_output=True, timeout=600)

    chosen = ["security-identities", "management-sso"]
    selective = lz("synth", "--stack", chosen[0], "--stack", chosen[1])
    assert selective.returncode == 0, selective.stderr[-3000:]
    assert selective.stdout.startswith("synthesized 2 stacks into")
    alone = _files(tmp_path / "out")
    assert sorted(alone) == sorted([f"stacks/{s}/cdk.tf.json" for s in chosen] + ["manifest.json", synth.SELECTION])

    unknown = lz("synth", "--stack", "nowhere-identities")
    assert unknown.returncode == 1 and "unknown stack 'nowhere-identities'" in unknown.stderr and "Traceback" not in unknown.stderr
    assert _files(tmp_path / "out") == alone  # nothing written

    full = lz("synth")
    assert full.returncode == 0, full.stderr[-3000:]
    whole = _files(tmp_path / "out")
    assert synth.SELECTION not in whole and len(json.loads(whole["manifest.json"])["stacks"]) == len(layers.stacks(project))
    for stack in chosen:
        assert alone[f"stacks/{stack}/cdk.tf.json"] == whole[f"stacks/{stack}/cdk.tf.json"]


def test_the_cdktf_app_builds_LZ_STACKS_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`LZ_STACKS=S npx cdktf deploy S` (cdktf-cli never tells the app its selection): main.py's
    app builds S alone and marks it; the next full cdktf synth into the same directory drops the mark."""
    from landing_zone.cli.cdktf_app import synth_from_env

    project, ids, directory = _project("root", tmp_path)
    work = tmp_path / ".lz"
    work.mkdir()
    (work / "account_ids.json").write_text(json.dumps(ids))
    for key in [k for k in os.environ if k.startswith("LZ_")]:
        monkeypatch.delenv(key)
    out = tmp_path / "cdktf.out"
    monkeypatch.setenv("LZ_CONFIG", str(directory / "project.yaml"))
    monkeypatch.setenv("LZ_WORK_DIR", str(work))
    monkeypatch.setenv("CDKTF_OUTDIR", str(out))
    monkeypatch.setenv("LZ_STACKS", "shared-identities, management-sso")
    synth_from_env()
    assert sorted(json.loads((out / "manifest.json").read_text())["stacks"]) == ["management-sso", "shared-identities"]
    assert synth.selection(out) == ["management-sso", "shared-identities"]

    monkeypatch.setenv("LZ_STACKS", "shared-nothing")
    with pytest.raises(SystemExit) as exit_:
        synth_from_env()
    assert exit_.value.code == 1 and "LZ_STACKS: unknown stack 'shared-nothing'" in capsys.readouterr().err

    monkeypatch.delenv("LZ_STACKS")
    synth_from_env()
    assert synth.selection(out) is None and len(json.loads((out / "manifest.json").read_text())["stacks"]) == len(layers.stacks(project))


def test_lz_plan_access_diff_of_a_selection_keeps_the_other_stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lz plan --stack S` compares what was applied with that overlaid by S's new JSON: the stacks
    it did not synthesize are not read as removed (nor, in a full synth, kept)."""
    from landing_zone.access import diff
    from landing_zone.cli import main

    settings = Settings(config_path=tmp_path / "project.yaml", work_dir=tmp_path / ".lz", out_dir=tmp_path / "cdktf.out")
    for root, stacks in ((settings.work_dir, {"a": 1, "b": 1}), (settings.out_dir, {"b": 2})):
        for stack, version in stacks.items():
            (root / "stacks" / stack).mkdir(parents=True)
            (root / "stacks" / stack / "cdk.tf.json").write_text(json.dumps({"v": version}))
    compared: list[tuple[dict[str, object], dict[str, object]]] = []

    def render_changes(before: dict[str, object], after: dict[str, object]) -> str:
        compared.append((before, after))
        return ""

    monkeypatch.setattr(diff, "render_changes", render_changes)
    show = main._access_diff_printer(settings)
    synth.mark_selection(settings.out_dir, ["b"])
    show()
    synth.mark_selection(settings.out_dir, None)
    show()
    selective, full = compared
    assert selective == ({"a": {"v": 1}, "b": {"v": 1}}, {"a": {"v": 1}, "b": {"v": 2}})
    assert full == ({"a": {"v": 1}, "b": {"v": 1}}, {"b": {"v": 2}})


def test_lz_access_refuses_a_selective_synth(tmp_path: Path) -> None:
    """A few stacks are no organization: `lz access --stacks DIR` says so in one line."""
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "shared-identities").mkdir(parents=True)
    (out / "stacks" / "shared-identities" / "cdk.tf.json").write_text("{}")
    synth.mark_selection(out, ["shared-identities"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    run = subprocess.run(
        [sys.executable, "-m", "landing_zone.cli.main", "access", "--stacks", str(out)], cwd=tmp_path, env=env, text=True, capture_output=True, timeout=120
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip() == f"error: {out} holds a selective synth (lz synth --stack shared-identities), not the organization: run `lz synth` first"
