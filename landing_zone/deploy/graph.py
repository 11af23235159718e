"""Run stack tasks in dependency order, independent ones in parallel (bounded)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

PENDING, RUNNING, DONE, FAILED, SKIPPED = "pending", "running", "done", "failed", "skipped"


@dataclass
class Task:
    name: str
    account: str
    layer: str
    deps: list[str] = field(default_factory=list)
    status: str = PENDING
    detail: str = ""
    started: float = 0.0
    seconds: float = 0.0
    error: Exception | None = None


def run_graph(
    tasks: list[Task],
    work: Callable[[Task], str],
    *,
    parallel: int,
    on_change: Callable[[Task], None] = lambda t: None,
    after: Callable[[Task], None] = lambda t: None,
    abort: Callable[[], None] = lambda: None,
) -> list[Task]:
    """Run `work(task)` once its deps are DONE; a failure skips its dependants, others go on.

    `after(task)` runs in this (the coordinating) thread when a task succeeds, before its
    dependants start: the place for work that must not run concurrently (re-synthesis).
    `abort()` runs when this thread is interrupted (Ctrl-C), before it waits for the
    running tasks: it must make them return (stop their processes).
    """
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        try:
            return _schedule(tasks, work, pool, parallel, on_change, after)
        except BaseException:
            abort()
            raise


def _schedule(
    tasks: list[Task], work: Callable[[Task], str], pool: ThreadPoolExecutor, parallel: int, on_change: Callable[[Task], None], after: Callable[[Task], None]
) -> list[Task]:
    by_name = {t.name: t for t in tasks}
    running: dict[Future[str], Task] = {}
    while True:
        progressed = False
        for t in tasks:
            if t.status != PENDING:
                continue
            dep_states = {by_name[d].status for d in t.deps if d in by_name}
            if dep_states & {FAILED, SKIPPED}:
                t.status, t.detail, progressed = SKIPPED, "a dependency failed", True
                on_change(t)
            elif dep_states <= {DONE} and len(running) < parallel:
                t.status, t.started = RUNNING, time.monotonic()
                on_change(t)
                running[pool.submit(work, t)] = t
        if not running:
            if progressed:
                continue  # a skip may propagate to the skipped task's dependants
            if any(t.status == PENDING for t in tasks):
                raise RuntimeError("stack dependency cycle: " + ", ".join(t.name for t in tasks if t.status == PENDING))
            return tasks
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in finished:
            t = running.pop(fut)
            t.seconds = time.monotonic() - t.started
            try:
                t.detail = fut.result()
                after(t)
                t.status = DONE
            except Exception as exc:  # reported in the summary with the log to read
                t.status, t.error, t.detail = FAILED, exc, str(exc)
            on_change(t)
