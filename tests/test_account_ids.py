"""Member account ids: on AWS `lz up` writes them into project.yaml, so a fresh clone (no .lz/)
synthesizes every stack, byte-identical on two machines; on the emulator they stay in the work
dir; before the accounts exist, `lz synth` names the stacks that wait for them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from landing_zone.config import editor, load_project
from landing_zone.deploy.account_ids import account_ids_file, known_account_ids, record_account_ids
from landing_zone.deploy.errors import DeployError
from landing_zone.settings import Settings, Target
from tests.conftest import FIXTURES
from tests.synth_helpers import fake_account_ids, prepare_project, scrub

SOURCE = FIXTURES / "four-accounts" / "project.yaml"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_project(SOURCE, tmp_path_factory.mktemp("four") / "project")


def _settings(config: Path, target: Target) -> Settings:
    return Settings(config_path=config, target=target, work_dir=config.parent / ".lz", out_dir=config.parent / "cdktf.out")


def _copy(prepared: Path, dest: Path) -> Path:
    shutil.copytree(prepared.parent, dest)
    return dest / "project.yaml"


def _ids(config: Path) -> dict[str, str]:
    return fake_account_ids(load_project(config)[0])


def _lz_synth(config: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    return subprocess.run(
        [sys.executable, "-m", "landing_zone.cli.main", "synth", "--target", "aws"],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _every_stack(config: Path) -> set[str]:
    from landing_zone import layers

    project, _ = load_project(config)
    return set(layers.stack_ids(project))


def _stacks(config: Path) -> dict[str, bytes]:
    out = config.parent / "cdktf.out" / "stacks"
    return {d.name: (d / "cdk.tf.json").read_bytes() for d in sorted(out.iterdir())}


def test_aws_ids_go_into_project_yaml_keeping_everything_else(prepared: Path, tmp_path: Path) -> None:
    config = _copy(prepared, tmp_path / "p")
    before = config.read_text()
    ids = _ids(config)
    record_account_ids(_settings(config, "aws"), ids)
    after = config.read_text()
    assert editor.account_ids(after) == ids
    assert not account_ids_file(_settings(config, "aws")).exists()
    # The only change: `, id: '…'` appended to each member's (aligned) flow mapping.
    members = [n for n in ids if n != "management"]
    assert re.sub(r", id: '\d{12}'}", "}", after) == re.sub(r", id: '\d{12}'}", "}", before)
    assert sum(line != other for line, other in zip(before.splitlines(), after.splitlines(), strict=True)) == len(members)
    assert known_account_ids(_settings(config, "aws")) == ids
    mtime = config.stat().st_mtime_ns
    record_account_ids(_settings(config, "aws"), ids)  # the same ids again: the file is not rewritten
    assert config.stat().st_mtime_ns == mtime


def test_a_clashing_id_is_refused_and_nothing_is_written(prepared: Path, tmp_path: Path) -> None:
    config = _copy(prepared, tmp_path / "p")
    ids = _ids(config)
    record_account_ids(_settings(config, "aws"), ids)
    text = config.read_text()
    other = dict(ids, security="999999999999")
    with pytest.raises(DeployError, match=r"account security has id \d{12}, but the organization's account security is 999999999999"):
        record_account_ids(_settings(config, "aws"), other)
    assert config.read_text() == text


def test_emulator_ids_stay_in_the_work_dir(prepared: Path, tmp_path: Path) -> None:
    config = _copy(prepared, tmp_path / "p")
    before = config.read_bytes()
    ids = _ids(config)
    record_account_ids(_settings(config, "local"), ids)
    assert config.read_bytes() == before
    assert json.loads(account_ids_file(_settings(config, "local")).read_text()) == ids
    assert known_account_ids(_settings(config, "local")) == ids


def test_a_fresh_clone_synthesizes_every_stack_byte_identical(prepared: Path, tmp_path: Path) -> None:
    first = _copy(prepared, tmp_path / "machine-a" / "p")
    record_account_ids(_settings(first, "aws"), _ids(first))  # what `lz up` did on AWS
    second = _copy(first, tmp_path / "machine-b" / "elsewhere")  # a colleague's clone: no .lz/
    shutil.rmtree(second.parent / ".lz", ignore_errors=True)
    for config in (first, second):
        shutil.rmtree(config.parent / ".lz", ignore_errors=True)
        proc = _lz_synth(config)
        assert proc.returncode == 0, proc.stderr
        assert "wait for their accounts" not in proc.stderr
    a, b = _stacks(first), _stacks(second)
    assert set(a) == set(b) == _every_stack(first)
    assert [s for s in a if a[s] != b[s]] == []


def test_before_the_accounts_exist_synth_names_the_waiting_stacks(prepared: Path, tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    config = _copy(prepared, tmp_path / "p")
    proc = _lz_synth(config)
    assert proc.returncode == 0, proc.stderr
    stacks = _stacks(config)
    # what needs no member account id: the management account's own layers (ci included: four-accounts has pipeline:)
    own = {f"management-{layer}" for layer in ("tf-backend", "organizations", "security-base", "identities", "ci")}
    assert set(stacks) == own
    waiting = proc.stderr.strip().splitlines()[-1]
    assert waiting.startswith(f"{len(_every_stack(config)) - len(own)} stacks wait for their accounts (`lz up` creates them with management-organizations): ")
    assert "management-sso" in waiting and "security-identities" in waiting
    docs = {name: json.loads(scrub(body.decode())) for name, body in stacks.items()}
    assert docs == snapshot.use_extension(JSONSnapshotExtension)
