"""The per-stack result each CI job leaves (`lz plan|up --summary FILE`), read back by the comment job.

JSON, one file per job: jobs run on separate runners and meet again only as artifacts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from landing_zone.fsutil import atomic_write_text

ACCESS_FILE = "access.txt"  # `lz access --diff` of the pull request, beside the stack summaries
UNCHANGED = ("no changes", "unchanged (skipped; --refresh to plan)")


@dataclass(frozen=True)
class StackResult:
    stack: str
    account: str
    layer: str
    status: str  # the task's: done, failed, skipped (a dependency failed)
    detail: str  # what terraform said: "no changes", "2 to add, 1 to change", a failure's reason
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return self.status == "done" and self.detail not in UNCHANGED

    @property
    def failed(self) -> bool:
        return self.status != "done"


def write(path: Path, action: str, results: list[StackResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"action": action, "stacks": [asdict(r) for r in results]}
    atomic_write_text(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")


class BadSummary(ValueError):
    pass


def read_dir(directory: Path) -> list[StackResult]:
    """Every stack result in the directory's `*.json` files (the artifacts, merged), by stack name."""
    found: dict[str, StackResult] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            results = [StackResult(**row) for row in doc["stacks"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BadSummary(f"{path}: not a stack summary of `lz plan --summary` ({exc})") from None
        found.update((r.stack, r) for r in results)
    return [found[name] for name in sorted(found)]


def read_access(directory: Path) -> str | None:
    try:
        return (directory / ACCESS_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
