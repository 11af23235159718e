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
