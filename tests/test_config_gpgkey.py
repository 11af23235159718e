"""landing_zone.config.gpgkey: the one reader of GPG public key files (no gpg calls)."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landing_zone.config.gpgkey import MAX_KEY_BYTES, parse_public_key, pgp_key_base64, read_public_key
from tests.gpg_helpers import _gpg, export_public, export_secret, make_keypair, shared_gnupghome

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
def test_reads_every_accepted_format(tmp_path: Path, public: bytes, fmt: str) -> None:
    path = tmp_path / "key"
    path.write_bytes(export_public(shared_gnupghome(), EMAIL, fmt))  # type: ignore[arg-type]
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
        (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!\n-----END PGP PUBLIC KEY BLOCK-----\n", "not base64"),
        (b"\xb4\x03abc", "not a public key: it starts with a user ID packet"),
        (b"\xff\xfe\x00garbage", "partial-length packet"),
        (b"\x99\x01\x00\x04", "truncated"),
        (b"\xc6\xe5abc", "partial-length packet"),
        (b"\x98\x02\x03\x00", "unsupported public key version 3"),
    ],
)
def test_rejects_garbage_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_public_key(data)


def test_rejects_a_truncated_key(public: bytes) -> None:
    with pytest.raises(ValueError, match="truncated"):
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


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_key_or_a_value_error(data: bytes) -> None:
    try:
        parse_public_key(data)
    except ValueError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_keys_give_a_key_or_a_value_error(public: bytes, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(public) - 1))
    damaged = public[:i] + bytes([data.draw(st.integers(0, 255))]) + public[i + 1 :]
    try:
        parse_public_key(damaged)
    except ValueError:
        pass


def test_gpg_is_not_called(monkeypatch: pytest.MonkeyPatch, public: bytes) -> None:
    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError("gpgkey must not run gpg")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    assert parse_public_key(base64.encodebytes(public)) == public
