"""Wall time and peak memory of one command's whole process tree (Linux, no extra deps).

`lz synth` runs a node child (the jsii kernel) and `lz up` runs terraform and provider
processes, so the memory figure is the peak of the *sum* of RSS over the command and all
its descendants, sampled from /proc every `interval` seconds. `os.wait4` gives, besides,
the largest single process of the tree (RUSAGE_CHILDREN semantics): a lower bound that a
sample can't miss.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    tree_rss: int  # bytes: peak of the summed RSS of the tree (sampled)
    max_rss: int  # bytes: largest single process (wait4)
    returncode: int
    output: str = ""
    cpu: float = 0.0  # seconds of user + system CPU of the tree (processes that were waited for)

    @property
    def peak_rss(self) -> int:
        return max(self.tree_rss, self.max_rss)


def _processes() -> dict[int, tuple[int, int]]:
    """pid → (ppid, rss bytes) of every process we can read."""
    procs: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2 :].split()
        procs[int(entry.name)] = (int(rest[1]), int(rest[21]) * _PAGE)
    return procs


def tree_rss(root: int) -> int:
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += procs.get(pid, (0, 0))[1]
        todo.extend(children.get(pid, ()))
    return total


def run(cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str], interval: float = 0.1, check: bool = True, timeout: float = 3600) -> Sample:
    """Run `cmd` once, cold (a fresh process), and measure it; stdout and stderr are kept together."""
    peak = 0
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(interval):
                peak = max(peak, tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                raise TimeoutError(f"{' '.join(cmd)} ran longer than {timeout:.0f}s")
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        text = out.read().decode(errors="replace")
    sample_ = Sample(wall, peak, usage.ru_maxrss * 1024, proc.returncode, text, usage.ru_utime + usage.ru_stime)
    if check and proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{text[-4000:]}")
    return sample_


@dataclass(frozen=True)
class Figure:
    """The median of N cold runs of one row."""

    samples: tuple[Sample, ...]

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def rss(self) -> int:
        return int(statistics.median(s.peak_rss for s in self.samples))

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def spread(self) -> tuple[float, float]:
        walls = [s.wall for s in self.samples]
        return min(walls), max(walls)


def fmt_seconds(s: float) -> str:
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def fmt_bytes(b: int) -> str:
    return f"{b / 2**20:.0f} MB" if b < 2**30 else f"{b / 2**30:.2f} GB"
