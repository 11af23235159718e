"""`lz mfa enable|disable`: flip require_mfa safely, in one command.

Enforcing MFA on the roles locks out whoever cannot answer it, so `enable` first checks
that every profile the stacks will switch to carries an `mfa_serial` and that the IAM
user behind each has an MFA device; it changes nothing (project.yaml byte-identical)
when either is missing, and names the command that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from landing_zone import naming, roles
from landing_zone.aws import inifile
from landing_zone.aws.files import AwsFiles, read_text
from landing_zone.aws.profiles import stored_key
from landing_zone.aws.sessions import client, keys_session
from landing_zone.config import editor
from landing_zone.config.loader import parse_project
from landing_zone.config.model import Project
from landing_zone.postdeploy.errors import PostdeployError
from landing_zone.settings import Settings


@dataclass(frozen=True)
class AccountChange:
    account: str
    roles: tuple[str, ...]  # whose trust policy gains (or loses) the MFA condition
    profile_from: str
    profile_to: str


def changes(project: Project, enable: bool) -> list[AccountChange]:
    bootstrap = naming.credentials_profile(project.short_name, "BOOTSTRAP")
    out = []
    for account in project.account_names:
        mfa_profile = naming.stack_profile(project.short_name, account)
        bootstrap_side = bootstrap if account == naming.MANAGEMENT else f"{bootstrap} → {naming.OAAR_ROLE}"
        before, after = (bootstrap_side, mfa_profile) if enable else (mfa_profile, bootstrap_side)
        out.append(AccountChange(account, tuple(r.name for r in roles.roles_in(account) if r.mfa), before, after))
    return out


def readiness_problems(project: Project, settings: Settings, aws_dir: Path) -> list[str]:
    """Why enforcing MFA now would lock the operator out; empty when it is safe."""
    files = AwsFiles.of(aws_dir, project.short_name)
    config = inifile.read(read_text(files.config))
    problems: list[str] = []
    sources: dict[str, str] = {}  # source profile → an account whose profile uses it
    for account in project.account_names:
        profile, kind = naming.stack_profile(project.short_name, account), naming.stack_credentials_type(account)
        values = config.get(naming.config_section(profile))
        if values is None:
            problems.append(f"no profile {profile} in {files.config}: run `lz credentials configure --type {kind}`")
            continue
        sources.setdefault(values.get("source_profile", ""), account)
        if not values.get("mfa_serial"):
            problems.append(f"profile {profile} has no mfa_serial: run `lz credentials configure --type {kind} --skip-access-keys-setup --fetch-mfa-device`")
    # A missing device comes first: enrolling it is the first fix, fetching its serial the second.
    devices = [p for source, account in sources.items() for p in _device_problems(project, settings, files, source, naming.stack_credentials_type(account))]
    return devices + problems


def _device_problems(project: Project, settings: Settings, files: AwsFiles, source: str, kind: str) -> list[str]:
    key = stored_key(files, source)
    if key is None:
        return [f"no access keys for profile {source}: run `lz credentials configure --type {kind}`"]
    sess = keys_session(key, project.primary_region)
    arn = client(sess, "sts", settings).get_caller_identity()["Arn"]
    if ":user/" not in arn:
        return [f"profile {source} is not an IAM user ({arn}): MFA needs a person's IAM user"]
    user = arn.rsplit("/", 1)[-1]
    if client(sess, "iam", settings).list_mfa_devices(UserName=user)["MFADevices"]:
        return []
    account = "" if kind == "MANAGEMENT" else f" --account {naming.SECURITY}"
    return [
        f"IAM user {user} (profile {source}) has no MFA device: enforcing MFA would lock it out; "
        f"run `lz mfa enroll {user}{account}`, then "
        f"`lz credentials configure --type {kind} --skip-access-keys-setup --fetch-mfa-device`"
    ]


def write_flag(path: Path, enabled: bool) -> Project:
    """Set require_mfa in project.yaml (checked before it is written); returns the new model."""
    text = editor.with_require_mfa(path.read_text(encoding="utf-8"), enabled)
    project, _ = parse_project(text, path)
    if project.require_mfa is not enabled:
        raise PostdeployError(f"could not set require_mfa in {path}")
    editor.edit_file(path, lambda _old: text)
    return project


def describe(change: AccountChange, enable: bool) -> str:
    verb = "require MFA" if enable else "no longer require MFA"
    return f"{change.account}: trust of {', '.join(change.roles)} will {verb}; stacks switch from {change.profile_from} to {change.profile_to}"
