"""MFA: enroll a virtual device from the CLI, and cached MFA sessions for role profiles.

Terraform can't prompt for a one-time code, so a role profile that carries `mfa_serial`
is assumed here once (`sts assume-role` with the serial and the code) and the temporary
credentials are cached under `<aws dir>/<short>/cache/` (0600), reused until fewer than
30 minutes remain. `cached_credentials` is the hook the deploy code calls.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from landing_zone import naming
from landing_zone.config.model import Project
from landing_zone.postdeploy import inifile
from landing_zone.postdeploy.awsapi import AccessKey, client, error_code, keys_session
from landing_zone.postdeploy.awsdir import AwsFiles, read_text, write_private
from landing_zone.postdeploy.credentials import stored_key
from landing_zone.postdeploy.errors import PostdeployError
from landing_zone.postdeploy.ui import Console
from landing_zone.settings import Settings

SESSION_SECONDS = 3600
REFRESH_BEFORE = timedelta(minutes=30)
ISSUER = "Amazon Web Services"  # what the AWS console's QR codes say; authenticator apps show it
_CODE = re.compile(r"^\d{6}$")

Prompt = Callable[[str], str]


@dataclass(frozen=True)
class RoleProfile:
    name: str
    role_arn: str
    source_profile: str
    mfa_serial: str | None
    region: str | None


def role_profile(files: AwsFiles, name: str) -> RoleProfile:
    values = inifile.read(read_text(files.config)).get(naming.config_section(name))
    if values is None:
        raise PostdeployError(f"no profile {name} in {files.config} (run `lz credentials configure` first)")
    if not values.get("role_arn") or not values.get("source_profile"):
        raise PostdeployError(f"profile {name} in {files.config} assumes no role (no role_arn/source_profile)")
    return RoleProfile(name, values["role_arn"], values["source_profile"], values.get("mfa_serial") or None,
                       values.get("region") or None)  # fmt: skip


def mfa_profiles(files: AwsFiles) -> list[str]:
    """Names of the role profiles in the project's config that require MFA, in file order."""
    return [s.removeprefix("profile ") for s, v in inifile.read(read_text(files.config)).items()
            if s.startswith("profile ") and v.get("role_arn") and v.get("mfa_serial")]  # fmt: skip


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def read_cache(files: AwsFiles, rp: RoleProfile, now: datetime | None = None) -> dict[str, str] | None:
    """Cached credentials of `rp` when they are for the same role and device and still fresh."""
    try:
        data = json.loads(files.cache_file(rp.name).read_text())
        expires = datetime.fromisoformat(data["Expiration"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("RoleArn") != rp.role_arn or data.get("MfaSerial") != rp.mfa_serial:
        return None  # the profile was reconfigured since
    if expires - _now(now) < REFRESH_BEFORE:
        return None
    return {k: data[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")}


def _region(project: Project, rp: RoleProfile) -> str:
    return rp.region or project.primary_region


def login(project: Project, profile: str, code: str, *, aws_dir: Path, settings: Settings) -> dict[str, str]:
    """Assume the profile's role with its MFA serial and `code`; cache and return the credentials."""
    from botocore.exceptions import ClientError

    files = AwsFiles.of(aws_dir, project.short_name)
    rp = role_profile(files, profile)
    if not rp.mfa_serial:
        raise PostdeployError(f"profile {profile} has no mfa_serial "
                              "(run `lz credentials configure --skip-access-keys-setup --fetch-mfa-device`)")  # fmt: skip
    code = code.strip()
    if not _CODE.match(code):
        raise PostdeployError("an MFA code is 6 digits")
    source = stored_key(files, rp.source_profile)
    if source is None:
        raise PostdeployError(f"no access keys for profile {rp.source_profile} in {files.credentials}")
    sts = client(keys_session(source, _region(project, rp)), "sts", settings)
    try:
        resp = sts.assume_role(RoleArn=rp.role_arn, RoleSessionName=naming.role_session_name(profile),
                               SerialNumber=rp.mfa_serial, TokenCode=code, DurationSeconds=SESSION_SECONDS)  # fmt: skip
    except ClientError as exc:
        message = (exc.response.get("Error") or {}).get("Message", "")
        raise PostdeployError(f"assuming {rp.role_arn} with MFA failed ({error_code(exc)}: {message})") from None
    c = resp["Credentials"]
    expiration = c["Expiration"]
    if isinstance(expiration, datetime):
        expiration = expiration.astimezone(timezone.utc).isoformat()
    creds = {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
             "SessionToken": c["SessionToken"], "Expiration": str(expiration)}  # fmt: skip
    cache = {**creds, "Profile": profile, "RoleArn": rp.role_arn, "MfaSerial": rp.mfa_serial}
    write_private(files.cache_file(profile), json.dumps(cache, indent=2, sort_keys=True) + "\n")
    return creds


def cached_credentials(project: Project, profile: str, aws_dir: Path, prompt: Prompt, *,
                       settings: Settings | None = None, now: datetime | None = None) -> dict[str, str]:  # fmt: skip
    """Temporary credentials of an MFA role profile: the cached ones while at least 30
    minutes remain, else `prompt` asks for a code once and the role is assumed again.

    Returns AccessKeyId, SecretAccessKey, SessionToken, Expiration (ISO 8601);
    `as_env` turns them into AWS_* variables for terraform. Without `settings` the calls
    go to real AWS.
    """
    files = AwsFiles.of(aws_dir, project.short_name)
    rp = role_profile(files, profile)
    cached = read_cache(files, rp, now)
    if cached:
        return cached
    settings = settings or Settings(config_path=project.base_dir / "project.yaml", target="aws")
    code = prompt(f"MFA code for {profile} ({rp.mfa_serial})")
    return login(project, profile, code, aws_dir=aws_dir, settings=settings)


def as_env(creds: dict[str, str]) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]}  # fmt: skip


def profile_session(project: Project, profile: str, *, aws_dir: Path, settings: Settings, prompt: Prompt) -> Any:
    """A boto3 session for a profile of the project's files: keys, or a role (MFA via the cache)."""
    files = AwsFiles.of(aws_dir, project.short_name)
    values = inifile.read(read_text(files.config)).get(naming.config_section(profile), {})
    if values.get("role_arn"):
        rp = role_profile(files, profile)
        if rp.mfa_serial:
            creds = cached_credentials(project, profile, aws_dir, prompt, settings=settings)
            key = AccessKey(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
            return keys_session(key, _region(project, rp))
        source = stored_key(files, rp.source_profile)
        if source is None:
            raise PostdeployError(f"no access keys for profile {rp.source_profile} in {files.credentials}")
        resp = client(keys_session(source, _region(project, rp)), "sts", settings).assume_role(
            RoleArn=rp.role_arn, RoleSessionName=naming.role_session_name(profile)
        )["Credentials"]
        key = AccessKey(resp["AccessKeyId"], resp["SecretAccessKey"], resp["SessionToken"])
        return keys_session(key, _region(project, rp))
    key = stored_key(files, profile)
    if key is None:
        raise PostdeployError(f"no access keys for profile {profile} in {files.credentials} "
                              "(run `lz credentials configure` or pass --profile)")  # fmt: skip
    return keys_session(key, values.get("region") or project.primary_region)


# --- enrolling a virtual MFA device ---


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
        if not (_CODE.match(code1) and _CODE.match(code2)):
            raise PostdeployError("MFA codes are 6 digits")
        iam.enable_mfa_device(UserName=user, SerialNumber=device.serial,
                              AuthenticationCode1=code1, AuthenticationCode2=code2)  # fmt: skip
    except (ClientError, PostdeployError) as exc:
        iam.delete_virtual_mfa_device(SerialNumber=device.serial)
        if isinstance(exc, PostdeployError):
            raise
        raise PostdeployError(f"the codes were not accepted ({error_code(exc)}); run `lz mfa enroll {user}` again "
                              "and enter two consecutive codes") from None  # fmt: skip


def enroll(iam: Any, user: str, *, label: str, console: Console,
           codes: Callable[[NewDevice], tuple[str, str]] | None = None) -> str:  # fmt: skip
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
