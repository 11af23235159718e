"""Write the management account id into project.yaml, changing nothing else.

ruamel's round trip keeps comments and key order but re-spaces flow mappings (the aligned
`- {name: security,   email: …}` lines of the reference file). So ruamel locates the
account, the edit touches only that value's characters, and a re-parse checks that the
document changed in exactly that value; only if the edit can't be placed does the full
round-trip dump write the file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from landing_zone import naming
from landing_zone.config import ConfigError, Problem, Project
from landing_zone.config.loader import parse_project
from landing_zone.postdeploy.awsdir import write_keeping_mode
from landing_zone.postdeploy.errors import PostdeployError

# Stands in for a missing management id while the rest of the file is validated.
PLACEHOLDER_ID = "000000000000"


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


def _management_entry(doc: Any) -> tuple[CommentedSeq, int, CommentedMap]:
    accounts = (doc.get("organization") or {}).get("accounts") if isinstance(doc, CommentedMap) else None
    if isinstance(accounts, CommentedSeq):
        for i, acct in enumerate(accounts):
            if isinstance(acct, CommentedMap) and acct.get("name") == naming.MANAGEMENT:
                return accounts, i, acct
    raise PostdeployError(f"project.yaml has no account named '{naming.MANAGEMENT}' under organization.accounts")


def management_id(text: str) -> str | None:
    """The management id as written (None when the key is missing or empty)."""
    _, _, acct = _management_entry(_yaml().load(text))
    value = acct.get("id")
    return None if value in (None, "") else str(value)


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


def _surgical_edit(text: str, account_id: str) -> str:
    seq, index, acct = _management_entry(_yaml().load(text))
    offsets = _line_offsets(text)
    quoted = f"'{account_id}'"
    if "id" in acct:
        line, col = acct.lc.value("id")
        start = offsets[line] + col
        if text[start] == "\n":  # `id:` with nothing after it: the value position is past the key
            return text[:start] + " " + quoted + text[start:]
        return text[:start] + quoted + text[_scalar_end(text, start) :]
    line, col = seq.lc.item(index)
    start = offsets[line] + col
    if text[start] == "{":
        end = _flow_end(text, start)
        inner = text[start + 1 : end].rstrip()
        sep = ", " if inner.strip() else ""
        return text[: start + 1] + inner + f"{sep}id: {quoted}" + text[end:]
    # Block mapping: a new line after the last key's value, at the keys' indentation.
    last_key = list(acct.keys())[-1]
    key_col = acct.lc.key(last_key)[1]
    value_line = acct.lc.value(last_key)[0]
    at = offsets[value_line + 1]
    nl = "" if text[:at].endswith("\n") else "\n"
    return text[:at] + nl + " " * key_col + f"id: {quoted}\n" + text[at:]


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node if isinstance(node, (bool, int, float)) or node is None else str(node)


def with_management_id(text: str, account_id: str) -> str:
    """`text` with the management account's `id` set to `account_id` (quoted)."""
    expected = _plain(_yaml().load(text))
    _, index, _ = _management_entry(_yaml().load(text))
    expected["organization"]["accounts"][index]["id"] = account_id
    try:
        edited = _surgical_edit(text, account_id)
        if _plain(_yaml().load(edited)) == expected:
            return edited
    except Exception:  # noqa: BLE001 - any surprise in the text edit falls back to the dump
        pass
    y = _yaml()
    doc = y.load(text)
    _, _, acct = _management_entry(doc)
    acct["id"] = SingleQuotedScalarString(account_id)
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def write_management_id(path: Path, account_id: str) -> None:
    write_keeping_mode(path, with_management_id(path.read_text(encoding="utf-8"), account_id))


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
    except PostdeployError:
        missing = False  # let the loader report the missing account with its line
    except Exception:  # noqa: BLE001 - YAML errors are reported by the loader below
        missing = False
    if missing:
        text = with_management_id(text, PLACEHOLDER_ID)
    project, warnings = parse_project(text, path)
    return project, warnings, missing
