"""Config problems as `file:line:col: yaml.path: message` lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path


def suggest(name: str, known: Iterable[str]) -> str:
    """The " (did you mean 'x'?)" suffix when `name` is close to one of `known`; else empty."""
    close = get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass(frozen=True, order=True)
class Problem:
    line: int  # 1-based; 0 when the location is unknown
    col: int
    path: str  # dotted YAML path, e.g. organization.accounts[1].email
    message: str

    def render(self, file: Path | str) -> str:
        where = f"{file}:{self.line}:{self.col}" if self.line else str(file)
        return f"{where}: {self.path or '<root>'}: {self.message}"


class ConfigError(Exception):
    """project.yaml is not usable; carries every problem found, in file order."""

    def __init__(self, file: Path | str, problems: list[Problem]):
        self.file = file
        self.problems = sorted(problems)
        super().__init__("\n".join(p.render(file) for p in self.problems))
