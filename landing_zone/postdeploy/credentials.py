"""`lz credentials configure`: the reference's `leverage credentials configure`, re-runnable.

Every check runs before anything is kept: the keys are validated with
`sts get-caller-identity`, their account is compared with project.yaml, the accounts and
the MFA serial are fetched; only then are the files written (atomically; the config file
backed up first when it changes). A re-run with the same inputs writes nothing.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landing_zone import naming
from landing_zone.aws import inifile
from landing_zone.aws.files import AwsFiles, backup, check_parses, locked, read_text, writable, write_keeping_mode, write_private
from landing_zone.aws.profiles import stored_key
from landing_zone.aws.sessions import AccessKey, Identity, caller_identity, client, error_code, keys_session
from landing_zone.config import editor, load_project
from landing_zone.config.model import Project
from landing_zone.postdeploy import profiles
from landing_zone.postdeploy.errors import PostdeployError
from landing_zone.postdeploy.ui import Console
from landing_zone.settings import EMULATOR_SECRET, Settings, emulator_access_key

_ACCOUNT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_CSV_KEY_ID, _CSV_SECRET = "access key id", "secret access key"


def read_key_csv(path: Path) -> AccessKey:
    """The key in an AWS console access-key CSV ("Access key ID","Secret access key")."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # the console writes a byte-order mark
    except OSError as exc:
        raise PostdeployError(f"cannot read {path}: {exc.strerror}") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    if _CSV_KEY_ID not in columns or _CSV_SECRET not in columns:
        raise PostdeployError(f'{path}: expected the columns "Access key ID" and "Secret access key"')
    rows = [r for r in reader if (r.get(columns[_CSV_KEY_ID]) or "").strip()]
    if len(rows) != 1:
        raise PostdeployError(f"{path}: expected one access key, found {len(rows)}")
    key_id = rows[0][columns[_CSV_KEY_ID]].strip()
    secret = (rows[0][columns[_CSV_SECRET]] or "").strip()
    if not secret:
        raise PostdeployError(f"{path}: the secret access key is empty")
    return AccessKey(key_id, secret)


def key_from_env(env: Mapping[str, str] | None = None) -> AccessKey | None:
    """AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), for CI."""
    env = os.environ if env is None else env
    key_id, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if not key_id or not secret:
        return None
    return AccessKey(key_id, secret, env.get("AWS_SESSION_TOKEN") or None)


@dataclass(frozen=True)
class Request:
    cred_type: str  # one of naming.CREDENTIAL_TYPES
    key: AccessKey | None = None  # from --credentials-file or the environment
    skip_keys: bool = False  # --skip-access-keys-setup
    overwrite: bool = False  # --overwrite-existing-credentials
    fetch_mfa: bool = False  # --fetch-mfa-device


@dataclass(frozen=True)
class Result:
    profile: str
    identity: Identity
    credentials_changed: bool
    management_id_written: str | None
    accounts: dict[str, str]
    mfa_serial: str | None
    profiles: list[str]
    config_changed: bool
    backup: Path | None


def _choose_key(req: Request, existing: AccessKey | None, profile: str, files: AwsFiles, project: Project, settings: Settings, console: Console) -> AccessKey:
    where = f"profile {profile} in {files.credentials}"
    if req.skip_keys:
        if existing is None:
            raise PostdeployError(f"no access keys for {where}; run without --skip-access-keys-setup first")
        return existing
    if existing is not None and not req.overwrite:
        if req.key is None or req.key == existing:
            if req.key is None and console.interactive and console.confirm(f"Access keys are already set for {where}. Replace them?"):
                return _ask_key(console)
            console.echo(f"Keeping the access keys of {where}")
            return existing
        if not (console.interactive and console.confirm(f"Replace the access keys of {where}?")):
            raise PostdeployError(
                f"access keys are already set for {where}; pass --overwrite-existing-credentials to replace them (or --skip-access-keys-setup to keep them)"
            )
    if req.key is not None:
        return req.key
    if settings.target == "local" and req.cred_type == "BOOTSTRAP" and project.management.id != editor.PLACEHOLDER_ID:
        # The emulator's key for an account is derived from its id (settings.emulator_access_key).
        console.echo("Using the emulator's key of the management account")
        return AccessKey(emulator_access_key(project.management.id or ""), EMULATOR_SECRET)
    return _ask_key(console)


def _ask_key(console: Console) -> AccessKey:
    why = "no access keys given: use --credentials-file or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    key_id = console.ask("Access key ID", why_needed=why).strip()
    secret = console.ask("Secret access key", hide=True, why_needed=why).strip()
    if not key_id or not secret:
        raise PostdeployError("both the access key ID and the secret access key are needed")
    return AccessKey(key_id, secret)


def _check_account(req: Request, identity: Identity, project: Project, id_missing: bool, config_path: Path, console: Console) -> str | None:
    """Compare the keys' account with project.yaml; the first BOOTSTRAP run records it.

    Returns the id written into project.yaml, if any.
    """
    if req.cred_type == "SECURITY":
        return None
    if id_missing and req.cred_type == "BOOTSTRAP":
        editor.edit_file(config_path, lambda text: editor.with_management_id(text, identity.account))
        console.echo(f"Wrote the management account id {identity.account} into {config_path}")
        return identity.account
    if identity.account == project.management.id:
        return None
    mismatch = f"these keys belong to account {identity.account}, but {config_path} says the management account is {project.management.id}"
    if req.cred_type == "BOOTSTRAP" and console.interactive and console.confirm(f"{mismatch}. Write {identity.account} into {config_path}?"):
        editor.edit_file(config_path, lambda text: editor.with_management_id(text, identity.account))
        console.echo(f"Wrote the management account id {identity.account} into {config_path}")
        return identity.account
    raise PostdeployError(f"{mismatch}; use the management account's keys (or fix the id in {config_path})")


def organization_accounts(session: Any, settings: Settings, project: Project, management_id: str | None, console: Console) -> dict[str, str] | None:
    """Active accounts of the organization by landing-zone name (`<project_name>-` removed).

    {} when no organization exists yet; None when these keys may not list accounts.
    """
    from botocore.exceptions import ClientError

    prefix = naming.org_account_name(project.project_name, "")
    accounts: dict[str, str] = {}
    try:
        for page in client(session, "organizations", settings).get_paginator("list_accounts").paginate():
            for acct in page["Accounts"]:
                if acct.get("Status", "ACTIVE") != "ACTIVE":
                    continue
                if acct["Id"] == management_id:
                    accounts[naming.MANAGEMENT] = acct["Id"]
                    continue
                name = acct["Name"].removeprefix(prefix) if acct["Name"].startswith(prefix) else ""
                if not _ACCOUNT_NAME.match(name):
                    console.echo(f"  skipping account {acct['Id']} ({acct['Name']}): its name lacks the prefix '{prefix}'")
                    continue
                accounts[name] = acct["Id"]
    except ClientError as exc:
        code = error_code(exc)
        if code == "AWSOrganizationsNotInUseException":
            return {}
        if code in ("AccessDeniedException", "AccessDenied"):
            return None
        raise PostdeployError(f"organizations list-accounts failed ({code})") from None
    return accounts


def mfa_serial_of(session: Any, settings: Settings, identity: Identity) -> str:
    from botocore.exceptions import ClientError

    user = identity.user_name
    if user is None:
        raise PostdeployError(f"--fetch-mfa-device needs the keys of an IAM user; these are {identity.arn}")
    try:
        devices = client(session, "iam", settings).list_mfa_devices(UserName=user)["MFADevices"]
    except ClientError as exc:
        raise PostdeployError(f"iam list-mfa-devices for {user} failed ({error_code(exc)})") from None
    if not devices:
        raise PostdeployError(f"IAM user {user} has no MFA device yet (enroll one with `lz mfa enroll {user}`)")
    return str(devices[0]["SerialNumber"])


def _accounts_for(
    req: Request, session: Any, settings: Settings, project: Project, identity: Identity, config: Mapping[str, Mapping[str, str]], console: Console
) -> dict[str, str]:
    console.echo("Fetching organization accounts")
    management_id = project.management.id if req.cred_type == "SECURITY" else identity.account
    listed = organization_accounts(session, settings, project, management_id, console)
    if req.cred_type != "SECURITY":
        if listed is None:
            raise PostdeployError(f"the {req.cred_type} keys may not list the organization's accounts (AccessDenied)")
        if not listed:
            console.echo("  the organization does not exist yet: only the management account's profile is written; run this again after `lz up`")
        return {naming.MANAGEMENT: identity.account, **listed}
    accounts = {**profiles.known_account_ids(project, config), **(listed or {})}
    members = {k: v for k, v in accounts.items() if k != naming.MANAGEMENT}
    if not members:
        raise PostdeployError("the member accounts' ids are not known yet: run `lz credentials configure --type BOOTSTRAP` (or MANAGEMENT) first")
    expected = accounts.get("security")
    if expected and identity.account != expected:
        raise PostdeployError(f"these keys belong to account {identity.account}, not the security account {expected}")
    return accounts


def configure(req: Request, *, config_path: Path, settings: Settings, aws_dir: Path, console: Console) -> Result:
    if req.cred_type not in naming.CREDENTIAL_TYPES:
        raise PostdeployError(f"unknown credentials type '{req.cred_type}': use one of {', '.join(naming.CREDENTIAL_TYPES)}")
    if req.cred_type == "BOOTSTRAP":
        project, _, id_missing = editor.load_allowing_missing_management_id(config_path)
    else:
        project, _ = load_project(config_path)
        id_missing = False
    files = AwsFiles.of(aws_dir, project.short_name)
    profile = naming.credentials_profile(project.short_name, req.cred_type)
    console.echo(f"Configuring {req.cred_type.lower()} credentials ({profile})")

    key = _choose_key(req, stored_key(files, profile), profile, files, project, settings, console)
    session = keys_session(key, project.primary_region)
    identity = caller_identity(session, settings)
    console.echo(f"  the keys work: {identity.arn}")
    written_id = _check_account(req, identity, project, id_missing, config_path, console)
    if written_id:
        project, _ = load_project(config_path)

    with locked(files):  # read, update, write: one configure at a time
        config_text = read_text(files.config)
        check_parses(files.config, config_text)
        config = inifile.read(config_text)
        accounts = _accounts_for(req, session, settings, project, identity, config, console)
        serial = None
        if req.fetch_mfa:
            console.echo("Fetching the MFA device serial")
            serial = mfa_serial_of(session, settings, identity)

        # Everything is known and checked: now write.
        creds_old = read_text(files.credentials)
        check_parses(files.credentials, creds_old)
        for path in (files.credentials, files.config):
            writable(path)  # refused before either is written
        creds_values: dict[str, str | None] = {
            "aws_access_key_id": key.key_id,
            "aws_secret_access_key": key.secret,
            "aws_session_token": key.session_token,
        }
        creds_new = inifile.update(creds_old, {profile: creds_values})
        if creds_new != creds_old:
            write_private(files.credentials, creds_new)
            console.echo(f"Credentials of {profile} written to {files.credentials}")
        else:
            os.chmod(files.credentials, 0o600)

        updates = profiles.config_updates(project, req.cred_type, accounts, mfa_serial=serial, existing=config)
        names = [s.removeprefix("profile ") for s in updates][1:]
        for name in names:
            console.echo(f"  configuring profile {name}")
        config_new = inifile.update(config_text, updates)
        saved = None
        if config_new != config_text:
            saved = backup(files.config)
            if saved:
                console.echo(f"Backed up {files.config} to {saved.name}")
            write_keeping_mode(files.config, config_new)
            console.echo(f"Account profiles written to {files.config}")
        else:
            console.echo(f"Account profiles in {files.config} are up to date")
        return Result(profile, identity, creds_new != creds_old, written_id, accounts, serial, names, config_new != config_text, saved)
