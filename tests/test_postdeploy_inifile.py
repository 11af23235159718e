"""The line-based INI updater: what it keeps, what it replaces, and that it is stable."""

from __future__ import annotations

import configparser
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from landing_zone.aws import inifile

OURS = {
    "profile me-security-oaar": {"region": "us-east-1", "output": "json", "role_arn": "arn:aws:iam::111111111111:role/X"},
    "profile me-bootstrap": {"region": "us-east-1", "output": "json"},
}


def parse(text: str) -> configparser.RawConfigParser:
    """botocore reads these files with RawConfigParser: the output must load there."""
    cp = configparser.RawConfigParser()
    cp.read_string(text)
    return cp


def test_new_file_gets_sections_in_order_separated_by_blank_lines() -> None:
    out = inifile.update("", OURS)
    assert out == (
        "[profile me-security-oaar]\nregion = us-east-1\noutput = json\nrole_arn = arn:aws:iam::111111111111:role/X\n"
        "\n[profile me-bootstrap]\nregion = us-east-1\noutput = json\n"
    )
    assert inifile.update(out, OURS) == out


def test_existing_section_updated_in_place_keeping_comments_and_unknown_keys() -> None:
    text = (
        "# my work profiles\n"
        "[default]\nregion = eu-west-1\n\n"
        "; ours, from an earlier run\n"
        "[profile  me-security-oaar]   # keep this note\n"
        "region=us-west-2\n"
        "# why cli_pager is empty\n"
        "cli_pager =\n"
        "role_arn = arn:old\n"
        "s3 =\n  max_concurrent_requests = 20\n"
        "\n# about the next one\n[profile other]\nrole_arn = arn:other\n"
    )
    out = inifile.update(text, {"profile me-security-oaar": {"region": "us-east-1", "role_arn": "arn:new", "output": "json"}})
    assert out == (
        "# my work profiles\n"
        "[default]\nregion = eu-west-1\n\n"
        "; ours, from an earlier run\n"
        "[profile  me-security-oaar]   # keep this note\n"
        "region = us-east-1\n"
        "# why cli_pager is empty\n"
        "cli_pager =\n"
        "role_arn = arn:new\n"
        "s3 =\n  max_concurrent_requests = 20\n"
        "output = json\n"
        "\n# about the next one\n[profile other]\nrole_arn = arn:other\n"
    )


def test_none_deletes_a_key_and_duplicates_of_set_keys_are_dropped() -> None:
    text = "[p]\nmfa_serial = arn:a\nregion = x\nregion = y\nkeep = 1\n"
    out = inifile.update(text, {"p": {"mfa_serial": None, "region": "z"}})
    assert out == "[p]\nregion = z\nkeep = 1\n"


def test_unchanged_value_keeps_the_line_as_written() -> None:
    text = "[p]\nregion=us-east-1\n"
    assert inifile.update(text, {"p": {"region": "us-east-1"}}) == text


def test_file_without_final_newline_and_crlf() -> None:
    assert inifile.update("[a]\nx = 1", {"a": {"y": "2"}}) == "[a]\nx = 1\ny = 2\n"
    assert inifile.update("[a]\r\nx = 1\r\n", {"b": {"y": "2"}}) == "[a]\r\nx = 1\r\n\r\n[b]\r\ny = 2\r\n"


def test_read_first_occurrence_wins() -> None:
    text = "[p]\nregion = a\nregion = b\n[ profile  q ]\nrole_arn: arn:x\n"
    assert inifile.read(text) == {"p": {"region": "a"}, "profile q": {"role_arn": "arn:x"}}


# --- property tests: arbitrary unrelated content survives ---

_name = st.text(string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=12)
_value = st.text(string.ascii_letters + string.digits + ":/-_.= ", max_size=20).map(str.strip)
_comment = st.builds(
    lambda mark, body: f"{mark}{body}",
    st.sampled_from(["#", ";", "# ", "; "]),
    st.text(string.printable.replace("\n", "").replace("\r", "").replace("\x0b", "").replace("\x0c", ""), max_size=30),
)


@st.composite
def _foreign_section(draw: st.DrawFn) -> tuple[str, list[str]]:
    name = draw(st.one_of(_name, _name.map(lambda n: f"profile {n}")))
    lines: list[str] = []
    for key in draw(st.lists(_name, max_size=5, unique=True)):
        lines += [f"{c}\n" for c in draw(st.lists(_comment, max_size=2))]
        sep = draw(st.sampled_from([" = ", "=", " =", ": "]))
        lines.append(f"{key}{sep}{draw(_value)}\n")
        if draw(st.booleans()):
            lines.append("\n")
    return name, lines


@st.composite
def _file(draw: st.DrawFn) -> tuple[str, dict[str, list[str]]]:
    preamble = [f"{c}\n" for c in draw(st.lists(_comment, max_size=3))]
    sections: dict[str, list[str]] = {}
    for name, lines in draw(st.lists(_foreign_section(), max_size=5)):
        if name not in OURS and name not in sections:
            sections[name] = lines
    # Sometimes our sections exist already, with stale values and an extra key.
    blocks = [f"[{n}]\n" + "".join(body) for n, body in sections.items()]
    for ours in OURS:
        if draw(st.booleans()):
            blocks.insert(draw(st.integers(0, len(blocks))), f"[{ours}]\nregion = stale\nextra = kept\n")
    return "".join(preamble) + "".join(blocks), sections


@settings(max_examples=150, deadline=None)
@given(_file())
def test_property_unrelated_content_survives_and_ours_is_set(case: tuple[str, dict[str, list[str]]]) -> None:
    text, foreign = case
    out = inifile.update(text, OURS)
    # Every unrelated section is byte for byte where it was, comments included.
    for name, lines in foreign.items():
        assert f"[{name}]\n" + "".join(lines) in out
    # Every line of the input except the stale values of our keys is still there, in order.
    kept = [line for line in text.splitlines() if line != "region = stale"]
    it = iter(out.splitlines())
    assert all(any(line == o for o in it) for line in kept)
    cp = parse(out)
    for section, values in OURS.items():
        assert all(cp[section][k] == v for k, v in values.items())
    for name in foreign:
        assert name in cp
    assert inifile.update(out, OURS) == out  # stable on re-run


@settings(max_examples=100, deadline=None)
@given(_file(), st.dictionaries(_name, _value, min_size=1, max_size=4))
def test_property_read_sees_what_update_wrote(case: tuple[str, dict[str, list[str]]], values: dict[str, str]) -> None:
    text, _ = case
    out = inifile.update(text, {"profile me-x": values})
    assert inifile.read(out)["profile me-x"] == values
