"""The JSON Schema of project.yaml, generated from the model (schema/project.schema.json).

Regenerate after changing model.py:   .venv/bin/python -m landing_zone.config.schema
Check it is current (tests do this):  .venv/bin/python -m landing_zone.config.schema --check
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from landing_zone.config.model import Project

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "project.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def render() -> str:
    """The schema as committed: stable key order, trailing newline."""
    schema = {"$schema": DIALECT, **Project.model_json_schema(), "title": "landing-zone project.yaml"}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    if "--check" in args:
        if current != render():
            print(f"{SCHEMA_FILE} is stale: run python -m landing_zone.config.schema", file=sys.stderr)
            return 1
        return 0
    if current != render():
        SCHEMA_FILE.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_FILE.write_text(render(), encoding="utf-8")
        print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
