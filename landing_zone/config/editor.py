"""The one writer of project.yaml: set a scalar at a YAML path, changing nothing else.

ruamel's round trip keeps comments and key order but re-spaces flow mappings (the aligned
`- {name: security,   email: …}` lines of the reference file). So ruamel only locates the
value; the edit touches that value's characters (or inserts one `key: value`), and a
re-parse checks that the document changed in exactly that value. Only if the edit can't
be placed does the full round-trip dump write the file. Writes keep the file's mode.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from landing_zone import naming
from landing_zone.config.errors import ConfigError, Problem
from landing_zone.config.loader import parse_project
from landing_zone.config.model import Project
from landing_zone.fsutil import write_keeping_mode

# A step of a path: a mapping key, or the list item whose keys have these values.
Step = str | Mapping[str, str]
Scalar = str | bool | int


class EditError(Exception):
    """project.yaml has no place for the value (e.g. the account is missing)."""


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


def _describe(path: tuple[Step, ...]) -> str:
    parts = []
    for step in path:
        if isinstance(step, str):
            parts.append(step)
        else:
            parts.append("[" + ", ".join(f"{k}: {v}" for k, v in step.items()) + "]")
    return ".".join(parts).replace(".[", "[")


def _walk(doc: Any, path: tuple[Step, ...]) -> Any:
    """The container `path` leads to (a mapping), or EditError naming the step that is missing."""
    node = doc
    for i, step in enumerate(path):
        if isinstance(step, str) and isinstance(node, CommentedMap) and isinstance(node.get(step), (CommentedMap, CommentedSeq)):
            node = node[step]
            continue
        if isinstance(step, Mapping) and isinstance(node, CommentedSeq):
            match = next((item for item in node if isinstance(item, CommentedMap) and all(str(item.get(k)) == v for k, v in step.items())), None)
            if match is not None:
                node = match
                continue
        raise EditError(f"project.yaml has no {_describe(path[: i + 1])}")
    if not isinstance(node, CommentedMap):
        raise EditError(f"project.yaml: {_describe(path)} is not a mapping")
    return node


def get_scalar(text: str, path: tuple[Step, ...], key: str) -> Any:
    """The value of `key` in the mapping at `path` as written (None when missing)."""
    return _walk(_yaml().load(text), path).get(key)


def _render(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _node(value: Scalar) -> Any:
    return SingleQuotedScalarString(value) if isinstance(value, str) else value


def _line_offsets(text: str) -> list[int]:
    offsets, pos = [], 0
    for line in text.splitlines(keepends=True):
        offsets.append(pos)
        pos += len(line)
    offsets.append(pos)
    return offsets


def _scalar_end(text: str, start: int) -> int:
    if text[start] in "'\"":
        quote, i = text[start], start + 1
        while i < len(text):
            if text[i] == quote:
                if quote == "'" and text[i + 1 : i + 2] == "'":  # '' escapes a quote
                    i += 2
                    continue
                return i + 1
            i += 2 if quote == '"' and text[i] == "\\" else 1
        return len(text)
    i = start
    while i < len(text) and text[i] not in ",}]#\r\n":
        i += 1
    return len(text[start:i].rstrip()) + start


def _flow_end(text: str, start: int) -> int:
    """Offset of the `}` closing the flow mapping that opens at `start`."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c in "'\"":
            i = _scalar_end(text, i)
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unclosed flow mapping")


def _block_end(text: str, mapping: CommentedMap) -> int:
    """Offset just past the last content line of a block mapping (comments after it stay after)."""
    lines = text.splitlines(keepends=True)
    offsets = _line_offsets(text)
    first, last = next(iter(mapping)), list(mapping)[-1]
    key_col = mapping.lc.key(first)[1]
    end_line = mapping.lc.key(last)[0]
    indentless_seq = isinstance(mapping[last], CommentedSeq)
    for n in range(end_line + 1, len(lines)):
        content = lines[n].strip()
        if not content or content.startswith("#"):
            continue
        indent = len(lines[n]) - len(lines[n].lstrip(" "))
        if indent > key_col or (indent == key_col and indentless_seq and content.startswith("-")):
            end_line = n
            continue
        break
    at = offsets[end_line + 1]
    return at


def _surgical(text: str, path: tuple[Step, ...], key: str, value: Scalar) -> str:
    mapping = _walk(_yaml().load(text), path)
    rendered = _render(value)
    offsets = _line_offsets(text)
    if key in mapping:
        line, col = mapping.lc.value(key)
        start = offsets[line] + col
        if text[start] in "\r\n":  # `key:` with nothing after it: the value position is past the key
            return text[:start] + " " + rendered + text[start:]
        return text[:start] + rendered + text[_scalar_end(text, start) :]
    if not mapping:
        raise ValueError("an empty mapping has no position to insert at")
    line, col = mapping.lc.key(next(iter(mapping)))
    if mapping.fa.flow_style():
        start = text.rindex("{", 0, offsets[line] + col)
        end = _flow_end(text, start)
        inner = text[start + 1 : end].rstrip()
        return text[: start + 1] + inner + f", {key}: {rendered}" + text[end:]
    at = _block_end(text, mapping)
    nl = "" if text[:at].endswith("\n") else "\n"
    return text[:at] + nl + " " * col + f"{key}: {rendered}\n" + text[at:]


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node if isinstance(node, (bool, int, float)) or node is None else str(node)


def set_scalar(text: str, path: tuple[Step, ...], key: str, value: Scalar) -> str:
    """`text` with `key` of the mapping at `path` set to `value` (strings single-quoted)."""
    doc = _yaml().load(text)
    if doc is None and not path:
        return text + ("" if not text or text.endswith("\n") else "\n") + f"{key}: {_render(value)}\n"
    _walk(doc, path)[key] = _node(value)
    expected = _plain(doc)
    try:
        edited = _surgical(text, path, key, value)
        if _plain(_yaml().load(edited)) == expected:
            return edited
    except Exception:
        pass
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def edit_file(path: Path, edit: Callable[[str], str]) -> str:
    """Apply `edit` to the file's text and write it back atomically, keeping its mode."""
    text = edit(path.read_text(encoding="utf-8"))
    write_keeping_mode(path, text)
    return text


# The places lz itself writes.
MANAGEMENT_ACCOUNT: tuple[Step, ...] = ("organization", "accounts", {"name": naming.MANAGEMENT})
# Stands in for a missing management id while the rest of the file is validated.
PLACEHOLDER_ID = "000000000000"


def management_id(text: str) -> str | None:
    """The management id as written (None when the key is missing or empty)."""
    value = get_scalar(text, _management_path(text), "id")
    return None if value in (None, "") else str(value)


def _management_path(text: str) -> tuple[Step, ...]:
    try:
        _walk(_yaml().load(text), MANAGEMENT_ACCOUNT)
    except EditError:
        raise EditError(f"project.yaml has no account named '{naming.MANAGEMENT}' under organization.accounts") from None
    return MANAGEMENT_ACCOUNT


def with_management_id(text: str, account_id: str) -> str:
    """`text` with the management account's `id` set to `account_id` (quoted)."""
    return set_scalar(text, _management_path(text), "id", account_id)


# Where the MFA switch may be spelled: ours, and the reference's two (config/model.py reads
# them as require_mfa and refuses a file whose switches disagree).
MFA_SWITCHES: tuple[tuple[tuple[Step, ...], str], ...] = (((), "require_mfa"), ((), "mfa_enabled"), (("meta",), "enable_mfa"))


def with_require_mfa(text: str, enabled: bool) -> str:
    """`text` with the MFA switch set: every spelling the file uses (so they keep agreeing),
    else a top-level `require_mfa` added at the end."""
    present = [(path, key) for path, key in MFA_SWITCHES if _has(text, path, key)]
    for path, key in present or [((), "require_mfa")]:
        text = set_scalar(text, path, key, enabled)
    return text


def _has(text: str, path: tuple[Step, ...], key: str) -> bool:
    try:
        return key in _walk(_yaml().load(text), path)
    except EditError:
        return False


def load_allowing_missing_management_id(path: Path) -> tuple[Project, list[Problem], bool]:
    """Load project.yaml; a missing management id is filled with a placeholder.

    The first BOOTSTRAP configure learns the id from the keys, so the id must not be
    required before it; every other problem in the file is still reported first.
    Returns (project, warnings, id_missing).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [Problem(0, 0, "", f"cannot read: {exc.strerror}")]) from None
    try:
        missing = management_id(text) is None
    except Exception:
        missing = False
    if missing:
        text = with_management_id(text, PLACEHOLDER_ID)
    project, warnings = parse_project(text, path)
    return project, warnings, missing


def account_ids(text: str) -> dict[str, str]:
    """Account name → id as written under organization.accounts (accounts without one left out)."""
    doc = _yaml().load(text)
    accounts = (doc.get("organization") or {}).get("accounts") if isinstance(doc, CommentedMap) else None
    if not isinstance(accounts, CommentedSeq):
        return {}
    return {str(a["name"]): str(a["id"]) for a in accounts if isinstance(a, CommentedMap) and a.get("name") and a.get("id") not in (None, "")}


def with_account_ids(text: str, ids: dict[str, str]) -> str:
    """`text` with each account's `id` set (quoted), in one pass over the accounts."""
    for name, account_id in ids.items():
        path: tuple[Step, ...] = ("organization", "accounts", {"name": name})
        if get_scalar(text, path, "id") != account_id:
            text = set_scalar(text, path, "id", account_id)
    return text


def _flow(item: dict[str, Any]) -> CommentedMap:
    """One `- {name: …, email: …}` line per account, as the reference writes them."""
    node = CommentedMap((k, SingleQuotedScalarString(v) if k == "id" else v) for k, v in item.items())
    node.fa.set_flow_style()
    return node


def with_organization(text: str, organization: dict[str, Any], notes: list[str]) -> str:
    """`text` with its `organization` block replaced (`lz adopt`), `notes` as comments above it;
    the rest of the document kept, comments included (a full round trip: the block is new)."""
    doc = _yaml().load(text) if text.strip() else CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise EditError("project.yaml is not a mapping")
    block = CommentedMap()
    for key, value in organization.items():
        block[key] = CommentedSeq(_flow(item) for item in value)
    doc["organization"] = block
    if notes:
        lines = ["lz adopt found these and cannot express them in project.yaml; lz leaves them alone:", *(f"- {note}" for note in notes)]
        doc.yaml_set_comment_before_after_key("organization", before="\n".join(lines))
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def with_users(text: str, users: list[dict[str, Any]]) -> str:
    """`text` with the Identity Center users `lz adopt` found added to `users` (one flow line
    each); a user the file names already (same email) keeps its entry."""
    doc = _yaml().load(text) if text.strip() else CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise EditError("project.yaml is not a mapping")
    existing = doc.get("users")
    block = existing if isinstance(existing, CommentedSeq) else CommentedSeq()
    known = {str(u.get("email", "")).lower() for u in block if isinstance(u, Mapping)}
    for user in users:
        if user["email"].lower() not in known:
            node = CommentedMap(user)
            if "groups" in node:
                node["groups"] = CommentedSeq(node["groups"])
                node["groups"].fa.set_flow_style()
            node.fa.set_flow_style()
            block.append(node)
    if not block:
        return text
    doc["users"] = block
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()
