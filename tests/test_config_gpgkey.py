"""landing_zone.config.gpgkey: the one reader of GPG public key files (gpg in a throwaway home)."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landing_zone.config.gpgkey import (
    MAX_KEY_BYTES,
    inspect_public_key,
    parse_public_key,
    pgp_key_base64,
    read_public_key,
    scan_public_key,
)
from tests.gpg_helpers import KeyFormat, _gpg, export_public, export_secret, make_keypair, shared_gnupghome

EMAIL = "key.tester@example.com"


@pytest.fixture(scope="module")
def public() -> bytes:
    return make_keypair(shared_gnupghome(), EMAIL)


def _packets(binary: bytes) -> list[tuple[int, bytes]]:
    """(tag, body) of old-format packets, as gpg 2.2 exports them (test-side parser)."""
    out, i = [], 0
    while i < len(binary):
        first = binary[i]
        n = (1, 2, 4)[first & 3]
        length = int.from_bytes(binary[i + 1 : i + 1 + n], "big")
        out.append(((first >> 2) & 0x0F, binary[i + 1 + n : i + 1 + n + length]))
        i += 1 + n + length
    return out


def _new_format(packets: list[tuple[int, bytes]]) -> bytes:
    out = b""
    for tag, body in packets:
        n = len(body)
        if n < 192:
            length = bytes([n])
        elif n < 8384:
            length = bytes([((n - 192) >> 8) + 192, (n - 192) & 0xFF])
        else:
            length = b"\xff" + n.to_bytes(4, "big")
        out += bytes([0xC0 | tag]) + length + body
    return out


@pytest.mark.parametrize("fmt", ["binary", "armor", "base64"])
def test_reads_every_accepted_format(tmp_path: Path, public: bytes, fmt: KeyFormat) -> None:
    path = tmp_path / "key"
    path.write_bytes(export_public(shared_gnupghome(), EMAIL, fmt))
    assert read_public_key(path) == public


def test_armor_with_headers_and_crlf(public: bytes) -> None:
    armored = export_public(shared_gnupghome(), EMAIL, "armor").decode()
    head, rest = armored.split("\n", 1)
    with_header = f"{head}\nComment: exported for lz\nVersion: GnuPG v2\n\n{rest.lstrip()}"
    assert parse_public_key(with_header.replace("\n", "\r\n").encode()) == public


def test_base64_of_the_armor(public: bytes) -> None:
    armored = export_public(shared_gnupghome(), EMAIL, "armor")
    assert parse_public_key(base64.encodebytes(armored)) == public


def test_new_format_packet_headers(public: bytes) -> None:
    packets = _packets(public)
    assert packets[0][0] == 6  # gpg writes old-format headers: this converts them
    rewritten = _new_format(packets)
    assert rewritten[0] == 0xC6
    assert parse_public_key(rewritten) == rewritten


def test_pgp_key_base64_is_base64_of_the_binary(tmp_path: Path, public: bytes) -> None:
    path = tmp_path / "key.asc"
    path.write_bytes(export_public(shared_gnupghome(), EMAIL, "armor"))
    assert base64.b64decode(pgp_key_base64(path)) == public


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
def test_refuses_a_private_key(armor: bool) -> None:
    secret = export_secret(shared_gnupghome(), EMAIL, armor=armor)
    with pytest.raises(ValueError, match="PRIVATE key: refusing it"):
        parse_public_key(secret)
    with pytest.raises(ValueError, match="PRIVATE key"):
        parse_public_key(base64.encodebytes(secret))


def test_refuses_a_signature(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("hello")
    sign = ["--local-user", f"<{EMAIL}>", "--detach-sign", "--output", "-", str(data)]
    with pytest.raises(ValueError, match="starts with a signature packet"):
        parse_public_key(_gpg(shared_gnupghome(), *sign))
    armored = _gpg(shared_gnupghome(), "--armor", *sign)
    with pytest.raises(ValueError, match="PGP SIGNATURE, not a PUBLIC KEY BLOCK"):
        parse_public_key(armored)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file"),
        (b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI user@host\n", "neither ASCII armor, binary nor base64"),
        (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDME\n", "no matching -----END"),
        (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!\n-----END PGP PUBLIC KEY BLOCK-----\n", "not an OpenPGP key"),
        (b"\xb4\x03abc", "not a public key: it starts with a user ID packet"),
        (b"\xff\xfe\x00garbage", "not an OpenPGP key"),
        (b"\xc6\xe5abc", "not an OpenPGP key"),
        (b"\x98\x02\x03\x00", "unsupported public key version 3"),
        (base64.b64encode(b"\x98\x02\x03\x00"), "unsupported public key version 3"),
    ],
)
def test_rejects_garbage_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_public_key(data)


def test_rejects_a_truncated_key(public: bytes) -> None:
    with pytest.raises(ValueError, match="truncated or damaged OpenPGP data"):
        parse_public_key(public[:-7])


def test_rejects_a_damaged_armor_checksum() -> None:
    lines = export_public(shared_gnupghome(), EMAIL, "armor").decode().splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("=") and len(line) == 5)
    lines[i] = "=AAAA" if lines[i] != "=AAAA" else "=BBBB"
    with pytest.raises(ValueError, match="checksum mismatch"):
        parse_public_key("\n".join(lines).encode())


def test_rejects_a_key_without_user_id(public: bytes) -> None:
    first = _packets(public)[0]
    with pytest.raises(ValueError, match="without a user ID"):
        parse_public_key(_new_format([first]))


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_public_key(tmp_path / "absent")
    big = tmp_path / "big"
    big.write_bytes(b"\x99" * (MAX_KEY_BYTES + 1))
    with pytest.raises(ValueError, match="larger than"):
        read_public_key(big)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_key_or_a_value_error(data: bytes) -> None:
    try:
        parse_public_key(data)
    except ValueError:
        pass


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_damaged_keys_give_a_key_or_a_value_error(public: bytes, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(public) - 1))
    damaged = public[:i] + bytes([data.draw(st.integers(0, 255))]) + public[i + 1 :]
    try:
        parse_public_key(damaged)
    except ValueError:
        pass


def test_two_keys_in_one_file_are_refused(public: bytes) -> None:
    other = make_keypair(shared_gnupghome(), "other.key@example.com")
    with pytest.raises(ValueError, match="holds 2 keys"):
        parse_public_key(public + other)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "key"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="a FIFO, not a file"):
        read_public_key(fifo)


def test_inspect_reports_what_gpg_sees(tmp_path: Path, public: bytes) -> None:
    path = tmp_path / "key.asc"
    path.write_bytes(export_public(shared_gnupghome(), EMAIL, "armor"))
    key = inspect_public_key(path)
    listed = _gpg(shared_gnupghome(), "--with-colons", "--fingerprint", f"<{EMAIL}>").decode()
    assert f"fpr:::::::::{key.fingerprint}:" in listed
    assert key.emails == [EMAIL]
    assert key.can_encrypt and key.validity not in ("e", "r") and key.expires is None


def test_inspect_sees_sign_only_and_expired_keys() -> None:
    home = shared_gnupghome()
    sign_only = scan_public_key(make_keypair(home, "sign.only@example.com", usage="sign"))
    assert not sign_only.can_encrypt and sign_only.validity != "e"
    old = make_keypair(home, "old.key@example.com", expires="2021-01-01", created="20200101T000000")
    expired = scan_public_key(old)
    assert expired.validity == "e" and not expired.can_encrypt
    assert expired.expires is not None and expired.expires.year == 2021


def test_user_ids_with_names_and_colons() -> None:
    key = scan_public_key(make_keypair(shared_gnupghome(), "named.user@example.com", name="Named: User"))
    assert key.user_ids == ("Named: User <named.user@example.com>",)
    assert key.emails == ["named.user@example.com"]


def test_the_users_keyring_and_tmp_are_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, public: bytes) -> None:
    keyring = tmp_path / "gnupg"
    keyring.mkdir(mode=0o700)
    (keyring / "sentinel").write_text("mine")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("GNUPGHOME", str(keyring))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    key = tmp_path / "key.asc"
    key.write_bytes(export_public(shared_gnupghome(), EMAIL, "armor"))
    assert read_public_key(key) == public
    with pytest.raises(ValueError):
        parse_public_key(export_secret(shared_gnupghome(), EMAIL))
    assert sorted(p.name for p in keyring.iterdir()) == ["sentinel"]
    assert list(scratch.iterdir()) == [], "every throwaway GNUPGHOME is removed"
