"""`lz access` output: a plain table, JSON, or the markdown README embeds."""

from __future__ import annotations

import json

from landing_zone.access.escalation import Path, render_chain
from landing_zone.access.reach import Access

FORMATS = ("table", "json", "markdown")
_HEADER = ("who", "members", "reaches", "account", "MFA", "SCPs")


def _cells(row: Access) -> tuple[str, ...]:
    return (row.who, ", ".join(row.members), row.reaches, row.account, row.mfa, ", ".join(row.scps) or "none (management)")


def render_paths(paths: list[Path], fmt: str) -> str:
    """What each group reaches beyond a trust that admits it, and how (the chain)."""
    if fmt == "json":
        return json.dumps([p.as_dict() for p in paths], indent=2)
    title = "escalation paths (who ⇒ what: how; (MFA): only with a fresh MFA sign-in)"
    lines = [f"- {render_chain(p)}" if fmt == "markdown" else render_chain(p) for p in paths] or ["none"]
    return "\n".join([f"**{title}**" if fmt == "markdown" else title, "", *lines])


def render(rows: list[Access], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([r.as_dict() for r in rows], indent=2)
    cells = [_cells(r) for r in rows]
    if fmt == "markdown":
        lines = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])
    widths = [max(len(x) for x in col) for col in zip(_HEADER, *cells, strict=False)]
    return "\n".join("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip() for line in [_HEADER, *cells])
