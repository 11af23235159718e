"""Read and update sections of an AWS CLI INI file, keeping every other line as it was.

configparser rewrites the whole file and drops comments, and the operator's ~/.aws files
hold profiles of other projects; so this is a small line-based updater. It only rewrites
the key lines it is told to set or delete; headers, comments, blank lines, unknown keys
and other sections pass through byte for byte. The syntax is botocore's (configparser's):
`[section]` headers, `key = value` or `key: value` lines starting at column 0, `#`/`;`
comment lines, and indented continuation lines that belong to the key above them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_HEADER = re.compile(r"^\[(?P<name>[^\]]*)\]")
_KEY = re.compile(r"^(?P<key>[^\s#;\[=:][^=:]*?)\s*[=:]\s*(?P<value>.*?)\s*$")

# Values to set per section; None deletes the key.
Updates = Mapping[str, Mapping[str, "str | None"]]


def _norm(name: str) -> str:
    # botocore splits `[profile  x]` on whitespace, so spacing inside a header doesn't matter.
    return " ".join(name.split())


@dataclass
class _Entry:
    """One key line with its continuation lines, or a run of other lines (key is None)."""

    key: str | None
    lines: list[str]


@dataclass
class _Section:
    name: str | None  # None: the lines before the first header
    header: list[str] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)

    def render(self) -> str:
        return "".join(self.header) + "".join(line for e in self.entries for line in e.lines)


def _parse(text: str) -> list[_Section]:
    sections = [_Section(None)]
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        header = _HEADER.match(bare)
        current = sections[-1]
        if header:
            sections.append(_Section(_norm(header.group("name")), header=[line]))
        elif (m := _KEY.match(bare)) and current.name is not None:
            current.entries.append(_Entry(m.group("key").strip(), [line]))
        elif bare[:1] in (" ", "\t") and bare.strip() and current.entries and current.entries[-1].key is not None:
            current.entries[-1].lines.append(line)  # continuation of the key above
        else:
            current.entries.append(_Entry(None, [line]))
    return sections


def read(text: str) -> dict[str, dict[str, str]]:
    """Section → key → value (first occurrence wins, continuation lines ignored)."""
    out: dict[str, dict[str, str]] = {}
    for section in _parse(text):
        if section.name is None:
            continue
        values = out.setdefault(section.name, {})
        for entry in section.entries:
            if entry.key is not None and entry.key not in values:
                m = _KEY.match(entry.lines[0].rstrip("\r\n"))
                values[entry.key] = m.group("value") if m else ""
    return out


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _update_section(section: _Section, values: Mapping[str, str | None], nl: str) -> None:
    done: set[str] = set()
    kept: list[_Entry] = []
    for entry in section.entries:
        if entry.key is None or entry.key not in values:
            kept.append(entry)
        elif entry.key not in done and values[entry.key] is not None:
            m = _KEY.match(entry.lines[0].rstrip("\r\n"))
            same = m is not None and m.group("value") == values[entry.key] and len(entry.lines) == 1
            # An unchanged value keeps its line as the operator wrote it.
            kept.append(entry if same else _Entry(entry.key, [f"{entry.key} = {values[entry.key]}{nl}"]))
            done.add(entry.key)
        # else: a deleted key, or a duplicate of one we set (botocore would refuse it)
    missing = [_Entry(k, [f"{k} = {v}{nl}"]) for k, v in values.items() if v is not None and k not in done]
    if missing:
        # After the section's last key line, so trailing comments that introduce the
        # next section stay where they are.
        last = max((i for i, e in enumerate(kept) if e.key is not None), default=-1)
        if last == -1 and section.header and not section.header[-1].endswith("\n"):
            section.header[-1] += nl
        if last >= 0 and not kept[last].lines[-1].endswith("\n"):
            kept[last].lines[-1] += nl
        kept[last + 1 : last + 1] = missing
    section.entries = kept


def update(text: str, updates: Updates) -> str:
    """`text` with each section of `updates` set: existing keys replaced in place, missing
    keys added after the section's last key, new sections appended in the given order."""
    nl = _newline(text)
    sections = _parse(text)
    by_name: dict[str, _Section] = {}
    for section in sections:
        if section.name is not None:
            by_name.setdefault(section.name, section)
    appended: list[str] = []
    for name, values in updates.items():
        name = _norm(name)
        if name in by_name:
            _update_section(by_name[name], values, nl)
            continue
        body = "".join(f"{k} = {v}{nl}" for k, v in values.items() if v is not None)
        appended.append(f"[{name}]{nl}{body}")
    out = "".join(s.render() for s in sections)
    for block in appended:
        if out and not out.endswith("\n"):
            out += nl
        if out.strip() and not out.endswith(nl + nl) and not out.endswith("\n\n"):
            out += nl  # a blank line between sections, as the AWS CLI writes them
        out += block
    return out
