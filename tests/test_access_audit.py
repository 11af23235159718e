"""The audit layer's access claims (landing_zone/access/audit.py) over both fixtures, MFA off and on,
and that they fail when the protection they prove is taken out of the synthesized JSON."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from landing_zone import naming
from landing_zone.access import audit
from landing_zone.access.model import build
from landing_zone.access.terraform import Stacks
from tests.test_access_matrix import PROJECTS, mfa_max_age, synthesized


@pytest.mark.parametrize("mfa", [False, True], ids=["mfa-off", "mfa-on"])
@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_audit_claims_hold(project: str, mfa: bool) -> None:
    stacks, model = synthesized(project, mfa)
    made = audit.claims(model, stacks, mfa, mfa_max_age(PROJECTS[project]))
    # Every kind of claim is there: trail, log objects, archive protection, support role.
    assert {c.action for c in made} >= {*audit.TRAIL_CHANGES, *audit.LOG_DELETIONS, *audit.ARCHIVE_CHANGES, "s3:GetObject"}
    assert any(c.resource.endswith(f":role/{naming.SUPPORT_ROLE}") for c in made)
    bad = audit.failures(model, stacks, mfa, mfa_max_age(PROJECTS[project]))
    assert not bad, "\n".join(bad)


def _edit(stacks: Stacks, kind: str, attr: str, edit: Any) -> Stacks:
    mutated = copy.deepcopy(stacks)
    for stack in mutated.values():
        for body in (stack.get("resource") or {}).get(kind, {}).values():
            body[attr] = json.dumps(edit(json.loads(body[attr])))
    return mutated


def _without(sid: str) -> Any:
    def edit(doc: dict[str, Any]) -> dict[str, Any]:
        doc["Statement"] = [st for st in doc["Statement"] if st.get("Sid") != sid]
        return doc

    return edit


def _allowing(sid: str) -> Any:
    def edit(doc: dict[str, Any]) -> dict[str, Any]:
        doc["Statement"] = [{**st, "Effect": "Allow"} if st.get("Sid") == sid else st for st in doc["Statement"]]
        return doc

    return edit


@pytest.mark.parametrize(
    ("kind", "attr", "sid", "broken"),
    [
        ("aws_organizations_policy", "content", "ProtectAuditTrail", "must not change the organization trail"),
        ("aws_organizations_policy", "content", "ProtectAuditArchive", "must not lift the archive's protection"),
        ("aws_s3_bucket_policy", "policy", "DenyLogDeletion", "nobody deletes a log object"),
    ],
)
def test_claims_fail_without_the_protection(kind: str, attr: str, sid: str, broken: str) -> None:
    stacks, _ = synthesized("root", False)
    # The claims find the archive by its DenyLogDeletion statement: that one stays, turned into an Allow.
    mutated = _edit(stacks, kind, attr, _allowing(sid) if sid == "DenyLogDeletion" else _without(sid))
    bad = audit.failures(build(mutated), mutated, False, 3600)
    assert bad and all(broken in line for line in bad), "\n".join(bad)


def test_support_role_claims_fail_when_any_member_account_is_trusted() -> None:
    stacks, _ = synthesized("root", False)

    def trust_everyone(doc: dict[str, Any]) -> dict[str, Any]:
        doc["Statement"][0]["Principal"] = {"AWS": "*"}
        doc["Statement"][0].pop("Condition", None)
        return doc

    mutated = copy.deepcopy(stacks)
    audit_stack = mutated[naming.stack_id(naming.MANAGEMENT, audit.AUDIT_LAYER)]
    for body in audit_stack["resource"]["aws_iam_role"].values():
        body["assume_role_policy"] = json.dumps(trust_everyone(json.loads(body["assume_role_policy"])))
    bad = audit.failures(build(mutated), mutated, False, 3600)
    assert any("without MFA" in line for line in bad) and any("must not reach Support@management" in line for line in bad)
