"""The pull request comment: per account, what each stack's plan would change; then the access diff."""

from __future__ import annotations

from landing_zone import layers
from landing_zone.config.model import Project
from landing_zone.pipeline.github import COMMENT_MARKER
from landing_zone.pipeline.summary import StackResult

NO_RESULT = "no result: its job did not get to plan (see the job's log)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(project: Project, results: list[StackResult], access: str | None) -> str:
    """Markdown; every stack of the project appears, those without a result marked as such."""
    by_stack = {r.stack: r for r in results}
    lines = [COMMENT_MARKER, "## landing-zone plan", ""]
    counts = {"change": 0, "fail": 0}
    for account in project.account_names:
        stacks = layers.stack_ids(project, account=account)
        rows = []
        changed = failed = 0
        for stack in stacks:
            result = by_stack.get(stack)
            if result is None or result.failed:
                failed += 1
                rows.append(f"| {stack} | ❌ {_cell(result.detail if result else NO_RESULT)} |")
            elif result.changed:
                changed += 1
                rows.append(f"| {stack} | ✏️ {_cell(result.detail)} |")
            else:
                rows.append(f"| {stack} | {_cell(result.detail)} |")
        counts["change"] += changed
        counts["fail"] += failed
        state = ", ".join(p for p in (f"{changed} with changes" if changed else "", f"{failed} failed" if failed else "") if p)
        lines += [f"### {account}: {state or 'no changes'}", "", "| stack | plan |", "|---|---|", *rows, ""]
    lines += ["### access", ""]
    if access is None:
        lines.append("no access diff (the synth job did not produce one)")
    elif access.startswith(("+", "-")):
        lines += ["who gains (+) or loses (-) which role or permission set where (`⇒`: an escalation path, with its chain):", "", "```diff", access, "```"]
    else:
        lines.append(access)
    total = f"{counts['change']} stacks with changes, {counts['fail']} failed" if any(counts.values()) else "no changes"
    lines[1] = f"## landing-zone plan: {total}"
    return "\n".join(lines) + "\n"
