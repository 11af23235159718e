"""`lz sso configure|login|logout`: people sign in through IAM Identity Center with standard AWS profiles."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import AwsDirOpt, ConfigOpt, DemoCodesOpt, TargetOpt, aws_dir, command_group, load_project, load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from landing_zone.config.model import Project
    from landing_zone.settings import Settings

sso_app = command_group("People on IAM Identity Center: standard SSO profiles and sign-in.")

UserOpt = Annotated[str | None, typer.Option("--user", "-u", help="An Identity Center user of project.yaml (email or first.last).")]


def _loaded(config: Path | None, target: str | None) -> tuple[Settings, Project]:
    """Settings and project of an `lz sso` command that talks to Identity Center."""
    from landing_zone.aws.sessions import require_endpoint

    settings = load_settings(config, target)
    project = load_project(settings)
    require_endpoint(settings)
    return settings, project


def _user_name(project: Project, user: str | None) -> str | None:
    """The Identity Center user name (the email) of `--user`."""
    if user is None:
        return None
    for person in project.users:
        if user.lower() in (person.email.lower(), person.login):
            return person.email
    raise UserError(f"--user {user}: no such user in project.yaml's users: ({', '.join(p.email for p in project.users) or 'none'})")


def session_name(project: Project, settings: Settings) -> str:
    from landing_zone import naming

    return naming.sso_session(project.short_name, emulator=settings.target == "local")


def _start_url(project: Project, settings: Settings, demo_codes: bool) -> str:
    from landing_zone import naming
    from landing_zone.cli.deploying import code_source
    from landing_zone.deploy.outputs import stack_outputs

    stack = naming.stack_id(naming.MANAGEMENT, "sso")
    url = stack_outputs(project, settings, stack, code_source(settings, demo_codes)).get(naming.SSO_START_URL_OUTPUT)
    if not isinstance(url, str):
        raise UserError(f"stack {stack} has no {naming.SSO_START_URL_OUTPUT} output yet: run `lz up` (or pass --start-url)")
    return url


@sso_app.command("configure")
def sso_configure(
    user: UserOpt = None,
    start_url: Annotated[str | None, typer.Option("--start-url", help="The AWS access portal URL (default: what `lz up` recorded).")] = None,
    aws_dir_option: AwsDirOpt = None,
    demo_codes: DemoCodesOpt = False,
    config: ConfigOpt = None,
    target: TargetOpt = None,
) -> None:
    """Write [sso-session] and one profile per account × permission set (of --user, else of every group)."""
    from landing_zone import naming
    from landing_zone.access.model import build
    from landing_zone.access.terraform import StacksNotFound, load_stacks
    from landing_zone.aws import files, inifile
    from landing_zone.postdeploy import sso

    settings, project = _loaded(config, target)
    if not project.sso.enabled:
        raise UserError("sso.enabled is false in project.yaml: lz manages no Identity Center here")
    person = _user_name(project, user)
    try:
        model = build(load_stacks(settings.work_dir))
    except StacksNotFound:
        raise UserError(f"no deployed stacks under {settings.work_dir}: run `lz up` first") from None
    assignments = [(name, group, account) for name, pset in model.permission_sets.items() for group, account in pset.assignments]
    ids = {name: account.id for name, account in model.accounts.items()}
    found = sso.grants(assignments, model.sso_members, ids, project.account_names, person)
    if not found:
        raise UserError(f"{person or 'no group'} has no permission set assigned in any account (users.*.groups in project.yaml)")
    session = session_name(project, settings)
    updates = sso.config_updates(
        project.short_name,
        session,
        start_url=start_url or _start_url(project, settings, demo_codes),
        region=project.primary_region,
        grants=found,
        endpoint=settings.endpoint if settings.target == "local" else None,
    )
    project_files = files.AwsFiles.of(aws_dir(aws_dir_option, settings), project.short_name)
    with files.locked(project_files):
        current = files.read_text(project_files.config)
        taken = sso.clashes(inifile.read(current), updates)
        if taken:
            raise UserError(
                f"{project_files.config}: profile {', '.join(n.removeprefix('profile ') for n in taken)} signs in with keys and a role "
                "(lz credentials configure); an SSO profile of that name would break it: give this person's SSO profiles "
                "their own AWS directory with --aws-dir"
            )
        text = inifile.update(current, updates)
        files.check_parses(project_files.config, text)
        files.write_keeping_mode(project_files.config, text)
    for grant in found:
        typer.echo(
            f"{naming.sso_profile(project.short_name, grant.account, grant.permission_set)}: {grant.permission_set} in {grant.account} ({grant.account_id})"
        )
    typer.echo(f"sso-session {session} and {len(found)} profiles in {project_files.config}; next: `lz sso login`", err=True)


def _session_config(project: Project, settings: Settings, directory: Path | None) -> tuple[str, dict[str, str]]:
    from landing_zone import naming
    from landing_zone.aws import files, inifile

    project_files = files.AwsFiles.of(aws_dir(directory, settings), project.short_name)
    session = session_name(project, settings)
    values = inifile.read(files.read_text(project_files.config)).get(naming.sso_session_section(session), {})
    if not values.get("sso_start_url") or not values.get("sso_region"):
        raise UserError(f"no [sso-session {session}] in {project_files.config}: run `lz sso configure` first")
    return session, values


def _oidc(settings: Settings, region: str) -> Any:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    endpoint = settings.endpoint if settings.target == "local" else None
    return boto3.client("sso-oidc", region_name=region, endpoint_url=endpoint, config=Config(signature_version=UNSIGNED))


def _show(uri: str, code: str) -> None:
    typer.echo(f"Open {uri}\nand check the code {code}, then allow the access.", err=True)
    if sys.stderr.isatty():
        import segno

        segno.make(uri, error="l").terminal(out=sys.stderr, compact=True)


def _approve_demo(endpoint: str, user_code: str, user_name: str) -> None:
    """Emulator only: the person's sign-in in the browser, done by lz."""
    import json
    import urllib.request

    from landing_zone.emulator.sso_portal import APPROVE_PATH

    body = json.dumps({"userCode": user_code, "userName": user_name}).encode()
    request = urllib.request.Request(f"{endpoint}{APPROVE_PATH}", data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except OSError as exc:
        raise UserError(f"the emulator did not approve the sign-in of {user_name}: {exc}") from None


@sso_app.command("login")
def sso_login(
    demo: Annotated[bool, typer.Option("--demo", hidden=True, help="Emulator only: approve the device as --user (default: the first user).")] = False,
    user: UserOpt = None,
    aws_dir_option: AwsDirOpt = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
) -> None:
    """Sign in through the AWS access portal (device code) and cache the token where AWS tools read it."""
    from landing_zone.aws import sso_token
    from landing_zone.postdeploy import sso

    settings, project = _loaded(config, target)
    if demo and settings.target != "local":
        raise UserError("--demo approves the sign-in on the emulator only; on AWS open the URL and approve it yourself")
    session, values = _session_config(project, settings, aws_dir_option)
    oidc = _oidc(settings, values["sso_region"])
    try:
        device = sso.start(oidc, f"lz-{session}", values["sso_start_url"])
        _show(device.verification_uri, device.user_code)
        if demo:
            person = _user_name(project, user) or (project.users[0].email if project.users else None)
            if person is None:
                raise UserError("project.yaml has no users to sign in as")
            _approve_demo(str(settings.endpoint), device.user_code, person)
        token = sso.wait_for_token(oidc, device)
    except sso.SsoLoginError as exc:
        raise UserError(str(exc)) from None
    path = sso_token.write(session, start_url=values["sso_start_url"], region=values["sso_region"], token=token, client=device.client)
    typer.echo(f"signed in to {values['sso_start_url']} (sso-session {session}); token cached in {path}", err=True)


@sso_app.command("logout")
def sso_logout(aws_dir_option: AwsDirOpt = None, config: ConfigOpt = None, target: TargetOpt = None) -> None:
    """Remove the cached SSO token of the project's session (the profiles stay)."""
    from landing_zone.aws import sso_token

    settings = load_settings(config, target)
    project = load_project(settings)
    session = session_name(project, settings)
    removed = sso_token.remove(session)
    typer.echo(f"sso-session {session}: " + ("signed out" if removed else "was not signed in"), err=True)
