"""config/editor.py: the one writer of project.yaml keeps every byte it was not asked to change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landing_zone.config import editor

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = (ROOT / "project.yaml").read_text()


def changed_lines(a: str, b: str) -> list[tuple[str, str]]:
    return [(x, y) for x, y in zip(a.splitlines(), b.splitlines(), strict=True) if x != y]


def test_require_mfa_flips_only_its_value_and_keeps_the_comment() -> None:
    text = "project: x  # name\nrequire_mfa: false   # flip with lz mfa enable\nshort: y\n"
    out = editor.with_require_mfa(text, True)
    assert out == "project: x  # name\nrequire_mfa: true   # flip with lz mfa enable\nshort: y\n"
    assert editor.with_require_mfa(out, False) == text


@pytest.mark.parametrize(
    "text",
    [
        "project: x\nmfa_enabled: false  # the reference's build.env switch\n",
        "project: x\nmeta:\n  enable_mfa: false\n",
        "project: x\nrequire_mfa: false\nmfa_enabled: false\n",
    ],
)
def test_the_reference_spellings_of_the_switch_are_flipped_where_they_stand(text: str) -> None:
    out = editor.with_require_mfa(text, True)
    assert out == text.replace("false", "true")  # no second, disagreeing switch added


def test_require_mfa_added_after_the_last_key_before_trailing_comments() -> None:
    text = "project: x\nnested:\n  a: 1\n  b:\n  - c\n\n# the end\n"
    out = editor.with_require_mfa(text, True)
    assert out == "project: x\nnested:\n  a: 1\n  b:\n  - c\nrequire_mfa: true\n\n# the end\n"


def test_reference_file_flip_changes_one_line() -> None:
    assert editor.get_scalar(REFERENCE, (), "require_mfa") is False
    out = editor.with_require_mfa(REFERENCE, True)
    assert changed_lines(REFERENCE, out) == [("require_mfa: false", "require_mfa: true")]


def test_nested_value_in_a_block_list_item() -> None:
    text = "organization:\n  accounts:\n  - name: management\n    email: a@b.co\n  - name: shared\n    email: s@b.co\n"
    out = editor.set_scalar(text, ("organization", "accounts", {"name": "shared"}), "id", "222222222222")
    assert out == text + "    id: '222222222222'\n"


def test_missing_place_is_an_edit_error_naming_it() -> None:
    with pytest.raises(editor.EditError, match=r"no organization\.accounts\[name: prod\]"):
        editor.set_scalar("organization:\n  accounts: []\n", ("organization", "accounts", {"name": "prod"}), "id", "1")


def test_edit_file_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text("require_mfa: false\n")
    os.chmod(path, 0o644)
    editor.edit_file(path, lambda text: editor.with_require_mfa(text, True))
    assert path.read_text() == "require_mfa: true\n"
    assert path.stat().st_mode & 0o777 == 0o644


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20))
def test_any_string_value_round_trips(value: str) -> None:
    text = "organization:\n  accounts:\n  - {name: management, email: a@b.co}   # aligned\n"
    out = editor.set_scalar(text, editor.MANAGEMENT_ACCOUNT, "id", value)
    assert editor.get_scalar(out, editor.MANAGEMENT_ACCOUNT, "id") == value
    assert "# aligned" in out
