"""Hostile project.yaml inputs that cannot be committed: each one line naming the file, exit 1.

A FIFO as project.yaml, key or policy file used to block forever; a file of tens of MB took
minutes; 100k nested brackets overflowed the stack (exit 3). The corpus (tests/fixtures/bad)
holds the ones that fit in a small file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from landing_zone.cli.main import main
from landing_zone.config import ConfigError, load_project
from landing_zone.config.loader import MAX_PROJECT_BYTES, MAX_VALUES

BASE = """\
project_name: myexample
short_name: me
primary_region: us-east-1
secondary_region: us-west-2
organization:
  accounts:
  - {name: management, email: myexample-aws@example.com, id: '000123456789'}
  - {name: security, email: myexample-aws+security@example.com}
  organizational_units:
  - {name: security, policy: [default], accounts: [security]}
"""


def _problems(config: Path) -> list[str]:
    """The rendered problems of `config`, read in a thread: a blocked read fails the test, not the run."""
    out: list[list[str]] = []

    def load() -> None:
        try:
            load_project(config)
            out.append([])
        except ConfigError as err:
            out.append(str(err).splitlines())

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(60)
    assert out, f"loading {config} did not return (blocked on a read?)"
    return out[0]


def _unblock(fifo: Path) -> None:
    """Open the FIFO for writing once, so a reader stuck on it (without the fix) gets EOF."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # nobody reads it: nothing to release
        return
    os.close(fd)


def test_a_fifo_as_project_yaml(tmp_path: Path) -> None:
    fifo = tmp_path / "project.yaml"
    os.mkfifo(fifo)
    try:
        assert _problems(fifo) == [f"{fifo}: <root>: a FIFO, not a file: refusing to read it"]
    finally:
        _unblock(fifo)


def test_a_fifo_as_policy_file(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    os.mkfifo(tmp_path / "policies" / "strict.json")
    config = tmp_path / "project.yaml"
    config.write_text(BASE + "  policies:\n  - {name: strict, file: policies/strict.json}\n")
    try:
        problems = _problems(config)
    finally:
        _unblock(tmp_path / "policies" / "strict.json")
    assert problems == [f"{config}:12:26: organization.policies[0].file: policy file 'policies/strict.json': a FIFO, not a file: refusing to read it"]


def test_a_fifo_as_gpg_key(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    os.mkfifo(tmp_path / "keys" / "kit.walker")
    config = tmp_path / "project.yaml"
    config.write_text(BASE + "accounts:\n  management:\n    groups:\n    - {name: admins, users: [kit.walker]}\n")
    try:
        problems = _problems(config)
    finally:
        _unblock(tmp_path / "keys" / "kit.walker")
    assert problems == [
        f"{config}:14:30: accounts.management.groups[0].users[0]: GPG key of 'kit.walker' (keys/kit.walker): a FIFO, not a file: refusing to read it"
    ]


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    comment = "# " + "x" * 1000 + "\n"
    config.write_text(BASE + comment * (MAX_PROJECT_BYTES // len(comment) + 1))
    assert _problems(config) == [f"{config}: <root>: larger than {MAX_PROJECT_BYTES} bytes, not a project.yaml (the limit is 1 MiB)"]


def test_a_file_just_under_the_size_limit_loads(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    comment = "# " + "x" * 1000 + "\n"
    config.write_text(BASE + comment * ((MAX_PROJECT_BYTES - len(BASE)) // len(comment)))
    assert config.stat().st_size <= MAX_PROJECT_BYTES
    assert _problems(config) == []


def test_100k_nested_brackets(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    config.write_text(BASE + "sso: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert _problems(config) == [f"{config}:11:70: <root>: YAML error: brackets nested more than 64 deep"]


def test_deep_block_nesting(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    config.write_text(BASE + "sso:\n" + "- " * 100_000 + "x\n")
    assert _problems(config) == [f"{config}: <root>: YAML error: nested too deep"]


def test_an_alias_bomb_is_stopped_before_it_expands(tmp_path: Path) -> None:
    lines = ["sso:", "  a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 40)]  # 10^40 values
    config = tmp_path / "project.yaml"
    config.write_text(BASE + "\n".join(lines) + "\n")
    assert _problems(config) == [f"{config}:1:1: <root>: YAML error: more than {MAX_VALUES} values once aliases are expanded"]


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    config.write_text(BASE.replace("policy: [default]", "policy: &scps [default]") + "  - {name: more, policy: *scps}\n")
    project, _ = load_project(config)
    assert [ou.policy for ou in project.organization.organizational_units] == [["default"], ["default"]]


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_the_cli_exits_1_and_writes_nothing(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "project.yaml"
    os.mkfifo(config) if kind == "fifo" else config.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    try:
        assert main(["validate", str(config)]) == 1
    finally:
        if kind == "fifo":
            _unblock(config)
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 and out.startswith(f"{config}: <root>: ")
    assert err == f"error: {config}: 1 problem\n"
    assert list(cwd.iterdir()) == []


def test_synth_of_a_fifo_exits_1(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    os.mkfifo(config)
    lz = Path(sys.executable).with_name("lz")
    cmd = [str(lz)] if lz.exists() else [sys.executable, "-m", "landing_zone.cli.main"]
    try:
        proc = subprocess.run([*cmd, "synth", "--config", str(config)], cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    finally:
        _unblock(config)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == f"error: {config}: <root>: a FIFO, not a file: refusing to read it\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project.yaml"]


def test_parse_project_text_is_limited_in_bytes(tmp_path: Path) -> None:
    from landing_zone.config.loader import parse_project

    text = BASE + "# " + "é" * (MAX_PROJECT_BYTES // 2) + "\n"  # under the limit in characters, over it in bytes
    assert len(text) < MAX_PROJECT_BYTES < len(text.encode())
    with pytest.raises(ConfigError, match="larger than 1048576 bytes"):
        parse_project(text, tmp_path / "project.yaml")
