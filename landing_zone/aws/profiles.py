"""Reading the project's profiles: stored access keys and assumable-role profiles."""

from __future__ import annotations

from dataclasses import dataclass

from landing_zone import naming
from landing_zone.aws import inifile
from landing_zone.aws.errors import AwsError
from landing_zone.aws.files import AwsFiles, read_text
from landing_zone.aws.sessions import AccessKey


@dataclass(frozen=True)
class RoleProfile:
    name: str
    role_arn: str
    source_profile: str
    mfa_serial: str | None
    region: str | None


def stored_key(files: AwsFiles, profile: str) -> AccessKey | None:
    values = inifile.read(read_text(files.credentials)).get(profile, {})
    if not values.get("aws_access_key_id") or not values.get("aws_secret_access_key"):
        return None
    return AccessKey(values["aws_access_key_id"], values["aws_secret_access_key"], values.get("aws_session_token"))


def role_profile(files: AwsFiles, name: str) -> RoleProfile:
    values = inifile.read(read_text(files.config)).get(naming.config_section(name))
    if values is None:
        raise AwsError(f"no profile {name} in {files.config} (run `lz credentials configure` first)")
    if not values.get("role_arn") or not values.get("source_profile"):
        raise AwsError(f"profile {name} in {files.config} assumes no role (no role_arn/source_profile)")
    return RoleProfile(name, values["role_arn"], values["source_profile"], values.get("mfa_serial") or None, values.get("region") or None)


def mfa_profiles(files: AwsFiles) -> list[str]:
    """Names of the role profiles in the project's config that require MFA, in file order."""
    return [
        s.removeprefix("profile ")
        for s, v in inifile.read(read_text(files.config)).items()
        if s.startswith("profile ") and v.get("role_arn") and v.get("mfa_serial")
    ]
