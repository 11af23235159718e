"""Never plan a destroy of something lz did not create.

Bucket names and state keys match the reference's, so `lz` pointed at an existing reference
deployment finds state written by hand-made HCL: resources at addresses this project does
not generate, which a plan would propose to delete. Before any plan, apply or destroy the
stack's state is read (`terraform state pull`). A state lz wrote carries the stack's
`lz_stack` output: every resource in it was created by lz, and one the config no longer
generates is a removal the operator asked for. In any other state, a resource at an address
the stack does not generate stops the stack with one error listing them. Data sources are
left out (dropping one from state destroys nothing), and the `from` addresses of `moved`
blocks count as generated, so a later migration of such a deployment (moved/import blocks)
passes this guard unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

from landing_zone import naming
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.terraform import Terraform

_INDEX = re.compile(r"\[[^\]]*\]$")  # aws_x.y["key"] / aws_x.y[0] → aws_x.y
SHOWN = 10


class ForeignState(DeployError):
    pass


def generated_addresses(doc: dict[str, Any]) -> set[str]:
    """Resource addresses a synthesized stack declares (plus the sources of its `moved` blocks)."""
    addresses = {f"{rtype}.{name}" for rtype, resources in doc.get("resource", {}).items() for name in resources}
    moved = doc.get("moved", [])
    addresses |= {str(block["from"]) for block in (moved if isinstance(moved, list) else [moved]) if "from" in block}
    return addresses


def managed_addresses(state: dict[str, Any]) -> list[str]:
    """Addresses of the managed resource instances in a pulled state, as `terraform state list` prints them."""
    found = []
    for res in state.get("resources", []):
        if res.get("mode") != "managed":
            continue
        base = (f"{res['module']}." if res.get("module") else "") + f"{res['type']}.{res['name']}"
        for inst in res.get("instances") or [{}]:
            key = inst.get("index_key")
            found.append(base if key is None else f"{base}[{key}]" if isinstance(key, int) else f"{base}[{json.dumps(key)}]")
    return found


def foreign_addresses(addresses: list[str], doc: dict[str, Any]) -> list[str]:
    """Managed addresses the stack does not generate."""
    ours = generated_addresses(doc)
    return [a for a in addresses if _INDEX.sub("", a) not in ours]


def written_by_lz(state: dict[str, Any], stack: str) -> bool:
    marker = (state.get("outputs") or {}).get(naming.STACK_MARKER_OUTPUT) or {}
    return marker.get("value") == stack


def check(tf: Terraform, doc: dict[str, Any], where: str) -> list[str]:
    """Raise ForeignState when the stack's state holds resources lz did not create; returns
    the managed addresses in the state."""
    # The state holds sensitive values in clear (encrypted passwords): never logged.
    pulled = tf.run("state", "pull", log_stdout=False).stdout.strip()
    state = json.loads(pulled) if pulled else {}
    addresses = managed_addresses(state)
    if written_by_lz(state, tf.stack):
        return addresses
    foreign = foreign_addresses(addresses, doc)
    if foreign:
        shown = ", ".join(foreign[:SHOWN]) + (f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else "")
        raise ForeignState(
            f"its state ({where}) holds {len(foreign)} resource{'s' if len(foreign) != 1 else ''} this project does "
            f"not generate: {shown}. lz changes nothing there (a plan would destroy them): move that state "
            "object aside, or give this project another short_name (its own buckets)"
        )
    return addresses
