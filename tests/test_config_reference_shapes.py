"""project.yaml files in the reference's shapes load: what lz builds is read, the rest warns.

tests/fixtures/reference-*/ are written from the reference's documented shapes (today's
`leverage project create` template, the 2021 one, a file without regions). Each loads, with
exactly one warning per thing lz does not manage, and the reference-only keys that mean
what lz builds anyway change nothing in the synthesized stacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from landing_zone.config import ConfigError, Problem, Project, load_project
from landing_zone.config.model import DEFAULT_PRIMARY_REGION, DEFAULT_SECONDARY_REGION
from tests.conftest import FIXTURES
from tests.synth_helpers import prepare_project, synth_stacks

NETWORKS = "lz does not manage the reference's base-network layer: this VPC is not deployed (keep them in the reference's layer or your own Terraform)"
WARNINGS = {
    "reference-current": [
        ("organization.accounts[2].enable_dynamo_encryption", "lz always encrypts the Terraform state bucket and lock table: false is ignored"),
        ("accounts.management.groups[1].users[0]", "IAM user 'edsger.dijkstra' is not in users: (first_name.last_name)"),
        (
            "accounts.security.groups[1].policies",
            "lz attaches its own policies to IAM group 'auditors' by its name; not applied: arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess",
        ),
        ("accounts.shared.networks", NETWORKS),
    ],
    "reference-2021": [
        ("accounts.management.users[1]", "IAM user 'alan.kay' is in no group of account 'management': lz creates the users of groups only"),
        ("accounts.shared.networks", NETWORKS),
    ],
    "reference-no-regions": [],
}


def _load(name: str, tmp_path: Path) -> tuple[Project, list[Problem]]:
    return load_project(prepare_project(FIXTURES / name / "project.yaml", tmp_path))


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_reference_shapes_load_with_one_warning_per_unmanaged_thing(name: str, tmp_path: Path) -> None:
    _, warnings = _load(name, tmp_path)
    assert [(w.path, w.message) for w in warnings] == WARNINGS[name]


def test_the_fixtures_are_all_tested() -> None:
    assert sorted(p.name for p in FIXTURES.glob("reference-*")) == sorted(WARNINGS)


def test_regions_default_as_in_the_reference(tmp_path: Path) -> None:
    project, _ = _load("reference-no-regions", tmp_path)
    assert (project.primary_region, project.secondary_region) == (DEFAULT_PRIMARY_REGION, DEFAULT_SECONDARY_REGION)
    assert (DEFAULT_PRIMARY_REGION, DEFAULT_SECONDARY_REGION) == ("us-east-1", "us-west-2")


def test_given_regions_win(tmp_path: Path) -> None:
    project, _ = _load("reference-current", tmp_path)
    assert (project.primary_region, project.secondary_region) == ("eu-west-1", "eu-central-1")


@pytest.mark.parametrize(("name", "require_mfa"), [("reference-current", False), ("reference-2021", True)])
def test_the_reference_mfa_switch_is_require_mfa(name: str, require_mfa: bool, tmp_path: Path) -> None:
    project, _ = _load(name, tmp_path)
    assert project.require_mfa is require_mfa


def _edited(tmp_path: Path, name: str, **top: object) -> Path:
    config = prepare_project(FIXTURES / name / "project.yaml", tmp_path)
    yaml = YAML()
    doc = yaml.load(config)
    doc.update(top)
    yaml.dump(doc, config)
    return config


@pytest.mark.parametrize(
    ("top", "message"),
    [
        ({"mfa_enabled": True, "require_mfa": False}, "mfa_enabled: true disagrees with require_mfa: false; keep one (require_mfa is lz's name for it)"),
        (
            {"meta": {"enable_mfa": False}, "require_mfa": True},
            "meta.enable_mfa: false disagrees with require_mfa: true; keep one (require_mfa is lz's name for it)",
        ),
    ],
)
def test_disagreeing_mfa_switches_are_an_error(tmp_path: Path, top: dict[str, object], message: str) -> None:
    config = _edited(tmp_path, "reference-no-regions", **top)
    with pytest.raises(ConfigError) as err:
        load_project(config)
    assert [p.render("").split(": ", 1)[1] for p in err.value.problems] == [message]


def test_agreeing_mfa_switches_load(tmp_path: Path) -> None:
    project, _ = load_project(_edited(tmp_path, "reference-no-regions", mfa_enabled=True, require_mfa=True))
    assert project.require_mfa is True


def _strip_reference_keys(src: Path, dest: Path) -> Path:
    """The same project without the keys lz reads as the reference's (they must not change the stacks)."""
    yaml = YAML()
    doc = yaml.load(src)
    doc["require_mfa"] = doc.pop("mfa_enabled")
    for account in doc["organization"]["accounts"]:
        account.pop("enable_dynamo_encryption", None)  # false only warns: lz encrypts state anyway
    for settings in doc["accounts"].values():
        settings.pop("networks", None)
        for group in settings.get("groups", []):
            group.pop("policies", None)
    dest.mkdir(parents=True)
    yaml.dump(doc, dest / "project.yaml")
    return dest / "project.yaml"


def test_reference_keys_change_nothing_lz_builds(tmp_path: Path) -> None:
    src = FIXTURES / "reference-current" / "project.yaml"
    stripped = _strip_reference_keys(src, tmp_path / "stripped")
    with_keys, without = synth_stacks(src, "aws"), synth_stacks(stripped, "aws")
    assert sorted(with_keys) == sorted(without) and len(with_keys) > 4
    assert with_keys == without
