"""Config problems as `file:line:col: yaml.path: message` lines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
