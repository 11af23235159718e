"""No project.yaml crashes the loader: it loads, or raises ConfigError with located problems."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from landing_zone.config import ConfigError
from landing_zone.config.loader import parse_project

REFERENCE = Path(__file__).parent / "fixtures" / "reference" / "project.yaml"
FILE = Path("/nonexistent-dir/project.yaml")  # key and policy files are then simply missing

known = st.sampled_from(["management", "security", "default", "us-east-1", "kit.walker", ""])
scalars = st.none() | st.booleans() | st.integers(-(10**13), 10**13) | st.floats(allow_nan=False) | st.text(max_size=12) | known


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)


values = st.recursive(scalars, _containers, max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        found += _paths(child, (*prefix, key))
    return found


def _dump(doc: Any) -> str:
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(doc, out)
    return out.getvalue()


def _check(text: str) -> None:
    try:
        parse_project(text, FILE)
    except ConfigError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        str(exc)  # renders


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_reference_projects_never_crash(data: st.DataObject) -> None:
    doc = YAML(typ="safe").load(REFERENCE.read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(doc)[1:]))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()):
            parent[path[-1]] = data.draw(values)
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    _check(_dump(doc))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_never_crashes(text: str) -> None:
    _check(text)
