"""`lz mfa login|enroll|enable|disable`: MFA devices, cached MFA sessions, the require_mfa switch."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import (
    AccountOpt,
    AwsDirOpt,
    ConfigOpt,
    DemoCodesOpt,
    ParallelOpt,
    TargetOpt,
    aws_dir,
    command_group,
    console,
    load_project,
    load_settings,
)

if TYPE_CHECKING:
    from landing_zone.aws.files import AwsFiles
    from landing_zone.config.model import Project
    from landing_zone.settings import Settings

mfa_app = command_group("MFA devices and cached MFA sessions.")
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Don't ask for confirmation (CI).")]


def _project_files(config: Path | None, target: str | None, aws_dir_option: Path | None) -> tuple[Settings, Project, Path, AwsFiles]:
    """Settings, the project, the AWS dir and the project's files in it: what login and enroll start from."""
    from landing_zone.aws.files import AwsFiles

    settings = load_settings(config, target)
    project = load_project(settings)
    root = aws_dir(aws_dir_option, settings)
    return settings, project, root, AwsFiles.of(root, project.short_name)


@mfa_app.command("login")
def mfa_login(
    profile: Annotated[str | None, typer.Option("--profile", help="Role profile to log in.", show_default="every MFA profile of the project")] = None,
    code: Annotated[str | None, typer.Option("--code", help="The current one-time code (else prompted).")] = None,
    aws_dir_option: AwsDirOpt = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
    demo_codes: DemoCodesOpt = False,
) -> None:
    """Assume MFA role profiles once and cache the session (reused until 30 minutes remain)."""
    from landing_zone.aws import mfa_sessions, profiles
    from landing_zone.aws.sessions import require_endpoint
    from landing_zone.postdeploy import totp

    settings, project, root, files = _project_files(config, target, aws_dir_option)
    require_endpoint(settings)
    names = [profile] if profile else profiles.mfa_profiles(files)
    if not names:
        raise UserError(f"no profile in {files.config} requires MFA (run `lz credentials configure --fetch-mfa-device`)")
    if code and len(names) > 1:
        raise UserError(f"--code logs in one profile: pick one with --profile ({', '.join(names)})")
    for name in names:
        rp = profiles.role_profile(files, name)
        cached = mfa_sessions.read_cache(files, rp)
        if cached and not code:
            typer.echo(f"{name}: cached session valid until {cached['Expiration']}", err=True)
            continue
        if demo_codes and rp.mfa_serial:
            this_code = totp.demo_code(settings, rp.mfa_serial)
        else:
            this_code = code or console().ask(f"MFA code for {name} ({rp.mfa_serial})", why_needed="no MFA code: pass --code")
        creds = mfa_sessions.login(project, name, this_code, aws_dir=root, settings=settings)
        typer.echo(f"{name}: MFA session valid until {creds['Expiration']} (cached in {files.cache_dir})", err=True)


@mfa_app.command("enroll")
def mfa_enroll(
    user: Annotated[str, typer.Argument(help="IAM user name (first.last).")],
    account: AccountOpt = "management",
    profile: Annotated[
        str | None, typer.Option("--profile", help="Profile to call IAM with.", show_default="the account's own keys, else bootstrap/OAAR")
    ] = None,
    aws_dir_option: AwsDirOpt = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
    demo_codes: DemoCodesOpt = False,
) -> None:
    """Create a virtual MFA device for USER, show its QR code, enable it with two codes."""
    from landing_zone import naming
    from landing_zone.aws import inifile, mfa_sessions
    from landing_zone.aws.files import read_text
    from landing_zone.aws.sessions import caller_identity, client, require_endpoint
    from landing_zone.postdeploy import mfa, totp

    settings, project, root, files = _project_files(config, target, aws_dir_option)
    cons = console()
    require_endpoint(settings)
    if account not in project.account_names:
        raise UserError(f"unknown account '{account}' (accounts: {', '.join(project.account_names)})")
    if profile is None:
        creds = inifile.read(read_text(files.credentials))
        cfg = inifile.read(read_text(files.config))
        candidates = [naming.profile(project.short_name, account)]
        candidates.append(
            naming.credentials_profile(project.short_name, "BOOTSTRAP")
            if account == naming.MANAGEMENT
            else naming.account_profile(project.short_name, account, "BOOTSTRAP")
        )
        profile = next((p for p in candidates if p in creds or naming.config_section(p) in cfg), None)
        if profile is None:
            raise UserError(f"no credentials for account {account} in {files.root}: run `lz credentials configure` or pass --profile")
    sess = mfa_sessions.profile_session(
        project, profile, aws_dir=root, settings=settings, prompt=lambda text: cons.ask(text, why_needed="the profile needs an MFA code")
    )
    iam = client(sess, "iam", settings)
    cons.echo(f"Enrolling an MFA device for {user} in account {caller_identity(sess, settings).account} (profile {profile})")
    existing = iam.list_mfa_devices(UserName=user)["MFADevices"]
    if existing:  # re-running the journey must not stack up devices
        typer.echo(f"{user}: MFA device {existing[0]['SerialNumber']} already enabled; nothing to do")
        return
    codes = totp.demo_codes(settings) if demo_codes else None
    serial = mfa.enroll(iam, user, label=naming.account_alias(project.project_name, account), console=cons, codes=codes)
    typer.echo(f"{user}: MFA device {serial} enabled")
    typer.echo("next: `lz credentials configure --type MANAGEMENT|SECURITY --skip-access-keys-setup --fetch-mfa-device`", err=True)


def _switch_mfa(enable: bool, *, yes: bool, parallel: int, config: Path | None, target: str | None, demo_codes: bool) -> None:
    from landing_zone.aws.sessions import require_endpoint
    from landing_zone.cli.deploying import code_source, report
    from landing_zone.deploy import auth
    from landing_zone.deploy.command import identities_stacks, run_command
    from landing_zone.deploy.orchestrate import Selection
    from landing_zone.postdeploy import mfa_switch

    settings = load_settings(config, target)
    project = load_project(settings)
    deployed = auth.deployed_enforcement(project, settings)
    if project.require_mfa is enable and deployed is enable:
        typer.echo(f"require_mfa is already {str(enable).lower()} and deployed; nothing to do")
        return
    require_endpoint(settings)
    if enable:
        problems = mfa_switch.readiness_problems(project, settings, auth.aws_dir(settings))
        if problems:
            raise UserError("\n".join(["refusing to require MFA (nothing was changed):", *problems]))
    for change in mfa_switch.changes(project, enable):
        typer.echo(mfa_switch.describe(change, enable))
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("confirm with --yes (no terminal to ask)")
        typer.confirm(f"Set require_mfa: {str(enable).lower()} and redeploy the identities stacks?", abort=True)
    auth.record(settings, deployed)  # what is deployed now, before project.yaml says otherwise
    project = mfa_switch.write_flag(settings.config_path, enable)
    typer.echo(f"{settings.config_path}: require_mfa: {str(enable).lower()}", err=True)
    from landing_zone.cli.worklock import holding

    with holding(settings.work_dir, "lz mfa " + ("enable" if enable else "disable")):
        tasks = run_command(project, settings, "up", Selection(identities_stacks(project)), parallel=parallel, code_for=code_source(settings, demo_codes))
    report("up", tasks)
    typer.echo(
        f"MFA {'required' if enable else 'no longer required'}; `lz up` now runs with "
        f"{'the MFA role sessions (`lz mfa login`)' if enable else 'the bootstrap credentials'}"
    )


@mfa_app.command("enable")
def mfa_enable(yes: YesOpt = False, parallel: ParallelOpt = 3, config: ConfigOpt = None, target: TargetOpt = None, demo_codes: DemoCodesOpt = False) -> None:
    """Require MFA on the roles of every account (set require_mfa, redeploy identities, switch profiles).

    Refuses, changing nothing, while the operator's IAM user has no MFA device or the
    profiles lack mfa_serial.
    """
    _switch_mfa(True, yes=yes, parallel=parallel, config=config, target=target, demo_codes=demo_codes)


@mfa_app.command("disable")
def mfa_disable(yes: YesOpt = False, parallel: ParallelOpt = 3, config: ConfigOpt = None, target: TargetOpt = None, demo_codes: DemoCodesOpt = False) -> None:
    """Stop requiring MFA (the last run uses the MFA sessions; then back to the bootstrap credentials)."""
    _switch_mfa(False, yes=yes, parallel=parallel, config=config, target=target, demo_codes=demo_codes)
