"""What drift does to who can reach what: the synthesized stacks (what lz deployed) against
the same stacks with one drifted IAM, SCP or trust object as AWS has it now, through the
access model and its evaluator (as `lz access --diff`).

A drifted object comes as plain data (deploy/drift.py's Drifted, which this room cannot
import): {"stack", "account", "address", "kind", "now"}; "now" holds terraform's attribute
names for a changed resource, or what the API read for an object created outside lz.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from landing_zone.access import model, reach
from landing_zone.access.terraform import Json, Stacks, policy_document, ref

OUTSIDE = "outside-lz"
# terraform attribute of each type the access model reads a document (or members) from
_DOCUMENT = {
    "aws_iam_role": "assume_role_policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_organizations_policy": "content",
    "aws_ssoadmin_permission_set_inline_policy": "inline_policy",
}
_ROLE_POLICY_TYPES = ("aws_iam_role_policy", "aws_iam_role_policy_attachment")


def _resources(stack: Json, rtype: str) -> dict[str, Json]:
    return stack.setdefault("resource", {}).setdefault(rtype, {})


def _key_of(stack: Json, rtype: str, name: str) -> str | None:
    return next((k for k, body in _resources(stack, rtype).items() if body.get("name") == name), None)


def _patch(stacks: Stacks, item: dict[str, Any]) -> Stacks | None:
    """A copy of `stacks` with the item as AWS has it now; None when access cannot change."""
    stack = stacks.get(item["stack"])
    if stack is None:
        return None
    patched = copy.deepcopy(stacks)
    doc = patched[item["stack"]]
    now = item.get("now") or {}
    rtype, _, name = item["address"].partition(".")
    if item["address"].startswith(OUTSIDE):
        return patched if _add_outside(doc, now) else None
    body = _resources(doc, rtype).get(name)
    if body is None:
        return None
    if item["kind"] == "deleted":
        del _resources(doc, rtype)[name]
        return patched
    if rtype in _DOCUMENT and isinstance(now.get(_DOCUMENT[rtype]), str):
        body[_DOCUMENT[rtype]] = now[_DOCUMENT[rtype]]
        return patched
    if rtype == "aws_iam_group_membership" and isinstance(now.get("users"), list):
        body["users"] = [_user_ref(doc, user) for user in now["users"]]
        return patched
    return None


def _user_ref(doc: Json, user: str) -> str:
    """`${aws_iam_user.key.name}` of a user, one added as a stand-in when lz does not manage it."""
    key = _key_of(doc, "aws_iam_user", user)
    if key is None:
        key = f"outside_lz_{len(_resources(doc, 'aws_iam_user'))}"
        _resources(doc, "aws_iam_user")[key] = {"name": user}
    return f"${{aws_iam_user.{key}.name}}"


def _add_outside(doc: Json, now: dict[str, Any]) -> bool:
    n = sum(len(v) for v in (doc.get("resource") or {}).values())
    if "role" in now and "policy" in now:  # a policy attached or put inline on a managed role
        _resources(doc, "aws_iam_role_policy")[f"outside_lz_{n}"] = {
            "role": f"${{aws_iam_role.{now['role']}.name}}",
            "name": now["name"],
            "policy": now["policy"],
        }
        return True
    if "group" in now and "user" in now:
        _resources(doc, "aws_iam_group_membership")[f"outside_lz_{n}"] = {
            "group": f"${{aws_iam_group.{now['group']}.name}}",
            "users": [_user_ref(doc, now["user"])],
        }
        return True
    if "target" in now and "content" in now:  # an SCP attached to a managed OU or account
        _resources(doc, "aws_organizations_policy")[f"outside_lz_{n}"] = {"name": now["name"], "content": now["content"]}
        _resources(doc, "aws_organizations_policy_attachment")[f"outside_lz_{n}"] = {
            "policy_id": f"${{aws_organizations_policy.outside_lz_{n}.id}}",
            "target_id": f"${{{now['target']}.id}}",
        }
        return True
    return False


def _role_name(stacks: Stacks, item: dict[str, Any]) -> tuple[str, str] | None:
    """(role, what) when the item changes a managed role's permissions: who reaches the role
    gains or loses them even when no one's reach changes."""
    doc = stacks.get(item["stack"]) or {}
    now = item.get("now") or {}
    rtype, _, name = item["address"].partition(".")
    if item["address"].startswith(OUTSIDE) and "role" in now:
        role = _resources(copy.deepcopy(doc), "aws_iam_role").get(now["role"], {}).get("name")
        return (role, f"gains {now['name']}") if role else None
    if rtype in _ROLE_POLICY_TYPES:
        body = _resources(copy.deepcopy(doc), rtype).get(name) or {}
        key = ref("aws_iam_role", body.get("role"))
        role = _resources(copy.deepcopy(doc), "aws_iam_role").get(key or "", {}).get("name")
        policy = body.get("policy_arn") or body.get("name") or name
        verb = "loses" if item["kind"] == "deleted" else "has a changed"
        return (role, f"{verb} {policy}") if role else None
    return None


def _scp_reach(built: model.AccessModel, stacks: Stacks, item: dict[str, Any]) -> str | None:
    rtype, _, name = item["address"].partition(".")
    if rtype != "aws_organizations_policy":
        return None
    body = _resources(copy.deepcopy(stacks.get(item["stack"]) or {}), rtype).get(name) or {}
    accounts = sorted(a for a in built.accounts if body.get("name") in built.scp_names(a))
    if not accounts:
        return None
    before, now = policy_document(str(body.get("content", "{}"))), policy_document(str((item.get("now") or {}).get("content") or "{}"))
    denied = sorted({a for st in before.get("Statement", []) if st.get("Effect") == "Deny" for a in _list(st.get("Action"))})
    still = {a for st in now.get("Statement", []) if st.get("Effect") == "Deny" for a in _list(st.get("Action"))}
    lifted = [a for a in denied if a not in still]
    text = f"SCP {body.get('name')} applies to every principal in {', '.join(accounts)}"
    return text + (f": no longer denies {', '.join(lifted)}" if lifted else "")


def _list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


def consequences(stacks: Stacks, items: list[dict[str, Any]]) -> Iterator[list[str]]:
    """Per item (in order): lines `+ who → what` / `- who → what` for reach gained or lost,
    and who holds a role whose permissions changed; [] when access does not change."""
    if not stacks:
        yield from ([] for _ in items)
        return
    built = model.build(stacks)
    rows = reach.matrix(built)
    old = reach.per_person(rows)
    for item in items:
        patched = _patch(stacks, item)
        if patched is None:
            yield []
            continue
        new = reach.per_person(reach.matrix(model.build(patched)))
        added, removed = sorted(new - old), sorted(old - new)  # as diff.changes, the "before" built once
        lines = [f"+ {a.render()}" for a in added] + [f"- {r.render()}" for r in removed]
        role = _role_name(stacks, item)
        if role:
            holders = sorted({f"{m} via {r.who}" for r in rows if r.reaches == role[0] and r.account == item["account"] for m in r.members})
            lines.append(f"role {role[0]} in {item['account']} {role[1]}: reached by {', '.join(holders) or 'no one lz knows of'}")
        scp = _scp_reach(built, stacks, item)
        if scp:
            lines.append(scp)
        yield lines
