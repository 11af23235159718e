"""Cached MFA sessions of role profiles: what `lz mfa login` writes and the stacks run with.

Terraform can't prompt for a one-time code, so a role profile that carries `mfa_serial`
is assumed here once (`sts assume-role` with the serial and the code) and the temporary
credentials are cached under `<aws dir>/<short>/cache/` (0600), reused until fewer than
30 minutes remain.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from landing_zone import naming
from landing_zone.aws import inifile
from landing_zone.aws.errors import AwsError
from landing_zone.aws.files import AwsFiles, read_text, write_private
from landing_zone.aws.profiles import RoleProfile, role_profile, stored_key
from landing_zone.aws.sessions import AccessKey, client, error_code, keys_session
from landing_zone.config.model import Project
from landing_zone.settings import Settings

SESSION_SECONDS = 3600
REFRESH_BEFORE = timedelta(minutes=30)
CODE = re.compile(r"^\d{6}$")

Prompt = Callable[[str], str]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def read_cache(files: AwsFiles, rp: RoleProfile, now: datetime | None = None) -> dict[str, str] | None:
    """Cached credentials of `rp` when they are for the same role and device and still fresh."""
    # Any other shape (an earlier release's, a damaged file) is a cache miss: a new session replaces it.
    try:
        data = json.loads(files.cache_file(rp.name).read_text())
        expires = datetime.fromisoformat(data["Expiration"])
        if data.get("RoleArn") != rp.role_arn or data.get("MfaSerial") != rp.mfa_serial:
            return None  # the profile was reconfigured since
        if expires - _now(now) < REFRESH_BEFORE:
            return None
        return {k: str(data[k]) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _region(project: Project, rp: RoleProfile) -> str:
    return rp.region or project.primary_region


def login(project: Project, profile: str, code: str, *, aws_dir: Path, settings: Settings) -> dict[str, str]:
    """Assume the profile's role with its MFA serial and `code`; cache and return the credentials."""
    from botocore.exceptions import ClientError

    files = AwsFiles.of(aws_dir, project.short_name)
    rp = role_profile(files, profile)
    if not rp.mfa_serial:
        raise AwsError(f"profile {profile} has no mfa_serial (run `lz credentials configure --skip-access-keys-setup --fetch-mfa-device`)")
    code = code.strip()
    if not CODE.match(code):
        raise AwsError("an MFA code is 6 digits")
    source = stored_key(files, rp.source_profile)
    if source is None:
        raise AwsError(f"no access keys for profile {rp.source_profile} in {files.credentials}")
    sts = client(keys_session(source, _region(project, rp)), "sts", settings)
    try:
        resp = sts.assume_role(
            RoleArn=rp.role_arn, RoleSessionName=naming.role_session_name(profile), SerialNumber=rp.mfa_serial, TokenCode=code, DurationSeconds=SESSION_SECONDS
        )
    except ClientError as exc:
        message = (exc.response.get("Error") or {}).get("Message", "")
        raise AwsError(f"assuming {rp.role_arn} with MFA failed ({error_code(exc)}: {message})") from None
    c = resp["Credentials"]
    expiration = c["Expiration"]
    if isinstance(expiration, datetime):
        expiration = expiration.astimezone(UTC).isoformat()
    creds = {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"], "SessionToken": c["SessionToken"], "Expiration": str(expiration)}
    cache = {**creds, "Profile": profile, "RoleArn": rp.role_arn, "MfaSerial": rp.mfa_serial}
    write_private(files.cache_file(profile), json.dumps(cache, indent=2, sort_keys=True) + "\n")
    return creds


def cached_credentials(
    project: Project, profile: str, aws_dir: Path, prompt: Prompt, *, settings: Settings | None = None, now: datetime | None = None
) -> dict[str, str]:
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
    return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"], "AWS_SESSION_TOKEN": creds["SessionToken"]}


def profile_session(project: Project, profile: str, *, aws_dir: Path, settings: Settings, prompt: Prompt) -> Any:
    """A boto3 session for a profile of the project's files: keys, or a role (MFA via the cache)."""
    files = AwsFiles.of(aws_dir, project.short_name)
    values = inifile.read(read_text(files.config)).get(naming.config_section(profile), {})
    if values.get("role_arn"):
        rp = role_profile(files, profile)
        if rp.mfa_serial:
            creds = cached_credentials(project, profile, aws_dir, prompt, settings=settings)
            return keys_session(AccessKey.of(creds), _region(project, rp))
        source = stored_key(files, rp.source_profile)
        if source is None:
            raise AwsError(f"no access keys for profile {rp.source_profile} in {files.credentials}")
        resp = client(keys_session(source, _region(project, rp)), "sts", settings).assume_role(
            RoleArn=rp.role_arn, RoleSessionName=naming.role_session_name(profile)
        )["Credentials"]
        return keys_session(AccessKey.of(resp), _region(project, rp))
    key = stored_key(files, profile)
    if key is None:
        raise AwsError(f"no access keys for profile {profile} in {files.credentials} (run `lz credentials configure` or pass --profile)")
    return keys_session(key, values.get("region") or project.primary_region)
