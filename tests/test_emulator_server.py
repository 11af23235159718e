"""landing_zone.emulator.server: start / status / stop of the emulator process."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from landing_zone.emulator import server
from landing_zone.emulator.server import EmulatorInfo
from landing_zone.settings import process_start

LISTEN = "0A"
LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


def _listeners(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on `port`, IPv4 and IPv6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as fh:
            for line in fh.readlines()[1:]:
                fields = line.split()
                address, hex_port = fields[1].split(":")
                if fields[3] == LISTEN and int(hex_port, 16) == port:
                    found.append(address)
    return found


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, EmulatorInfo]]:
    work_dir = tmp_path_factory.mktemp("emu-server")
    info = server.start(work_dir)
    try:
        yield work_dir, info
    finally:
        server.stop(work_dir)


def test_start_picks_a_free_port_and_records_it(running: tuple[Path, EmulatorInfo]) -> None:
    work_dir, info = running
    assert info.port > 0 and info.endpoint == f"http://127.0.0.1:{info.port}"
    assert json.loads((work_dir / "emulator.json").read_text()) == {
        "pid": info.pid,
        "port": info.port,
        "endpoint": info.endpoint,
        "started": process_start(info.pid),
    }
    assert server.answers(info.endpoint)
    assert (work_dir / "logs" / "emulator.log").is_file()


def test_binds_loopback_only(running: tuple[Path, EmulatorInfo]) -> None:
    _, info = running
    assert _listeners(info.port) == [LOOPBACK_HEX]


def test_status_and_idempotent_start(running: tuple[Path, EmulatorInfo]) -> None:
    work_dir, info = running
    assert server.status(work_dir) == info
    assert server.start(work_dir) == info  # the running one, no second process


def test_status_without_emulator(tmp_path: Path) -> None:
    assert server.status(tmp_path) is None
    assert server.stop(tmp_path) is False


def test_stop_returns_only_once_the_process_is_gone(tmp_path: Path) -> None:
    """No grace: SIGTERM then SIGKILL at once, and still nothing left when stop returns."""
    for _ in range(3):
        info = server.start(tmp_path)
        assert server.stop(tmp_path, timeout=0) is True
        assert not _alive(info.pid)


def test_explicit_port(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    info = server.start(tmp_path, port=port)
    try:
        assert info.port == port
    finally:
        server.stop(tmp_path)


def test_stale_state_file_is_replaced_and_stop_cleans_up(tmp_path: Path) -> None:
    state = tmp_path / "emulator.json"
    state.write_text(json.dumps({"pid": 2**22 + 12345, "port": 1, "endpoint": "http://127.0.0.1:1"}))
    assert server.status(tmp_path) is None  # dead pid: not running
    info = server.start(tmp_path)
    assert info.pid != 2**22 + 12345 and server.answers(info.endpoint)

    assert server.stop(tmp_path) is True
    assert not state.exists()
    assert not _alive(info.pid)
    assert not server.answers(info.endpoint, timeout=0.5)
    assert server.status(tmp_path) is None
    assert server.stop(tmp_path) is False
