"""Never plan a destroy of something lz did not create.

Bucket names and state keys match the reference's, so `lz` pointed at an existing reference
deployment finds state written by hand-made HCL: resources at addresses this project does
not generate, which a plan would propose to delete. Before any plan, apply or destroy the
stack's state is read (`terraform state pull`). A state lz wrote is lz's: every resource in
it was created by lz, and one the config no longer generates (dropped from project.yaml, or
retired by a newer release) is a destroy the plan shows by name. In any other state, a
resource at an address the stack does not generate stops the stack with one error listing
them.

What proves lz wrote a state (`lz_written`): since 0.2.0 the stack's `lz_stack` output. A
state of an earlier release lacks it; there, cdktf's logical ids do: a resource below the
stack's top level is named `<path>_<HASH>`, HASH being the first 8 hex digits of the md5 of
its construct path, which no hand-written name matches. Not the alternatives: the bucket and
key are the reference's own (they prove nothing), cdktf's `//` construct-path metadata never
reaches the state, and the stack's copy of its last synth in the work dir is overwritten by
every plan and absent on a CI runner. Data sources are
left out (dropping one from state destroys nothing), and the `from` addresses of `moved`
blocks count as generated and those of `removed` blocks as forgotten, so a migrated
deployment (`lz migrate leverage`: moved/removed blocks) passes this guard until its first
apply writes the mark.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from landing_zone import naming
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.terraform import Terraform

_INDEX = re.compile(r"\[[^\]]*\]$")  # aws_x.y["key"] / aws_x.y[0] → aws_x.y
_KEYS = re.compile(r"\[[^\]]*\]")  # module.m["k"].aws_x.y[0] → module.m.aws_x.y, as `removed` names it
SHOWN = 10
_LOGICAL_ID = re.compile(r"^([A-Za-z0-9_-]+)_([0-9A-F]{8})$")
_MAX_SPLITS = 8  # underscores in a name tried as construct-path separators (2^8 paths at most)
# What people sign in with: a state holding these is never to be moved aside (the next apply
# would recreate the users, and their encrypted initial passwords would be gone).
IDENTITY_TYPES = frozenset(
    {
        "aws_iam_user",
        "aws_iam_user_login_profile",
        "aws_iam_access_key",
        "aws_iam_virtual_mfa_device",
        "aws_iam_role",
        "aws_identitystore_user",
        "aws_identitystore_group",
    }
)


class ForeignState(DeployError):
    pass


def generated_addresses(doc: dict[str, Any]) -> set[str]:
    """Resource addresses a synthesized stack declares (plus the sources of its `moved` blocks)."""
    addresses = {f"{rtype}.{name}" for rtype, resources in doc.get("resource", {}).items() for name in resources}
    addresses |= {str(block["from"]) for block in _blocks(doc, "moved") if "from" in block}
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


def _blocks(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    blocks = doc.get(key, [])
    return [b for b in (blocks if isinstance(blocks, list) else [blocks]) if isinstance(b, dict)]


def forgotten_addresses(doc: dict[str, Any]) -> set[str]:
    """The `from` of the stack's `removed` blocks: addresses without module or instance keys."""
    return {str(block["from"]) for block in _blocks(doc, "removed") if "from" in block}


def foreign_addresses(addresses: list[str], doc: dict[str, Any]) -> list[str]:
    """Managed addresses the stack neither generates, moves from (`moved`, per instance) nor forgets (`removed`)."""
    ours, forgotten = generated_addresses(doc), forgotten_addresses(doc)
    return [a for a in addresses if a not in ours and _INDEX.sub("", a) not in ours and _KEYS.sub("", a) not in forgotten]


def written_by_lz(state: dict[str, Any], stack: str) -> bool:
    marker = (state.get("outputs") or {}).get(naming.STACK_MARKER_OUTPUT) or {}
    return marker.get("value") == stack


def _paths(parts: list[str]) -> Iterator[list[str]]:
    """Construct paths whose cdktf id reads `"_".join(parts)`: any `_` may separate components,
    and cdktf leaves out of the readable part a component the one before it ends with."""
    for cuts in itertools.product((False, True), repeat=len(parts) - 1):
        path = [parts[0]]
        for cut, part in zip(cuts, parts[1:], strict=True):
            path = [*path, part] if cut else [*path[:-1], f"{path[-1]}_{part}"]
        yield path
        for i, component in enumerate(path):
            for start in range(len(component)):
                yield [*path[: i + 1], component[start:], *path[i + 1 :]]


def cdktf_logical_id(name: str) -> bool:
    """`name` is cdktf's id of a nested construct: its readable path, `_`, and the first 8 hex
    digits of the md5 of the path's components joined by `/`.

    cdktf drops characters outside [A-Za-z0-9_-] from the readable part, so a path that had
    them does not verify (such a state proves itself by its other resources)."""
    match = _LOGICAL_ID.match(name)
    if not match:
        return False
    human, digest = match.groups()
    parts = human.split("_")
    if len(parts) - 1 > _MAX_SPLITS:
        return False
    return any(len(path) > 1 and hashlib.md5("/".join(path).encode(), usedforsecurity=False).hexdigest()[:8].upper() == digest for path in _paths(parts))


def lz_written(state: dict[str, Any], stack: str) -> bool:
    """This stack's state was written by lz: today's mark, or (an earlier release's state) a cdktf logical id."""
    if written_by_lz(state, stack):
        return True
    return any(res.get("mode") == "managed" and cdktf_logical_id(str(res.get("name", ""))) for res in state.get("resources", []))


def retired(addresses: list[str], doc: dict[str, Any]) -> list[str]:
    """The managed addresses of an lz-written state the stack no longer generates: the plan destroys them."""
    return foreign_addresses(addresses, doc)


def _advice(addresses: list[str]) -> str:
    if any(a.split("[")[0].rsplit(".", 2)[-2] in IDENTITY_TYPES for a in addresses):
        # Moving this state aside would orphan people's users, keys and MFA devices.
        return (
            "that state holds identities (IAM users, roles or SSO users): keep it where it is; if lz should "
            "manage those resources, import them into this stack's configuration, else remove only them from the "
            "state (`terraform state rm <address>`: they stay in AWS)"
        )
    return "move that state object aside, or give this project another short_name (its own buckets)"


def check(tf: Terraform, doc: dict[str, Any], where: str) -> list[str]:
    """Raise ForeignState when the stack's state holds resources lz did not create; returns
    the managed addresses in the state."""
    # The state holds sensitive values in clear (encrypted passwords): never logged.
    pulled = tf.run("state", "pull", log_stdout=False).stdout.strip()
    state = json.loads(pulled) if pulled else {}
    addresses = managed_addresses(state)
    if lz_written(state, tf.stack):
        return addresses
    foreign = foreign_addresses(addresses, doc)
    if foreign:
        shown = ", ".join(foreign[:SHOWN]) + (f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else "")
        raise ForeignState(
            f"its state ({where}) holds {len(foreign)} resource{'s' if len(foreign) != 1 else ''} this project does "
            f"not generate: {shown}. lz changes nothing there (a plan would destroy them): {_advice(addresses)}. "
            f"A Leverage reference layer's state moves onto lz's addresses in place: `lz migrate leverage --stack {tf.stack}` "
            "(a dry run; --apply writes it)"
        )
    return addresses
