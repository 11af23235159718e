"""Live progress: one line per stack (rich Live on a terminal, plain lines elsewhere)."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table

from landing_zone.deploy.graph import DONE, FAILED, PENDING, RUNNING, SKIPPED, Task

_STYLE = {PENDING: "dim", RUNNING: "yellow", DONE: "green", FAILED: "bold red", SKIPPED: "magenta"}


class Progress:
    def __init__(self, tasks: list[Task], title: str, console: Console | None = None):
        self.tasks, self.title = tasks, title
        self.console = console or Console(stderr=True)
        self.live: Live | None = None

    def _table(self) -> Table:
        table = Table(title=self.title, show_edge=False, expand=False)
        for col in ("stack", "state", "time", "detail"):
            table.add_column(col)
        now = time.monotonic()
        for t in self.tasks:
            secs = t.seconds or (now - t.started if t.status == RUNNING else 0)
            table.add_row(t.name, f"[{_STYLE[t.status]}]{t.status}", f"{secs:5.1f}s" if secs else "", t.detail)
        return table

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self.live = Live(self._table(), console=self.console, refresh_per_second=4, get_renderable=self._table)
            self.live.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self.live:
            self.live.__exit__(et, e, tb)

    def changed(self, task: Task) -> None:
        if self.live is None and task.status != PENDING:
            timing = f" ({task.seconds:.1f}s)" if task.status in (DONE, FAILED) else ""
            detail = f": {task.detail}" if task.detail else ""
            self.console.print(f"{task.name}: {task.status}{timing}{detail}", highlight=False)
