"""schema/project.schema.json: generated from the model and kept current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from landing_zone.config import schema

ROOT = Path(__file__).resolve().parents[1]
VALID = [ROOT / "project.yaml", ROOT / "tests" / "fixtures" / "reference" / "project.yaml"]


def test_committed_schema_is_current() -> None:
    assert schema.SCHEMA_FILE == ROOT / "schema" / "project.schema.json"
    assert schema.SCHEMA_FILE.read_text(encoding="utf-8") == schema.render(), (
        "schema/project.schema.json is stale: run .venv/bin/python -m landing_zone.config.schema"
    )
    assert schema.main(["--check"]) == 0


def test_schema_forbids_unknown_keys_everywhere() -> None:
    doc = json.loads(schema.render())
    assert doc["additionalProperties"] is False
    assert all(d.get("additionalProperties") is False for d in doc["$defs"].values() if d.get("type") == "object")
    assert "us-east-1" in doc["properties"]["primary_region"]["enum"]


@pytest.mark.parametrize("config", VALID, ids=lambda p: p.parent.name or "root")
def test_valid_projects_match_the_schema(config: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(YAML(typ="safe").load(config.read_text()), json.loads(schema.render()))


def test_editor_snippet_names_the_schema() -> None:
    text = (ROOT / "README.md").read_text()  # the editor-completion section
    assert "# yaml-language-server: $schema=schema/project.schema.json" in text
