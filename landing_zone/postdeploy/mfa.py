"""MFA: enroll a virtual device from the CLI (the cached MFA sessions live in aws.mfa_sessions)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from landing_zone import naming
from landing_zone.aws.mfa_sessions import CODE
from landing_zone.aws.sessions import error_code
from landing_zone.postdeploy.errors import PostdeployError
from landing_zone.postdeploy.ui import Console

ISSUER = "Amazon Web Services"  # what the AWS console's QR codes say; authenticator apps show it


@dataclass(frozen=True)
class NewDevice:
    serial: str
    seed: str = field(repr=False)  # base32; shown once on the terminal, never logged
    uri: str = field(repr=False)


def otpauth_uri(seed: str, user: str, label: str) -> str:
    name = urllib.parse.quote(f"{ISSUER}:{user}@{label}")
    return f"otpauth://totp/{name}?secret={seed}&issuer={urllib.parse.quote(ISSUER)}"


def create_device(iam: Any, user: str, label: str) -> NewDevice:
    """A virtual MFA device named after `user`; a leftover unassigned one is replaced."""
    from botocore.exceptions import ClientError

    try:  # list-mfa-devices is in the self-management policy; get-user may not be
        existing = iam.list_mfa_devices(UserName=user)["MFADevices"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            raise PostdeployError(f"no IAM user {user} in this account (deploy the identities stack first)") from None
        raise PostdeployError(f"iam list-mfa-devices for {user} failed ({error_code(exc)})") from None
    if existing:
        raise PostdeployError(f"IAM user {user} already has an MFA device ({existing[0]['SerialNumber']})")
    name = naming.mfa_device_name(user)
    for attempt in (1, 2):
        try:
            device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
            break
        except ClientError as exc:
            if error_code(exc) != "EntityAlreadyExists" or attempt == 2:
                raise PostdeployError(f"iam create-virtual-mfa-device failed ({error_code(exc)})") from None
            # An earlier enroll stopped before enabling it: that device was never usable.
            for left in iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]:
                if left["SerialNumber"].endswith(f":mfa/{name}"):
                    iam.delete_virtual_mfa_device(SerialNumber=left["SerialNumber"])
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else str(seed)
    return NewDevice(device["SerialNumber"], seed, otpauth_uri(seed, user, label))


def qr_text(uri: str) -> str:
    import io

    import segno

    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def enable_device(iam: Any, user: str, device: NewDevice, code1: str, code2: str) -> None:
    """Enable with two consecutive codes; on failure the device is deleted so a re-run starts clean."""
    from botocore.exceptions import ClientError

    try:
        if not (CODE.match(code1) and CODE.match(code2)):
            raise PostdeployError("MFA codes are 6 digits")
        iam.enable_mfa_device(UserName=user, SerialNumber=device.serial, AuthenticationCode1=code1, AuthenticationCode2=code2)
    except (ClientError, PostdeployError) as exc:
        iam.delete_virtual_mfa_device(SerialNumber=device.serial)
        if isinstance(exc, PostdeployError):
            raise
        raise PostdeployError(f"the codes were not accepted ({error_code(exc)}); run `lz mfa enroll {user}` again and enter two consecutive codes") from None


def enroll(iam: Any, user: str, *, label: str, console: Console, codes: Callable[[NewDevice], tuple[str, str]] | None = None) -> str:
    """Create, show (QR code and secret) and enable a virtual MFA device; returns its serial.

    `codes` supplies the two codes without a person (the emulator demo); otherwise they
    are prompted, so a terminal is required before anything is created.
    """
    if codes is None and not console.interactive:
        raise PostdeployError("enrolling an MFA device needs a terminal (the codes come from your authenticator app)")
    device = create_device(iam, user, label)
    try:
        if codes is None:
            console.echo(f"Scan this QR code with an authenticator app (device {device.serial}):")
            console.echo(qr_text(device.uri))
            console.echo(f"or enter this secret by hand: {device.seed}")
            code1 = console.prompt("First code", False)
            code2 = console.prompt("Next code (wait until it changes)", False)
        else:
            code1, code2 = codes(device)
    except BaseException:
        iam.delete_virtual_mfa_device(SerialNumber=device.serial)
        raise
    enable_device(iam, user, device, code1.strip(), code2.strip())
    return device.serial
