"""The releases CHANGELOG.md lists: version and commit, newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.conftest import ROOT

_HEADING = re.compile(r"^## (\d+\.\d+\.\d+)\b", re.M)
_COMMIT = re.compile(r"^Commit: ([0-9a-f]{7,40})\b", re.M)


@dataclass(frozen=True)
class Release:
    version: str
    commit: str | None  # None: not cut yet


def releases() -> list[Release]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    heads = list(_HEADING.finditer(text))
    found = []
    for head, nxt in zip(heads, [*heads[1:], None], strict=True):
        body = text[head.end() : nxt.start() if nxt else len(text)]
        commit = _COMMIT.search(body)
        found.append(Release(head.group(1), commit.group(1) if commit else None))
    return found


def previous_release() -> Release:
    """The newest release with a commit: the upgrade test's starting point."""
    return next(r for r in releases() if r.commit)
