"""README's "Who can assume what" table: `lz access --format markdown` for the root project.yaml,
kept between two marker comments. Regenerate: `.venv/bin/python -m landing_zone.access.readme`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

BEGIN, END = "<!-- access:begin -->", "<!-- access:end -->"
REGENERATE = ".venv/bin/python -m landing_zone.access.readme"
_NOTE = f"<!-- generated from `lz access --format markdown` by `{REGENERATE}`: do not edit by hand -->"


def block(table: str) -> str:
    return f"{BEGIN}\n{_NOTE}\n\n{table}\n\n{END}"


def embedded(readme: str) -> str | None:
    """The generated block README holds now, markers included (None: no markers)."""
    start, end = readme.find(BEGIN), readme.find(END)
    return readme[start : end + len(END)] if 0 <= start < end else None


def replaced(readme: str, table: str) -> str:
    current = embedded(readme)
    if current is None:
        raise ValueError(f"README has no {BEGIN} … {END} markers")
    return readme.replace(current, block(table))


def table_for(config: Path) -> str:
    """The markdown matrix of `config`, synthesized into a throwaway directory."""
    from landing_zone.access import model, reach, render
    from landing_zone.access.synthesize import project_for_access, synthesize
    from landing_zone.settings import Settings

    with tempfile.TemporaryDirectory(prefix="lz-access-") as tmp:
        settings = Settings(config_path=config, target="aws", work_dir=Path(tmp) / ".lz", out_dir=Path(tmp) / "cdktf.out")
        project = project_for_access(config.read_text(encoding="utf-8"), config, Path(tmp) / "keys")
        stacks = synthesize(project, settings, {}, settings.out_dir)
    return render.render(reach.matrix(model.build(stacks)), "markdown")


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[2]
    readme = Path(argv[0]) if argv else root / "README.md"
    config = Path(argv[1]) if len(argv) > 1 else root / "project.yaml"
    readme.write_text(replaced(readme.read_text(encoding="utf-8"), table_for(config)), encoding="utf-8")
    print(f"{readme}: access section regenerated from {config}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
