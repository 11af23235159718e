"""The rooms of landing_zone import only downwards (ARCHITECTURE.md): every import counts,
lazy ones inside functions and TYPE_CHECKING ones too, so no cycle can hide behind laziness."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "landing_zone"

# Lowest first. A module may import its own room and rooms of a lower rank, never a room of
# the same rank (siblings stay independent) or a higher one.
RANKS: dict[str, int] = {
    "naming": 0,
    "fsutil": 0,
    "toolchain": 0,
    "settings": 0,
    "config": 1,
    "layers": 2,
    "roles": 2,
    "aws": 3,
    "adoption": 3,
    "migration": 3,
    "emulator": 3,
    "bindings": 3,
    "constructs": 4,
    "stacks": 5,
    "app": 6,
    "synth": 7,
    "deploy": 8,
    "postdeploy": 8,
    "access": 8,
    "pipeline": 8,
    "cli": 9,
}


def _room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {m for m in found if m.startswith("landing_zone.")}


def _edges() -> list[tuple[str, str, str]]:
    """(file, its room, an imported room) for every import between two rooms."""
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        room = parts[0]
        for target in {_room(m) for m in _imports(path)} - {room, ""}:
            if target in RANKS:  # `from landing_zone import naming` names the room naming
                edges.append((str(path.relative_to(PACKAGE)), room, target))
    return edges


def test_every_room_has_a_rank() -> None:
    rooms = {p.relative_to(PACKAGE).with_suffix("").parts[0] for p in PACKAGE.rglob("*.py")} - {"__init__"}
    assert rooms <= RANKS.keys(), f"rooms without a rank (add them to RANKS and ARCHITECTURE.md): {rooms - RANKS.keys()}"


def test_no_room_imports_its_level_or_above() -> None:
    bad = [f"{file}: {room} → {target}" for file, room, target in _edges() if RANKS[target] >= RANKS[room]]
    assert not bad, "imports that run up or sideways:\n" + "\n".join(bad)


@pytest.mark.parametrize("pair", [("deploy", "postdeploy"), ("postdeploy", "deploy"), ("synth", "deploy")])
def test_named_pairs_stay_apart(pair: tuple[str, str]) -> None:
    room, other = pair
    assert not [f for f, r, t in _edges() if (r, t) == pair], f"{room} imports {other}"


def test_the_check_sees_lazy_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from landing_zone.deploy import auth\n    import landing_zone.cli.main\n")
    assert _imports(source) >= {"landing_zone.deploy", "landing_zone.deploy.auth", "landing_zone.cli.main"}
