"""Reading synthesized stacks: `stacks/<id>/cdk.tf.json` files and the references between resources.

The same layout is in `cdktf.out/` (what the next apply gets) and in `<work dir>/stacks/`
(what each stack last applied), so both can be compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Json = dict[str, Any]
Stacks = dict[str, Json]  # stack id → its synthesized JSON

_REF = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)(?:\[0\]\.[a-z_]+)?\}")


class StacksNotFound(Exception):
    pass


def load_stacks(directory: Path) -> Stacks:
    """Every stack's JSON under `directory` (a synth output or a work dir: either holds `stacks/`)."""
    root = directory / "stacks" if (directory / "stacks").is_dir() else directory
    files = sorted(root.glob("*/cdk.tf.json"))
    if not files:
        raise StacksNotFound(f"no synthesized stacks (stacks/<id>/cdk.tf.json) under {directory}")
    return {f.parent.name: json.loads(f.read_text(encoding="utf-8")) for f in files}


def resources(stack: Json, kind: str) -> Iterator[tuple[str, Json]]:
    """(terraform name, body) of every resource of one type."""
    yield from sorted((stack.get("resource") or {}).get(kind, {}).items())


def ref(kind: str, value: Any) -> str | None:
    """The terraform name a `${kind.name.attr}` reference points at, or None."""
    match = _REF.fullmatch(value) if isinstance(value, str) else None
    return match.group(2) if match and match.group(1) == kind else None


def imported(stack: Json) -> set[str]:
    """`type.name` of every resource adopted by an import block."""
    return {block["to"] for block in stack.get("import", [])}


def released(body: Json) -> bool:
    """Adopted resources are released from state by `lz down`, never destroyed."""
    return bool(((body.get("//") or {}).get("lz") or {}).get("release_on_destroy"))


def policy_document(text: str) -> Json:
    """A policy string as IAM gets it: terraform turns `$${…}` into a literal `${…}`."""
    return dict(json.loads(text.replace("$${", "${")))


def provider(stack: Json) -> Json:
    return dict((stack.get("provider") or {}).get("aws", [{}])[0])


def tags(stack: Json) -> dict[str, str]:
    return dict(provider(stack).get("default_tags", [{}])[0].get("tags", {}))
