"""`lz drift`'s reading of terraform's plan JSON and its report, without AWS."""

from __future__ import annotations

import json
from typing import Any

from landing_zone.deploy import drift, drift_report


def _plan(*drifted: dict[str, Any]) -> dict[str, Any]:
    return {"resource_drift": list(drifted)}


def _entry(address: str, actions: list[str], before: Any, after: Any, **sensitive: Any) -> dict[str, Any]:
    rtype, name = address.split(".", 1)
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "change": {"actions": actions, "before": before, "after": after, **sensitive},
    }


def test_changed_attributes_are_named_and_policies_split_per_field() -> None:
    before = {"name": "r", "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}), "tags": {}}
    after = {"name": "r", "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}), "tags": None}
    (item,) = drift.parse_drift("s", _plan(_entry("aws_iam_role_policy.p", ["update"], before, after)))
    assert (item.kind, item.stack, item.type, item.name) == ("changed", "s", "aws_iam_role_policy", "p")
    assert [(a.path, a.before, a.now) for a in item.attributes] == [("policy.Statement[0].Action", "s3:GetObject", "s3:*")]


def test_secrets_are_masked_by_terraforms_sensitive_markers() -> None:
    entry = _entry(
        "aws_iam_access_key.k",
        ["update"],
        {"id": "AKIA1", "secret": "old-secret"},
        {"id": "AKIA1", "secret": "new-secret"},
        before_sensitive={"secret": True},
        after_sensitive={"secret": True},
    )
    (item,) = drift.parse_drift("s", _plan(entry))
    assert [(a.path, a.before, a.now) for a in item.attributes] == [("secret", drift.MASK, drift.MASK)]
    assert "secret" not in json.dumps(item.as_dict()).replace('"secret"', "")


def test_deleted_resources_and_only_configured_attributes_count() -> None:
    config = {"resource": {"aws_s3_bucket": {"b": {"bucket": "x"}}, "aws_s3_bucket_versioning": {"v": {"versioning_configuration": {"status": "Enabled"}}}}}
    plan = _plan(
        _entry("aws_s3_bucket.b", ["update"], {"bucket": "x", "versioning": [{"enabled": False}]}, {"bucket": "x", "versioning": [{"enabled": True}]}),
        _entry(
            "aws_s3_bucket_versioning.v",
            ["update"],
            {"versioning_configuration": [{"status": "Enabled", "mfa_delete": ""}]},
            {"versioning_configuration": [{"status": "Suspended", "mfa_delete": ""}]},
        ),
        _entry("aws_iam_role_policy_attachment.a", ["delete"], {"role": "R"}, None),
        {"address": "data.aws_caller_identity.me", "mode": "data", "change": {"actions": ["update"]}},
    )
    found = {d.address: d for d in drift.parse_drift("s", plan, config)}
    assert sorted(found) == ["aws_iam_role_policy_attachment.a", "aws_s3_bucket_versioning.v"]  # the bucket's computed `versioning` is not drift
    assert found["aws_iam_role_policy_attachment.a"].kind == "deleted" and found["aws_iam_role_policy_attachment.a"].now is None
    assert [(a.path, a.before, a.now) for a in found["aws_s3_bucket_versioning.v"].attributes] == [
        ("versioning_configuration[0].status", "Enabled", "Suspended")
    ]


def test_planned_actions_say_what_lz_up_would_do() -> None:
    plan = {
        "resource_changes": [
            {"address": "a.x", "change": {"actions": ["no-op"]}},
            {"address": "a.y", "change": {"actions": ["update"]}},
            {"address": "a.z", "change": {"actions": ["delete", "create"]}},
            {"address": "a.w", "change": {"actions": ["create"]}},
        ]
    }
    assert drift.planned_actions(plan) == {"a.y": "update", "a.z": "replace", "a.w": "create"}


def _results() -> list[drift.StackDrift]:
    item = drift.Drifted("shared-identities", "aws_iam_role.r", "changed", [drift.AttributeChange("assume_role_policy.Statement[0].Effect", "Allow", "Deny")])
    item.up_would, item.access = "update", ["- natasha via IAM group x → R in shared"]
    return [drift.StackDrift("shared-identities", "shared", "drifted", [item]), drift.StackDrift("shared-sso", "shared", "no drift")]


def test_report_formats() -> None:
    table = drift_report.render(_results(), "table")
    assert "aws_iam_role.r: changed; lz up would update it" in table
    assert "assume_role_policy.Statement[0].Effect: Allow → Deny" in table and "access: - natasha" in table
    assert table.endswith("drift: 1 resource in 1 stack(s)")
    doc = json.loads(drift_report.render(_results(), "json"))
    assert doc["drift"] is True and doc["stacks"][0]["drifted"][0]["lz_up_would"] == "update"
    markdown = drift_report.render(_results(), "markdown")
    assert "| shared-identities | `aws_iam_role.r` | changed |" in markdown
    clean = [drift.StackDrift("shared-sso", "shared", "no drift")]
    assert drift_report.render(clean, "table") == "shared-sso: no drift\nno drift"
    assert json.loads(drift_report.render(clean, "json"))["drift"] is False
