"""Every resource type a stack synthesizes is known to the access model (access/actions.py
CALLS: else the access matrix reports `Unmodelled/<type>`) and, on the local target, its
provider endpoint points at the emulator (else terraform would call real AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.synth_helpers import synth_stacks
from tests.test_snapshots import PROJECTS, TARGETS


def _types(doc: dict[str, Any], section: str) -> set[str]:
    return set(doc.get(section) or {})


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("project", PROJECTS)
def test_every_synthesized_resource_type_has_an_access_model_entry(project: str, target: str) -> None:
    from landing_zone.access.actions import CALLS

    stacks = synth_stacks(PROJECTS[project], target, False)
    missing = {f"{stack}: {kind}" for stack, doc in stacks.items() for kind in _types(doc, "resource") - set(CALLS)}
    assert stacks and not missing, f"add these resource types to access/actions.py CALLS: {sorted(missing)}"


@pytest.mark.parametrize("project", PROJECTS)
def test_every_synthesized_type_has_an_emulated_endpoint_on_the_local_target(project: str) -> None:
    from landing_zone import bindings  # noqa: F401  (before the provider bindings)
    from landing_zone.stacks.target import endpoint_of

    for stack, doc in synth_stacks(PROJECTS[project], "local", False).items():
        providers = doc["provider"]["aws"]
        for kind in _types(doc, "resource") | _types(doc, "data"):
            # terraform spells the endpoint settings without underscores (s3_control: s3control)
            endpoint = endpoint_of(kind).replace("_", "")
            for provider in providers:
                assert endpoint in provider["endpoints"][0], f"{stack}: {kind} calls {endpoint}, not pointed at the emulator"


def test_the_endpoints_cover_every_type_the_constructs_can_synthesize() -> None:
    """Beyond the fixtures (optional layers off there): each provider class the constructs and
    stacks import maps to a real endpoint setting, and that setting is emulated."""
    from landing_zone import bindings  # noqa: F401  (before the provider bindings)
    from landing_zone.stacks.target import emulated_services, endpoint_of, resource_types

    kinds = resource_types()
    assert {"aws_s3_bucket", "aws_organizations_organization", "aws_ssoadmin_instances"} <= kinds
    assert {endpoint_of(k) for k in kinds} | {"sts"} == set(emulated_services())
    assert endpoint_of("aws_cloudwatch_log_group") == "logs" and endpoint_of("aws_cloudwatch_metric_alarm") == "cloudwatch"
