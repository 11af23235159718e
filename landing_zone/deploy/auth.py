"""Which credentials the stacks run with: bootstrap keys, or the MFA role sessions.

The mode follows project.yaml's `require_mfa` and what was last deployed, recorded in
`<work_dir>/mfa-state.json` by `lz up`/`lz mfa enable`. Without a record, project.yaml is
taken as deployed. When the two differ, the identities stacks are redeployed once more
with the credentials that still work (the transition), and only then does the mode switch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from landing_zone import naming
from landing_zone.aws import files, mfa_sessions, profiles
from landing_zone.config.model import Project
from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import Auth, Settings

# (profile, mfa serial) → the current one-time code
CodeSource = Callable[[str, str], str]


def _state_file(settings: Settings) -> Path:
    return settings.work_dir / "mfa-state.json"


def recorded(settings: Settings) -> bool | None:
    """Whether the deployed MFA roles require MFA, as last recorded (None: never recorded)."""
    try:
        return bool(json.loads(_state_file(settings).read_text())["enforced"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record(settings: Settings, enforced: bool) -> None:
    atomic_write_text(_state_file(settings), json.dumps({"enforced": enforced}) + "\n")


def mode(enforced: bool) -> Auth:
    return "mfa" if enforced else "bootstrap"


def deployed_enforcement(project: Project, settings: Settings) -> bool:
    state = recorded(settings)
    return project.require_mfa if state is None else state


def aws_dir(settings: Settings) -> Path:
    return files.resolve(None, settings)


def session_credentials(project: Project, settings: Settings, accounts: list[str], code_for: CodeSource) -> dict[str, dict[str, str]]:
    """Temporary credentials per account from the MFA session cache; asks for a code only
    for a profile whose cached session is missing or has under 30 minutes left.

    Called before stacks run in parallel, so any prompt happens once, up front.
    """
    project_files = files.AwsFiles.of(aws_dir(settings), project.short_name)
    emulator = settings if settings.target == "local" else None
    creds = {}
    for account in accounts:
        rp = profiles.role_profile(project_files, naming.stack_profile(project.short_name, account))

        def prompt(_text: str, rp: profiles.RoleProfile = rp) -> str:
            return code_for(rp.name, rp.mfa_serial or "")

        creds[account] = mfa_sessions.cached_credentials(project, rp.name, aws_dir(settings), prompt, settings=emulator)
    return creds


# --- auth: sso (the operator's Identity Center session) ---


def uses_sso(project: Project, settings: Settings) -> bool:
    return settings.auth == "sso" or (project.auth == "sso" and settings.auth != "ci")


def sso_credentials(project: Project, settings: Settings, accounts: list[str], account_ids: dict[str, str]) -> dict[str, dict[str, str]]:
    """Temporary credentials per account from the cached SSO token: management's from the
    Administrator permission set, each member's through OAAR from those. Fetched fresh before
    every run (1 h each), so a long run never starts with credentials about to expire."""
    from landing_zone.aws import sso_token
    from landing_zone.aws.sessions import AccessKey, error_code, keys_session
    from landing_zone.deploy.errors import DeployError

    session = naming.sso_session(project.short_name, emulator=settings.target == "local")
    token = sso_token.read(session)
    if token is None or token.left().total_seconds() < 300:
        state = "has expired" if token else "is not signed in"
        raise DeployError(f"auth: sso, but the SSO session {session} {state}: run `lz sso login` (then `lz up` again)")
    management_id = account_ids.get(naming.MANAGEMENT) or project.management.id or ""
    endpoint = settings.endpoint if settings.target == "local" else None
    portal = _unsigned_client("sso", project.primary_region, endpoint)
    role = naming.SSO_DEPLOY_PERMISSION_SET
    try:
        issued = portal.get_role_credentials(accessToken=token.access_token, accountId=management_id, roleName=role)["roleCredentials"]
    except Exception as exc:  # botocore's ClientError, imported lazily
        code = error_code(exc)
        if code == "UnauthorizedException":
            raise DeployError(f"the SSO session {session} was not accepted (expired or signed out): run `lz sso login`") from None
        raise DeployError(f"auth: sso: no {role} permission set for you in management ({management_id}): {code}") from None
    management = {"AccessKeyId": issued["accessKeyId"], "SecretAccessKey": issued["secretAccessKey"], "SessionToken": issued["sessionToken"]}
    creds: dict[str, dict[str, str]] = {naming.MANAGEMENT: management}
    sts = keys_session(AccessKey.of(management), project.primary_region).client("sts", endpoint_url=endpoint)
    for account in accounts:
        if account == naming.MANAGEMENT or account not in account_ids:
            continue
        arn = naming.role_arn(account_ids[account], naming.OAAR_ROLE)
        try:
            creds[account] = dict(sts.assume_role(RoleArn=arn, RoleSessionName=naming.role_session_name(session))["Credentials"])
        except Exception as exc:  # botocore's ClientError
            raise DeployError(f"auth: sso: the {role} session cannot assume {arn} ({error_code(exc)})") from None
    return creds


def _unsigned_client(service: str, region: str, endpoint: str | None) -> Any:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    return boto3.client(service, region_name=region, endpoint_url=endpoint, config=Config(signature_version=UNSIGNED))
