"""audit.config and audit.guardduty (off by default): AWS Config in every account delivering into
the log archive, GuardDuty delegated to the security account; their stacks' properties and their
place in the dependency graph. With both off nothing of either is built (tests/test_snapshots.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from landing_zone import layers, naming
from landing_zone.config import load_project
from tests.conftest import ROOT
from tests.synth_helpers import prepare_project, root_project_without_security, synth_stacks

SHORT = "me"
ACCOUNTS = ("management", "security", "shared")
MANAGEMENT_ID = "000123456789"  # project.yaml's
ON = "audit:\n  config: true\n  guardduty: true\n"


def _resources(stack: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return list((stack.get("resource") or {}).get(kind, {}).values())


def _project_with(tmp_path: Path, extra: str) -> Path:
    config = tmp_path / "project.yaml"
    config.write_text((ROOT / "project.yaml").read_text() + extra)
    return config


def _account_id(stack: dict[str, Any]) -> str:
    """The account a stack deploys into: a member's from the role its provider assumes, else management's."""
    (provider,) = [p for p in stack["provider"]["aws"] if "alias" not in p]
    roles = provider.get("assume_role") or [{"role_arn": f"arn:aws:iam::{MANAGEMENT_ID}:root"}]
    return str(roles[0]["role_arn"].split(":")[4])


@pytest.fixture(scope="module")
def on(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return synth_stacks(_project_with(tmp_path_factory.mktemp("on"), ON), "aws", False)


def test_config_records_everything_in_both_regions_global_types_once(on: dict[str, Any]) -> None:
    for account in ACCOUNTS:
        stack = on[f"{account}-config"]
        recorders = _resources(stack, "aws_config_configuration_recorder")
        assert len(recorders) == 2, account  # primary and secondary region
        groups = [r["recording_group"] for r in recorders]
        assert all(g["all_supported"] is True for g in groups)
        assert sorted(g["include_global_resource_types"] for g in groups) == [False, True]
        primary = next(r for r in recorders if r["recording_group"]["include_global_resource_types"])
        assert "provider" not in primary  # the default provider: the primary region
        (role_key,) = stack["resource"]["aws_iam_service_linked_role"]
        assert stack["resource"]["aws_iam_service_linked_role"][role_key]["aws_service_name"] == "config.amazonaws.com"
        assert all(r["role_arn"] == f"${{aws_iam_service_linked_role.{role_key}.arn}}" for r in recorders)
        statuses = _resources(stack, "aws_config_configuration_recorder_status")
        assert len(statuses) == 2 and all(s["is_enabled"] is True for s in statuses)


def test_config_delivers_into_the_archive_and_the_archive_grants_each_account_its_prefix(on: dict[str, Any]) -> None:
    archive = naming.audit_bucket(SHORT, naming.SECURITY)
    ids = {}
    for account in ACCOUNTS:
        stack = on[f"{account}-config"]
        channels = _resources(stack, "aws_config_delivery_channel")
        assert len(channels) == 2 and {c["s3_bucket_name"] for c in channels} == {archive}
        ids[account] = _account_id(stack)
    assert len(set(ids.values())) == len(ACCOUNTS)  # each stack in its own account
    docs = [json.loads(p["policy"]) for p in _resources(on["security-audit"], "aws_s3_bucket_policy")]
    write = next(s for d in docs for s in d["Statement"] if s.get("Sid") == "ConfigWrite")
    assert sorted(write["Resource"]) == sorted(f"arn:aws:s3:::{archive}/AWSLogs/{i}/Config/*" for i in ids.values())
    assert sorted(write["Condition"]["StringEquals"]["aws:SourceAccount"]) == sorted(ids.values())


def test_guardduty_detectors_admin_is_security_and_members_auto_enabled(on: dict[str, Any]) -> None:
    management, security = on["management-guardduty"], on["security-guardduty"]
    for stack in (management, security):
        (detector,) = _resources(stack, "aws_guardduty_detector")
        assert detector["enable"] is True
    (admin,) = _resources(management, "aws_guardduty_organization_admin_account")
    security_id = _account_id(on["security-config"])
    assert admin["admin_account_id"] == security_id
    (org,) = _resources(security, "aws_guardduty_organization_configuration")
    assert org["auto_enable_organization_members"] == "ALL"
    assert org["detector_id"].startswith("${aws_guardduty_detector.")
    assert "shared-guardduty" not in on  # members are enabled by the administrator, not by a stack


def test_dependencies_archive_before_config_delegation_before_administrator(tmp_path: Path) -> None:
    project, _ = load_project(prepare_project(_project_with(tmp_path, ON), tmp_path / "p"))
    deps = layers.dependencies(project)
    for account in ACCOUNTS:
        assert (naming.SECURITY, "audit") in deps[(account, "config")] or (account, "audit") in deps[(account, "config")]
    assert (naming.SECURITY, "audit") in deps[(naming.SECURITY, "config")]
    assert (naming.MANAGEMENT, "organizations") in deps[(naming.MANAGEMENT, "guardduty")]  # trusted access first
    assert (naming.MANAGEMENT, "guardduty") in deps[(naming.SECURITY, "guardduty")]
    layers.waves(project)  # no cycle


def test_off_by_default_no_stack_of_either(tmp_path: Path) -> None:
    project, _ = load_project(prepare_project(_project_with(tmp_path, ""), tmp_path / "p"))
    names = {layer for _, layer in layers.stacks(project)}
    assert "config" not in names and "guardduty" not in names


def test_config_without_a_security_account_delivers_to_management(tmp_path: Path) -> None:
    config = root_project_without_security(tmp_path, "audit:\n  config: true\n")
    project, _ = load_project(config)
    assert (naming.MANAGEMENT, "audit") in layers.dependencies(project)[(naming.MANAGEMENT, "config")]
    stacks = synth_stacks(config, "aws", False)
    archive = naming.audit_bucket(SHORT, naming.MANAGEMENT)
    channels = _resources(stacks["management-config"], "aws_config_delivery_channel")
    assert channels and {c["s3_bucket_name"] for c in channels} == {archive}
