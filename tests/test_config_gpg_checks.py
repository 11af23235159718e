"""GPG keys must be usable and the user's: expired, sign-only and foreign keys fail validation.

Keys are generated here with gpg (no key material is committed): a key for
someone.else@example.com saved as keys/kit.walker, a key that expired in 2021, a sign-only
key. Each used to pass `lz validate` and synth, and the expired one failed at apply.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.config import ConfigError, load_project
from tests.gpg_helpers import make_keypair, shared_gnupghome

PROJECT = """\
project_name: myexample
short_name: me
primary_region: us-east-1
secondary_region: us-west-2
organization:
  accounts:
  - {name: management, email: myexample-aws@example.com, id: '000123456789'}
users:
- {first_name: Natasha, last_name: Romanoff, email: natasha@example.org, groups: [administrators]}
accounts:
  management:
    groups:
    - {name: admins, users: [kit.walker, natasha.romanoff]}
"""
KIT = "13:30: accounts.management.groups[0].users[0]"


def _project(tmp_path: Path, keys: dict[str, bytes], extra: str = "") -> Path:
    (tmp_path / "keys").mkdir(exist_ok=True)
    natasha = make_keypair(shared_gnupghome(), "natasha@example.org", name="Natasha Romanoff")
    for user, key in {"natasha.romanoff": natasha, **keys}.items():
        (tmp_path / "keys" / user).write_bytes(key)
    config = tmp_path / "project.yaml"
    config.write_text(PROJECT + extra)
    return config


def _problems(config: Path) -> list[str]:
    try:
        load_project(config)
    except ConfigError as err:
        return [line.removeprefix(f"{config}:") for line in str(err).splitlines()]
    return []


def test_keys_of_the_right_people_load(tmp_path: Path) -> None:
    # kit.walker is no SSO user: first.last@<any domain> is his; natasha's key carries her users: email
    config = _project(tmp_path, {"kit.walker": make_keypair(shared_gnupghome(), "kit.walker@example.com")})
    assert _problems(config) == []


def test_someone_elses_key_is_refused(tmp_path: Path) -> None:
    config = _project(tmp_path, {"kit.walker": make_keypair(shared_gnupghome(), "someone.else@example.com")})
    assert _problems(config) == [
        f"{KIT}: GPG key of 'kit.walker' (keys/kit.walker): its user ID is '<someone.else@example.com>', "
        "not kit.walker@…: is it kit.walker's key? If it is, set gpg_key_emails.kit.walker to the key's address"
    ]


def test_an_sso_users_key_must_carry_their_email(tmp_path: Path) -> None:
    config = _project(
        tmp_path,
        {"kit.walker": make_keypair(shared_gnupghome(), "kit.walker@example.com"), "natasha.romanoff": make_keypair(shared_gnupghome(), "nat@example.net")},
    )
    assert _problems(config) == [
        "13:42: accounts.management.groups[0].users[1]: GPG key of 'natasha.romanoff' (keys/natasha.romanoff): "
        "its user ID is '<nat@example.net>', not natasha@example.org or natasha.romanoff@…: is it "
        "natasha.romanoff's key? If it is, set gpg_key_emails.natasha.romanoff to the key's address"
    ]


def test_gpg_key_emails_overrides_the_match(tmp_path: Path) -> None:
    key = make_keypair(shared_gnupghome(), "someone.else@example.com")
    good = _project(tmp_path, {"kit.walker": key}, "gpg_key_emails: {kit.walker: Someone.Else@example.com}\n")
    assert _problems(good) == []
    bad = _project(tmp_path, {"kit.walker": key}, "gpg_key_emails: {kit.walker: kit@home.example}\n")
    assert _problems(bad) == [
        f"{KIT}: GPG key of 'kit.walker' (keys/kit.walker): its user ID is '<someone.else@example.com>', not kit@home.example (gpg_key_emails.kit.walker)"
    ]


def test_an_expired_key_is_refused(tmp_path: Path) -> None:
    old = make_keypair(shared_gnupghome(), "kit.walker@old.example", expires="2021-01-01", created="20200101T000000")
    assert _problems(_project(tmp_path, {"kit.walker": old})) == [
        f"{KIT}: GPG key of 'kit.walker' (keys/kit.walker): expired on 2021-01-01; ask kit.walker for a current "
        "key (`gpg --quick-set-expire`, then export it again)"
    ]


def test_a_sign_only_key_is_refused(tmp_path: Path) -> None:
    sign_only = make_keypair(shared_gnupghome(), "kit.walker@sign.example", usage="sign")
    assert _problems(_project(tmp_path, {"kit.walker": sign_only})) == [
        f"{KIT}: GPG key of 'kit.walker' (keys/kit.walker): has no encryption subkey valid now (a sign-only key, "
        "or its encryption subkey expired): the initial password cannot be encrypted to it"
    ]


def test_every_key_problem_is_reported_at_once(tmp_path: Path) -> None:
    sign_only = make_keypair(shared_gnupghome(), "someone@sign.example", usage="sign")
    problems = _problems(_project(tmp_path, {"kit.walker": sign_only}))
    reasons = [p.split("(keys/kit.walker): ")[1] for p in problems]
    assert [r.split(" ")[:3] for r in reasons] == [["has", "no", "encryption"], ["its", "user", "ID"]]


@pytest.mark.parametrize("where", ["gpg_keys", "gpg_key_emails"])
def test_settings_for_users_in_no_group_warn(tmp_path: Path, where: str) -> None:
    value = "keys/x" if where == "gpg_keys" else "x@example.com"
    config = _project(tmp_path, {"kit.walker": make_keypair(shared_gnupghome(), "kit.walker@example.com")}, f"{where}: {{kit.walkr: {value}}}\n")
    _, all_warnings = load_project(config)
    warnings = [w for w in all_warnings if w.path.startswith(where)]
    assert [w.path for w in warnings] == [f"{where}.kit.walkr"]
    assert "(did you mean 'kit.walker'?)" in warnings[0].message
