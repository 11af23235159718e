"""Read an IAM user's GPG public key file, without calling gpg.

The single place that reads key files: validation checks them with it, and the
identities stack passes `pgp_key_base64()` (base64 of the binary key, what the
provider's `pgp_key` wants). Accepted forms: ASCII armor (`gpg --export --armor`),
binary (`gpg --export`) and base64 of the binary (`gpg --export | base64`, the
reference's convention). A private key is refused: it must never sit next to
project.yaml, let alone reach Terraform state.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from pathlib import Path

MAX_KEY_BYTES = 1 << 20  # real public keys are a few KB; don't slurp a stray big file
TAG_SECRET_KEY, TAG_PUBLIC_KEY, TAG_SECRET_SUBKEY, TAG_USER_ID = 5, 6, 7, 13
PACKET_NAMES = {1: "encrypted session key", 2: "signature", 3: "symmetric session key", 4: "one-pass signature",
                5: "secret key", 6: "public key", 7: "secret subkey", 8: "compressed data", 9: "encrypted data",
                11: "literal data", 13: "user ID", 14: "public subkey", 18: "encrypted data"}  # fmt: skip
ARMOR_RE = re.compile(r"-----BEGIN PGP ([A-Z ,/0-9]+)-----\r?\n(.*?)-----END PGP \1-----", re.S)
PRIVATE_KEY = "this is a PRIVATE key: refusing it (delete it here; export the public key with `gpg --export <email>`)"
CRC24_INIT, CRC24_POLY = 0xB704CE, 0x1864CFB


def read_public_key(path: Path | str) -> bytes:
    """The binary OpenPGP public key in `path`; ValueError saying why when it is not one."""
    path = Path(path)
    with path.open("rb") as fh:  # OSError (missing, unreadable) is the caller's to report
        data = fh.read(MAX_KEY_BYTES + 1)
    if len(data) > MAX_KEY_BYTES:
        raise ValueError(f"larger than {MAX_KEY_BYTES} bytes, not a public key")
    return parse_public_key(data)


def pgp_key_base64(path: Path | str) -> str:
    """What aws_iam_user_login_profile.pgp_key expects: base64 of the binary public key."""
    return base64.b64encode(read_public_key(path)).decode("ascii")


def parse_public_key(data: bytes) -> bytes:
    """Binary public key from armored, binary or base64 bytes; ValueError when it is not one."""
    binary = _to_binary(data, depth=0)
    _check_packets(binary)
    return binary


def _to_binary(data: bytes, depth: int) -> bytes:
    if data and data[0] & 0x80:  # every OpenPGP packet header has the top bit set; text never does
        return data
    text = data.strip()
    if not text:
        raise ValueError("empty file")
    if b"-----BEGIN PGP" in text:
        return _dearmor(text)
    if depth == 0:  # base64 of the export (or of the armor): decode once and look again
        try:
            decoded = base64.b64decode(b"".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if decoded:
            return _to_binary(decoded, depth + 1)
    raise ValueError("not an OpenPGP key: neither ASCII armor, binary nor base64 of a binary export")


def _dearmor(data: bytes) -> bytes:
    text = data.decode("ascii", errors="replace").replace("\r\n", "\n")
    match = ARMOR_RE.search(text)
    if not match:
        raise ValueError("broken ASCII armor: no matching -----END PGP ...----- line")
    kind = match.group(1)
    if "PRIVATE" in kind or "SECRET" in kind:
        raise ValueError(PRIVATE_KEY)
    if kind != "PUBLIC KEY BLOCK":
        raise ValueError(f"armor holds a PGP {kind}, not a PUBLIC KEY BLOCK")
    body, checksum = _armor_body(match.group(2))
    try:
        binary = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("broken ASCII armor: the body is not base64") from None
    if checksum is not None and checksum != _crc24(binary):
        raise ValueError("ASCII armor checksum mismatch: the file is damaged")
    return binary


def _armor_body(block: str) -> tuple[str, int | None]:
    """Base64 body and CRC-24 of an armor block; header lines end at the first blank line."""
    lines = [line.strip() for line in block.split("\n")]
    if "" in lines and all(":" in line for line in lines[: lines.index("")]):
        lines = lines[lines.index("") + 1 :]
    body, checksum = [], None
    for line in lines:
        if line.startswith("=") and len(line) == 5:
            try:
                checksum = int.from_bytes(base64.b64decode(line[1:], validate=True), "big")
            except (binascii.Error, ValueError):
                raise ValueError("broken ASCII armor: bad checksum line") from None
        elif line:
            body.append(line)
    return "".join(body), checksum


def _crc24(data: bytes) -> int:
    crc = CRC24_INIT
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= CRC24_POLY
    return crc & 0xFFFFFF


def _packets(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(tag, body) of each packet, old or new header format (RFC 9580 §4.2)."""
    i = 0
    while i < len(data):
        first = data[i]
        if not first & 0x80:
            raise ValueError(f"not OpenPGP data (bad packet header at byte {i})")
        if first & 0x40:  # new format: 6-bit tag, 1/2/5-octet length
            tag, (length, header) = first & 0x3F, _new_length(data, i + 1)
        else:  # old format: 4-bit tag, length size in the low two bits
            tag, size = (first >> 2) & 0x0F, first & 0x03
            if size == 3:  # indeterminate: to the end of the data
                length, header = len(data) - i - 1, 1
            else:
                n = (1, 2, 4)[size]
                length, header = int.from_bytes(data[i + 1 : i + 1 + n], "big"), 1 + n
        start = i + header
        if start > len(data) or start + length > len(data):
            raise ValueError("truncated OpenPGP data (a packet runs past the end of the file)")
        yield tag, data[start : start + length]
        i = start + length


def _new_length(data: bytes, i: int) -> tuple[int, int]:
    """(body length, header size including the tag octet) of a new-format packet."""
    if i >= len(data) or (192 <= data[i] < 224 and i + 1 >= len(data)):  # no room for the length octets
        raise ValueError("truncated OpenPGP data")
    o = data[i]
    if o < 192:
        return o, 2
    if o < 224:
        return ((o - 192) << 8) + data[i + 1] + 192, 3
    if o == 255:
        return int.from_bytes(data[i + 1 : i + 5], "big"), 6
    raise ValueError("partial-length packet: key packets never use one, so this is not a key")


def _check_packets(binary: bytes) -> None:
    tags = []
    for tag, body in _packets(binary):
        if tag in (TAG_SECRET_KEY, TAG_SECRET_SUBKEY):
            raise ValueError(PRIVATE_KEY)
        if not tags and tag != TAG_PUBLIC_KEY:
            raise ValueError(f"not a public key: it starts with a {PACKET_NAMES.get(tag, f'tag {tag}')} packet")
        if not tags and (not body or body[0] not in (4, 5, 6)):
            raise ValueError(f"unsupported public key version {body[0] if body else '?'} (need 4 or later)")
        tags.append(tag)
    if not tags:
        raise ValueError("empty file")
    if TAG_USER_ID not in tags:
        raise ValueError("public key without a user ID; export it with `gpg --export <email>`")
