"""Load project.yaml keeping line numbers, so every error can point at its line."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from landing_zone.config.errors import ConfigError, Problem, suggest
from landing_zone.config.files import read_regular_file
from landing_zone.config.model import PATTERN_HINTS, Project

Loc = tuple[str | int, ...]

MAX_PROJECT_BYTES = 1 << 20  # 1 MiB; a 100-account project is ~30 KB, and ruamel reads ~50 KB/s
MAX_BRACKET_DEPTH = 64  # YAML scanners slow down with the square of [ { nesting: check first
MAX_VALUES = 100_000  # values once aliases are expanded: stops alias bombs (a billion laughs)
YAML_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


class _ValueProblem(ConstructorError):
    """A value YAML cannot represent here (unknown tag, unreadable number or date)."""


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, refusing unknown tags and reporting bad values at their line."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node.tag not in YAML_TAGS:
            shown = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _ValueProblem(problem=f"unsupported tag '{shown}' (project.yaml takes plain values)", problem_mark=node.start_mark)
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # a 5000-digit number, a 2020-13-45 date
            reason = str(exc).split(";")[0]
            raise _ValueProblem(problem=f"cannot read this value: {reason}", problem_mark=node.start_mark) from None


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
                # A key merged in with `<<: *anchor` has no position of its own: use the mapping's.
                line, col = node.lc.key(key) if key in node.lc.data else (node.lc.line, node.lc.col)
                vline, vcol = node.lc.value(key) if key in node.lc.data else (line, col)
                name = _key(key)
                self._pos[(*loc, name, "<key>")] = (line + 1, col + 1)
                self._pos[(*loc, name, "<value>")] = (vline + 1, vcol + 1)
                # A scalar's problems point at the value itself; a block's (and an empty
                # value's, which ruamel places after the key) at its key.
                scalar = value is not None and not isinstance(value, CommentedMap | CommentedSeq)
                self._pos[(*loc, name)] = self._pos[(*loc, name, "<value>" if scalar else "<key>")]
                self._walk(value, (*loc, name))
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

    def problem(self, loc: Loc, message: str, *, at_key: bool = False) -> Problem:
        """A problem at `loc`; `at_key` points at the key itself (it is the key that is wrong)."""
        key = (*loc, "<key>")
        line, col = self._pos[key] if at_key and key in self._pos else self.locate(loc)
        return Problem(line, col, render_path(loc), message)


def _key(key: Any) -> str:
    """A mapping key as the model sees it: YAML's own spelling for true/false/null keys."""
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    return str(key)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {_key(k): _plain(v) for k, v in node.items()}
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
    organization = data.get("organization") if isinstance(data, dict) else None
    accounts = organization.get("accounts") if isinstance(organization, dict) else None
    if not isinstance(accounts, list):
        return
    for i, acct in enumerate(accounts):
        if isinstance(acct, dict) and isinstance(acct.get("id"), int) and not isinstance(acct["id"], bool):
            loc: Loc = ("organization", "accounts", i, "id")
            raw = source.raw_value(loc)
            digits = raw if raw.isdigit() else str(acct["id"])
            note = source.problem(loc, f"account id {raw} is unquoted, so YAML reads it as a number; using '{digits}' (quote it to silence this)")
            yield loc, digits, note


# pydantic error type -> what the YAML value should have been
EXPECTED = {
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
}


def _unwrap(tp: Any) -> Any:
    """The type inside Optional[...] / Annotated[...]."""
    while get_origin(tp) in (Union, UnionType, Annotated):
        tp = next(a for a in get_args(tp) if a is not type(None))
    return tp


def model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class describing the mapping at `loc` (None when it is not a model)."""
    tp: Any = Project
    for part in loc:
        tp = _unwrap(tp)
        if get_origin(tp) is list:
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
            tp = tp.model_fields[str(part)].annotation
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unknown_key(loc: Loc) -> str:
    key = str(loc[-1])
    model = model_at(loc[:-1])
    allowed = list(model.model_fields) if model else []
    hint = suggest(key, allowed) or (f" (allowed: {', '.join(allowed)})" if allowed else "")
    return f"unknown key '{key}'{hint}"


def _describe(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{value!r}"


def _wrong_type(expected: str, value: Any) -> str:
    quote = " (quote it to make it a string)" if expected == "a string" and isinstance(value, int | float) else ""
    return f"expected {expected}, got {_describe(value)}{quote}"


def _pattern(value: Any, pattern: str) -> str:
    hint = PATTERN_HINTS.get(pattern)
    return f"{value!r} is not {hint}" if hint else f"{value!r} does not match {pattern}"


def _literal(value: Any, expected: str) -> str:
    choices = re.findall(r"'([^']*)'", expected)
    return f"{value!r} is not one of {', '.join(choices)}{suggest(str(value), choices)}"


def _message(e: ErrorDetails) -> str:
    kind, loc, value, ctx = e["type"], tuple(e["loc"]), e["input"], e.get("ctx") or {}
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind in EXPECTED:
        return _wrong_type(EXPECTED[kind], value)
    if kind == "string_pattern_mismatch":
        return _pattern(value, ctx["pattern"])
    if kind == "literal_error":
        return _literal(value, ctx["expected"])
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "greater_than":
        return f"must be greater than {ctx['gt']}, got {value}"
    return str(e["msg"])


def _translate(err: ValidationError, source: SourceMap) -> list[Problem]:
    return [source.problem(tuple(e["loc"]), _message(e), at_key=e["type"] == "extra_forbidden") for e in err.errors()]


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _bracket_depth(text: str) -> Problem | None:
    """Brackets nested too deep, found before a YAML parser spends minutes on them.

    Counts every bracket, quoted or not: a false alarm needs 64 unclosed brackets in text.
    """
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > MAX_BRACKET_DEPTH:
            line, col = _line_col(text, match.start())
            return Problem(line, col, "", f"YAML error: brackets nested more than {MAX_BRACKET_DEPTH} deep")
    return None


def _count_values(root: Any) -> Problem | None:
    """More than MAX_VALUES values once aliases are expanded: the walks below would never end.

    Each node is sized once (aliases share the node object), so a bomb is found in linear time.
    ruamel resolves an alias inside its own anchor to None, so the structure is never cyclic.
    """
    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        if not isinstance(node, CommentedMap | CommentedSeq):
            return 1
        if id(node) not in sizes:
            children = node.values() if isinstance(node, CommentedMap) else node
            sizes[id(node)] = 1 + sum(size(child) for child in children)
        return sizes[id(node)]

    if size(root) > MAX_VALUES:
        return Problem(1, 1, "", f"YAML error: more than {MAX_VALUES} values once aliases are expanded")
    return None


def _read_yaml(text: str, file: Path) -> Any:
    """The round-trip document; ConfigError for what cannot be a project.yaml."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PROJECT_BYTES:
        raise ConfigError(file, [Problem(0, 0, "", f"larger than {MAX_PROJECT_BYTES} bytes (1 MiB), not a project.yaml")])
    if too_deep := _bracket_depth(text):
        raise ConfigError(file, [too_deep])
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        doc = yaml.load(text)
    except RecursionError:  # block nesting (`- - - - …`) deeper than Python's stack
        raise ConfigError(file, [Problem(0, 0, "", "YAML error: nested too deep")]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        kind = "YAML error" if isinstance(exc, _ValueProblem) else "YAML syntax error"
        raise ConfigError(file, [Problem(line, col, "", f"{kind}: {exc.problem or exc.context}")]) from None
    except YAMLError as exc:  # e.g. a control character: the reader reports an offset, not a mark
        line, col = _line_col(text, getattr(exc, "position", 0) or 0)
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        if isinstance(character := getattr(exc, "character", None), int):
            reason = f"{reason} (character #x{character:04x})"
        raise ConfigError(file, [Problem(line, col, "", f"YAML error: {reason}")]) from None
    if isinstance(doc, CommentedMap | CommentedSeq) and (too_big := _count_values(doc)):
        raise ConfigError(file, [too_big])
    return doc


def _without_unknown_keys(data: dict[str, Any], err: ValidationError) -> dict[str, Any] | None:
    """`data` minus its unknown keys, when they are the only shape errors (else None)."""
    errors = err.errors()
    if any(e["type"] != "extra_forbidden" for e in errors):
        return None
    pruned = copy.deepcopy(data)
    for e in errors:
        *parents, key = e["loc"]
        node: Any = pruned
        for part in parents:
            node = node[part]
        node.pop(key, None)
    return pruned


def parse_project(text: str, file: Path) -> tuple[Project, list[Problem]]:
    """Parse and check project.yaml text; raises ConfigError with every problem found."""
    from landing_zone.config.validate import validate, warnings_of  # the semantic checks

    doc = _read_yaml(text, file)
    if doc is None:
        empty = "the file is empty: expected project_name, short_name and organization"
        raise ConfigError(file, [Problem(1, 1, "", empty)])
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
        problems = _translate(err, source)
        # An unknown key must not hide the rest: check the file without it (README: every problem at once).
        pruned = _without_unknown_keys(data, err)
        if pruned is not None:
            try:
                problems += validate(Project.model_validate(pruned), file.parent, source)
            except ValidationError:
                pass
        raise ConfigError(file, problems) from None
    problems = validate(project, file.parent, source)
    if problems:
        raise ConfigError(file, problems)
    project._source = file
    return project, sorted(warnings + warnings_of(project, file.parent, source))


def load_project(path: Path | str) -> tuple[Project, list[Problem]]:
    """Read and check project.yaml; returns the model and non-fatal warnings."""
    file = Path(path)
    try:
        text = read_regular_file(file, MAX_PROJECT_BYTES, "a project.yaml (the limit is 1 MiB)").decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(file, [Problem(0, 0, "", "file not found (set --config or LZ_CONFIG)")]) from None
    except OSError as exc:
        raise ConfigError(file, [Problem(0, 0, "", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte {exc.start} is 0x{exc.object[exc.start]:02x})"
        raise ConfigError(file, [Problem(0, 0, "", reason)]) from None
    except ValueError as exc:  # a FIFO or device, or over the size limit
        raise ConfigError(file, [Problem(0, 0, "", str(exc))]) from None
    return parse_project(text, file)
