"""`lz drift` output: a plain listing, JSON, or markdown (the pipeline's GitHub issue body)."""

from __future__ import annotations

import json

from landing_zone.deploy.drift import Drifted, StackDrift

FORMATS = ("table", "json", "markdown")


def _items(results: list[StackDrift]) -> list[Drifted]:
    return [d for r in results for d in r.drifted]


def _up(item: Drifted) -> str:
    if not item.up_would and item.address.startswith("outside-lz"):
        return "lz up leaves it (terraform does not manage it: remove it by hand, or add it to project.yaml)"
    if not item.up_would:
        return "lz up changes nothing"
    return f"lz up would {item.up_would} it"


def render(results: list[StackDrift], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(
            {"drift": bool(_items(results)), "stacks": [{"stack": r.stack, "status": r.status, "drifted": [d.as_dict() for d in r.drifted]} for r in results]},
            indent=2,
        )
    return _markdown(results) if fmt == "markdown" else _table(results)


def _table(results: list[StackDrift]) -> str:
    lines = []
    for r in results:
        lines.append(f"{r.stack}: {r.status}" if not r.drifted else f"{r.stack}: {len(r.drifted)} drifted")
        for item in r.drifted:
            lines.append(f"  {item.address}: {item.kind}; {_up(item)}")
            lines += [f"    {a.path}: {a.before} → {a.now}" for a in item.attributes]
            lines += [f"    access: {line}" for line in item.access]
    total = len(_items(results))
    lines.append(f"drift: {total} resource{'s' if total != 1 else ''} in {sum(1 for r in results if r.drifted)} stack(s)" if total else "no drift")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(results: list[StackDrift]) -> str:
    items = _items(results)
    lines = [f"### lz drift: {', '.join(r.stack for r in results)}", ""]
    if not items:
        return "\n".join([*lines, "No drift: these stacks match AWS.", ""])
    lines += [
        f"{len(items)} resource(s) differ from what lz deployed. Review each: run `lz up` to put back what lz manages, or change project.yaml to keep it.",
        "",
    ]
    lines += ["| stack | resource | change | attributes (before → now) | access | lz up |", "|---|---|---|---|---|---|"]
    for item in items:
        attrs = "<br>".join(_cell(f"`{a.path}`: {a.before} → {a.now}") for a in item.attributes)
        access = "<br>".join(_cell(line) for line in item.access)
        lines.append(f"| {item.stack} | `{_cell(item.address)}` | {item.kind} | {attrs} | {access} | {_cell(item.up_would or 'nothing')} |")
    quiet = [r for r in results if not r.drifted and r.status != "no drift"]
    if quiet:
        lines += ["", "Not compared: " + "; ".join(f"{r.stack} ({r.status})" for r in quiet)]
    return "\n".join([*lines, ""])
