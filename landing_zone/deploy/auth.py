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


def stack_profile(project: Project, account: str) -> str:
    """`<short>-management-oaar` for the management account, `<short>-<acct>-devops` elsewhere."""
    kind = "MANAGEMENT" if account == naming.MANAGEMENT else "SECURITY"
    return naming.account_profile(project.short_name, account, kind)


def aws_dir(settings: Settings) -> Path:
    from landing_zone.postdeploy import awsdir

    return awsdir.resolve(None, settings)


def session_credentials(
    project: Project, settings: Settings, accounts: list[str], code_for: CodeSource
) -> dict[str, dict[str, str]]:
    """Temporary credentials per account from the MFA session cache; asks for a code only
    for a profile whose cached session is missing or has under 30 minutes left.

    Called before stacks run in parallel, so any prompt happens once, up front.
    """
    from landing_zone.postdeploy import mfa
    from landing_zone.postdeploy.awsdir import AwsFiles

    files = AwsFiles.of(aws_dir(settings), project.short_name)
    emulator = settings if settings.target == "local" else None
    creds = {}
    for account in accounts:
        rp = mfa.role_profile(files, stack_profile(project, account))
        creds[account] = mfa.cached_credentials(
            project, rp.name, aws_dir(settings), lambda _text, rp=rp: code_for(rp.name, rp.mfa_serial or ""),
            settings=emulator,
        )
    return creds


def boto3_session(project: Project, creds: dict[str, str]) -> Any:
    import boto3

    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=project.primary_region,
    )
