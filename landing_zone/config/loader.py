"""Load project.yaml keeping line numbers, so every error can point at its line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from landing_zone.config.errors import ConfigError, Problem
from landing_zone.config.model import Project

Loc = tuple[str | int, ...]


def render_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class SourceMap:
    """(line, col) of every key and item of the document, 1-based."""

    def __init__(self, text: str, root: Any):
        self.lines = text.splitlines()
        self._pos: dict[Loc, tuple[int, int]] = {(): (1, 1)}
        self._walk(root, ())

    def _walk(self, node: Any, loc: Loc) -> None:
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                line, col = node.lc.key(key)
                self._pos[(*loc, key)] = (line + 1, col + 1)
                vline, vcol = node.lc.value(key)
                self._pos[(*loc, key, "<value>")] = (vline + 1, vcol + 1)
                self._walk(value, (*loc, key))
        elif isinstance(node, CommentedSeq):
            for i, value in enumerate(node):
                line, col = node.lc.item(i)
                self._pos[(*loc, i)] = (line + 1, col + 1)
                self._walk(value, (*loc, i))

    def locate(self, loc: Loc) -> tuple[int, int]:
        """Position of `loc`, or of its nearest ancestor (a missing key points at its parent)."""
        loc = tuple(loc)
        while loc not in self._pos:
            loc = loc[:-1]
        return self._pos[loc]

    def raw_value(self, loc: Loc) -> str:
        line, col = self._pos[(*loc, "<value>")]
        match = re.match(r"[^\s,}\]#]+", self.lines[line - 1][col - 1 :])
        return match.group(0) if match else ""

    def problem(self, loc: Loc, message: str) -> Problem:
        line, col = self.locate(loc)
        return Problem(line, col, render_path(loc), message)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def _account_id_fixes(data: Any, source: SourceMap) -> Iterator[tuple[Loc, str, Problem]]:
    """YAML reads an unquoted 000123456789 as the number 123456789: recover the digits."""
    accounts = (data.get("organization") or {}).get("accounts") if isinstance(data, dict) else None
    if not isinstance(accounts, list):
        return
    for i, acct in enumerate(accounts):
        if isinstance(acct, dict) and isinstance(acct.get("id"), int) and not isinstance(acct["id"], bool):
            loc: Loc = ("organization", "accounts", i, "id")
            raw = source.raw_value(loc)
            digits = raw if raw.isdigit() else str(acct["id"])
            note = source.problem(loc, f"account id {raw} is unquoted, so YAML reads it as a number; "
                                       f"using '{digits}' (quote it to silence this)")
            yield loc, digits, note


def _translate(err: ValidationError, source: SourceMap) -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        msg = e["msg"]
        if e["type"] == "missing":
            msg = f"required key '{loc[-1]}' is missing"
        elif e["type"] == "extra_forbidden":
            msg = f"unknown key '{loc[-1]}'"
        elif e["type"] == "string_pattern_mismatch":
            msg = f"{e['input']!r} does not match {e['ctx']['pattern']}"
        elif e["type"] == "literal_error":
            msg = f"{e['input']!r} is not one of {e['ctx']['expected']}"
        problems.append(source.problem(loc, msg))
    return problems


def parse_project(text: str, file: Path) -> tuple[Project, list[Problem]]:
    """Parse and check project.yaml text; raises ConfigError with every problem found."""
    from landing_zone.config.validate import validate  # the semantic checks

    try:
        doc = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise ConfigError(file, [Problem(line, col, "", f"YAML syntax error: {exc.problem or exc.context}")]) from None
    if not isinstance(doc, CommentedMap):
        raise ConfigError(file, [Problem(1, 1, "", "expected a mapping of settings at the top level")])
    source = SourceMap(text, doc)
    data = _plain(doc)
    warnings = []
    for (_, _, i, _), digits, note in _account_id_fixes(data, source):
        data["organization"]["accounts"][i]["id"] = digits
        warnings.append(note)
    try:
        project = Project.model_validate(data)
    except ValidationError as err:
        raise ConfigError(file, _translate(err, source)) from None
    problems = validate(project, file.parent, source)
    if problems:
        raise ConfigError(file, problems)
    project._source = file
    return project, warnings


def load_project(path: Path | str) -> tuple[Project, list[Problem]]:
    """Read and check project.yaml; returns the model and non-fatal warnings."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, [Problem(0, 0, "", "file not found (set --config or LZ_CONFIG)")]) from None
    except OSError as exc:
        raise ConfigError(file, [Problem(0, 0, "", f"cannot read: {exc.strerror}")]) from None
    return parse_project(text, file)
