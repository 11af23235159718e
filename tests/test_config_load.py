"""Loading project.yaml: reference format, key files, warnings, suggestions, collected problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from landing_zone.config import ConfigError, load_project
from landing_zone.config.loader import model_at, parse_project
from landing_zone.config.model import AccountSettings, IamGroup, Project
from tests.gpg_helpers import KeyFormat, shared_gnupghome, write_project_keys

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).parent / "fixtures" / "reference" / "project.yaml"
DEMO_USERS = ["natasha.romanoff", "kit.walker"]


def keyed_copy(src: Path, dest: Path, fmt: KeyFormat = "binary") -> Path:
    """`src` copied into `dest` with generated public keys for its IAM users."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dest / "project.yaml")
    write_project_keys(dest, DEMO_USERS, shared_gnupghome(), fmt)
    return dest / "project.yaml"


def problems(text: str, base: Path) -> list[str]:
    """Rendered problems of project.yaml `text` written in `base` (empty when it loads)."""
    (base / "project.yaml").write_text(text)
    try:
        load_project(base / "project.yaml")
    except ConfigError as exc:
        return [p.render("project.yaml") for p in exc.problems]
    return []


def test_reference_project_loads_unchanged(tmp_path: Path) -> None:
    config = keyed_copy(REFERENCE, tmp_path)
    project, warnings = load_project(config)
    assert config.read_bytes() == REFERENCE.read_bytes()
    assert project.management.id == "000123456789"
    assert [ou.policy_names for ou in project.organization.organizational_units] == [["default"], ["standard"]]
    assert project.iam_users == DEMO_USERS
    # kit.walker is an IAM user of the reference but not one of its SSO users: a note, not an error
    assert [w.render("project.yaml") for w in warnings] == [
        "project.yaml:18:48: accounts.management.groups[0].users[1]: IAM user 'kit.walker' is not in users: (first_name.last_name)"
    ]


@pytest.mark.parametrize("fmt", ["binary", "armor", "base64"])
def test_root_project_loads_with_keys_in_any_format(tmp_path: Path, fmt: KeyFormat) -> None:
    project, warnings = load_project(keyed_copy(ROOT / "project.yaml", tmp_path, fmt))
    assert warnings == []
    assert project.base_dir == tmp_path
    assert project.gpg_key_file("kit.walker") == tmp_path / "keys" / "kit.walker"


def test_root_project_without_keys_names_each_missing_file(tmp_path: Path) -> None:
    shutil.copy(ROOT / "project.yaml", tmp_path)
    with pytest.raises(ConfigError) as err:
        load_project(tmp_path / "project.yaml")
    lines = str(err.value).splitlines()
    assert len(lines) == 2
    assert all("no GPG public key for IAM user" in line for line in lines)


def test_unquoted_account_id_is_recovered_with_a_warning(tmp_path: Path) -> None:
    text = REFERENCE.read_text().replace("id: '000123456789'", "id: 000123456789")
    config = keyed_copy(REFERENCE, tmp_path)
    config.write_text(text)
    project, warnings = load_project(config)
    assert project.management.id == "000123456789"
    assert [w.render("project.yaml") for w in warnings][0] == (
        "project.yaml:7:62: organization.accounts[0].id: account id 000123456789 is unquoted, "
        "so YAML reads it as a number; using '000123456789' (quote it to silence this)"
    )


def test_gpg_keys_paths_are_relative_to_project_yaml(tmp_path: Path) -> None:
    config = keyed_copy(ROOT / "project.yaml", tmp_path / "proj")
    (tmp_path / "proj" / "keys" / "kit.walker").rename(tmp_path / "kit.pub")
    absolute = tmp_path / "proj" / "keys" / "natasha.romanoff"
    config.write_text(config.read_text() + f"gpg_keys:\n  kit.walker: ../kit.pub\n  natasha.romanoff: {absolute}\n")
    project, warnings = load_project(config)
    assert project.gpg_key_file("kit.walker") == tmp_path / "proj" / ".." / "kit.pub"
    assert warnings == []


def test_a_key_for_no_iam_user_is_a_warning(tmp_path: Path) -> None:
    config = keyed_copy(ROOT / "project.yaml", tmp_path)
    config.write_text(config.read_text() + "gpg_keys:\n  kit.walkr: keys/kit.walker\n")
    _, warnings = load_project(config)
    assert [w.message for w in warnings] == ["key for 'kit.walkr', who is in no IAM group (did you mean 'kit.walker'?)"]


def test_a_misspelt_iam_user_warns_and_fails_on_its_key(tmp_path: Path) -> None:
    config = keyed_copy(ROOT / "project.yaml", tmp_path)
    config.write_text(config.read_text().replace("users: [natasha.romanoff]}", "users: [natasha.romanof]}"))
    with pytest.raises(ConfigError) as err:
        load_project(config)
    assert [p.message for p in err.value.problems] == [
        "no GPG public key for IAM user 'natasha.romanof': keys/natasha.romanof not found (export it with `gpg --export`, or set gpg_keys.natasha.romanof)"
    ]


def test_every_problem_is_collected_in_file_order(tmp_path: Path) -> None:
    text = REFERENCE.read_text().replace("us-west-2", "us-east-1").replace("[standard]", "[strict]")
    text = text.replace("myexample-aws+shared@", "myexample-aws+security@").replace("[administrators]", "[admin]")
    found = problems(text.replace("accounts:\n  management:", "accounts:\n  managment:"), tmp_path)
    assert [line.split(": ", 2)[1] for line in found] == [
        "users[0].groups[0]",  # structural problems come first: semantic checks need a typed model
    ]
    found = problems(text.replace("[admin]", "[administrators]"), tmp_path)
    assert [line.split(": ", 2)[1] for line in found] == [
        "secondary_region",
        "organization.accounts[1].email",
        "organization.accounts[2].email",
        "organization.organizational_units[1].policy[0]",
        "accounts.management.groups[0].users[0]",  # missing key files
        "accounts.management.groups[0].users[1]",
    ]


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("accounts:\n  management:\n    group: []\n", "unknown key 'group' (did you mean 'groups'?)"),
        ("accounts:\n  management:\n    groups:\n    - {name: a, user: []}\n", "unknown key 'user' (did you mean 'users'?)"),
        ("sso: {enable: false}\n", "unknown key 'enable' (did you mean 'enabled'?)"),
        ("gpg_key: {}\n", "unknown key 'gpg_key' (did you mean 'gpg_keys'?)"),
        ("users:\n- {first_name: A, lastname: B, email: a.b@example.com}\n", "unknown key 'lastname' (did you mean 'last_name'?)"),
    ],
)
def test_unknown_keys_suggest_the_closest_key_of_their_model(tmp_path: Path, snippet: str, message: str) -> None:
    root = (ROOT / "project.yaml").read_text().split("\n# Identity Center")[0]
    found = problems(f"{root}\n{snippet}", tmp_path)
    assert any(line.endswith(message) for line in found), found


def test_model_at_follows_lists_dicts_and_optionals() -> None:
    assert model_at(()) is Project
    assert model_at(("accounts", "anything")) is AccountSettings
    assert model_at(("accounts", "shared", "groups", 3)) is IamGroup
    assert model_at(("project_name",)) is None
    assert model_at(("no_such_key", "x")) is None


def test_syntax_errors_point_at_their_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        parse_project("project_name: a\norganization:\n  accounts: [\n", tmp_path / "project.yaml")
    (problem,) = err.value.problems
    assert (problem.line, problem.message.split(":")[0]) == (4, "YAML syntax error")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_project(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="cannot read: Is a directory"):
        load_project(tmp_path)


def test_policies_may_be_written_as_terraform_addresses(tmp_path: Path) -> None:
    config = keyed_copy(REFERENCE, tmp_path)
    text = config.read_text().replace("[default]", "[aws_organizations_policy.default]")
    config.write_text(text.replace("[standard]", "[aws_organizations_policy.standard, default]"))
    project, _ = load_project(config)
    assert [ou.policy_names for ou in project.organization.organizational_units] == [["default"], ["standard", "default"]]


def test_merge_keys_and_odd_keys_are_located(tmp_path: Path) -> None:
    text = REFERENCE.read_text().replace(
        "  - {name: shared,     email: myexample-aws+shared@example.com}",
        "  - <<: {email: myexample-aws+shared@example.com}\n    name: shared",
    )
    found = problems(text + "  true: {}\n", tmp_path)
    assert "project.yaml:26:3: accounts.true: settings for unknown account 'true'" in found
