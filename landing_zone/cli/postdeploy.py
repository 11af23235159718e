"""`lz passwords|credentials|mfa`: the post-deploy steps of the reference, from the CLI.

Only typer at import time: boto3, gnupg and the landing_zone.postdeploy modules are
imported inside the commands, so `lz --help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import ConfigOpt, DemoCodesOpt, ParallelOpt, TargetOpt, command_group, load_project, load_settings

if TYPE_CHECKING:
    from landing_zone.config.model import Project
    from landing_zone.postdeploy.ui import Console
    from landing_zone.settings import Settings

passwords_app = command_group("Initial console passwords of the IAM users.")
credentials_app = command_group("Access keys and per-account AWS profiles.")
mfa_app = command_group("MFA devices and cached MFA sessions.")

AwsDirOpt = Annotated[
    Optional[Path],
    typer.Option("--aws-dir", envvar="LZ_AWS_DIR", help="Instead of ~/.aws (files go to <dir>/<short>/).",
                 show_default="~/.aws; <work dir>/aws on the emulator"),  # fmt: skip
]
AccountOpt = Annotated[str, typer.Option("--account", "-a", help="Account of the IAM user.")]


@contextmanager
def _user_errors() -> Iterator[None]:
    from landing_zone.postdeploy.errors import PostdeployError

    try:
        yield
    except PostdeployError as exc:
        raise UserError(str(exc)) from None




def _console() -> Console:
    from landing_zone.postdeploy.ui import Console

    return Console(
        echo=lambda text: typer.echo(text, err=True),
        prompt=lambda text, hide: str(typer.prompt(text, hide_input=hide, err=True)),
        confirm=lambda text: bool(typer.confirm(text, default=False, err=True)),
        interactive=sys.stdin.isatty(),
    )


def _aws_dir(option: Path | None, settings: Settings) -> Path:
    from landing_zone.postdeploy import awsdir

    return awsdir.resolve(option, settings)


def _demo_seed_file(settings: Settings, serial: str) -> Path:
    # arn:aws:iam::<account>:mfa/<name> → one throwaway seed per emulator device, in the work dir.
    parts = serial.split(":")
    return settings.work_dir / "demo-mfa" / f"{parts[4]}-{parts[-1].rsplit('/', 1)[-1]}.seed"


def demo_code(settings: Settings, serial: str) -> str:
    """Emulator only: the current code of a device enrolled with --demo-codes."""
    from landing_zone.postdeploy import totp

    _require_emulator_for_demo(settings)
    seed_file = _demo_seed_file(settings, serial)
    if not seed_file.is_file():
        raise UserError(f"no demo seed for {serial} (enroll it with `lz mfa enroll --demo-codes`)")
    return totp.code(seed_file.read_text().strip())


def _require_emulator_for_demo(settings: Settings) -> None:
    if settings.target != "local":
        raise UserError("--demo-codes works against the emulator only")


# --- passwords ---


@passwords_app.command("show")
def passwords_show(
    user: Annotated[str, typer.Argument(help="IAM user name (first.last).")],
    account: AccountOpt = "management",
    passphrase_file: Annotated[
        Optional[Path], typer.Option("--passphrase-file", help="First line: the private key's passphrase (else gpg-agent).")
    ] = None,
    gnupghome: Annotated[Optional[Path], typer.Option("--gnupghome", envvar="GNUPGHOME", help="GPG home with the private key.")] = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
) -> None:
    """Decrypt and print a user's initial console password (from the identities stack)."""
    from landing_zone.postdeploy import passwords

    settings = load_settings(config, target)
    project = load_project(settings)
    home = str(gnupghome) if gnupghome else None
    with _user_errors():
        passphrase = passwords.read_passphrase_file(passphrase_file) if passphrase_file else None
        ciphertext = passwords.encrypted_password(project, settings, user, account)
        try:
            password = passwords.decrypt(ciphertext, passphrase=passphrase, gnupghome=home)
        except passwords.PassphraseNeeded:
            if passphrase is not None or not sys.stdin.isatty():
                raise
            asked = typer.prompt(f"Passphrase of {user}'s GPG key", hide_input=True, err=True)
            password = passwords.decrypt(ciphertext, passphrase=asked, gnupghome=home)
    typer.echo(password)
    typer.echo(f"(the initial password of {user} in {account}; AWS asks for a new one at the first sign-in)", err=True)


@passwords_app.command("demo-keys", hidden=True)
def passwords_demo_keys(
    gnupghome: Annotated[Optional[Path], typer.Option("--gnupghome", help="Where the throwaway keypairs go.",
                                                      show_default="<work dir>/demo-gnupg")] = None,  # fmt: skip
    force: Annotated[bool, typer.Option("--force", help="Replace existing key files.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Demo only: throwaway keypairs; public keys into keys/<first.last>, private ones stay in the work dir."""
    from landing_zone.postdeploy import demo_keys

    settings = load_settings(config, None)
    home = (gnupghome or demo_keys.default_gnupghome(settings)).resolve()
    with _user_errors():
        for key in demo_keys.generate(settings.config_path, home, force=force):
            typer.echo(f"{key.user}: {key.path} ({key.status})", err=True)
    typer.echo(f"export GNUPGHOME={home.resolve()}")


# --- credentials ---


@credentials_app.command("configure")
def credentials_configure(
    cred_type: Annotated[str, typer.Option("--type", help="BOOTSTRAP, MANAGEMENT or SECURITY (any case).")],
    fetch_mfa_device: Annotated[bool, typer.Option("--fetch-mfa-device", help="Add the user's MFA serial to the profiles.")] = False,
    skip_access_keys_setup: Annotated[
        bool, typer.Option("--skip-access-keys-setup", help="Keep the stored keys; only (re)write the profiles.")
    ] = False,
    overwrite_existing_credentials: Annotated[
        bool, typer.Option("--overwrite-existing-credentials", help="Replace keys already stored for this type.")
    ] = False,
    credentials_file: Annotated[
        Optional[Path], typer.Option("--credentials-file", help="The AWS console's access-key CSV.")
    ] = None,
    aws_dir: AwsDirOpt = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
) -> None:
    """Store access keys, check them, and write a profile per account (role OAAR or DevOps).

    Keys come from --credentials-file, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else a
    prompt. The first BOOTSTRAP run writes the management account id into project.yaml.
    """
    from landing_zone.postdeploy import credentials
    from landing_zone.postdeploy.awsapi import require_endpoint

    settings = load_settings(config, target)
    with _user_errors():
        require_endpoint(settings)
        key = credentials.read_key_csv(credentials_file) if credentials_file else credentials.key_from_env()
        req = credentials.Request(cred_type.upper(), key, skip_access_keys_setup, overwrite_existing_credentials,
                                  fetch_mfa_device)  # fmt: skip
        result = credentials.configure(req, config_path=settings.config_path, settings=settings,
                                       aws_dir=_aws_dir(aws_dir, settings), console=_console())  # fmt: skip
    typer.echo(f"{result.profile}: {len(result.profiles)} account profiles"
               + (f", MFA {result.mfa_serial}" if result.mfa_serial else ""))  # fmt: skip


@credentials_app.command("emulator-access-key", hidden=True)
def credentials_emulator_access_key(
    user: Annotated[str, typer.Argument(help="IAM user name (first.last).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the console-style CSV (0600).")],
    account: AccountOpt = "management",
    config: ConfigOpt = None,
) -> None:
    """Emulator only: create an access key for USER (the console step) and write its CSV."""
    from landing_zone.deploy.aws import client, session
    from landing_zone.postdeploy.awsapi import error_code, require_endpoint
    from landing_zone.postdeploy.awsdir import write_private
    from landing_zone.postdeploy.credentials import organization_accounts

    settings = load_settings(config, "local")
    project = load_project(settings)
    with _user_errors():
        require_endpoint(settings)
        management = session(project, settings)
        ids = organization_accounts(management, settings, project, project.management.id, _console()) or {}
        if account not in ids:
            raise UserError(f"account '{account}' is not in the emulator's organization (run `lz up` first)")
        iam = client(session(project, settings, account, ids), "iam", settings)
        try:
            key = iam.create_access_key(UserName=user)["AccessKey"]
        except Exception as exc:  # botocore's ClientError, imported lazily
            raise UserError(f"iam create-access-key for {user} failed ({error_code(exc)})") from None
    write_private(out, f"Access key ID,Secret access key\n{key['AccessKeyId']},{key['SecretAccessKey']}\n")
    # Only the last characters of the key id, as the AWS console lists keys: the CSV holds it.
    typer.echo(f"{out}: access key …{key['AccessKeyId'][-4:]} of {user} in {account}", err=True)


# --- mfa ---


@mfa_app.command("login")
def mfa_login(
    profile: Annotated[Optional[str], typer.Option("--profile", help="Role profile to log in.",
                                                   show_default="every MFA profile of the project")] = None,  # fmt: skip
    code: Annotated[Optional[str], typer.Option("--code", help="The current one-time code (else prompted).")] = None,
    aws_dir: AwsDirOpt = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
    demo_codes: DemoCodesOpt = False,
) -> None:
    """Assume MFA role profiles once and cache the session (reused until 30 minutes remain)."""
    from landing_zone.postdeploy import mfa
    from landing_zone.postdeploy.awsapi import require_endpoint
    from landing_zone.postdeploy.awsdir import AwsFiles

    settings = load_settings(config, target)
    project = load_project(settings)
    root = _aws_dir(aws_dir, settings)
    files = AwsFiles.of(root, project.short_name)
    with _user_errors():
        require_endpoint(settings)
        names = [profile] if profile else mfa.mfa_profiles(files)
        if not names:
            raise UserError(f"no profile in {files.config} requires MFA "
                            "(run `lz credentials configure --fetch-mfa-device`)")  # fmt: skip
        if code and len(names) > 1:
            raise UserError(f"--code logs in one profile: pick one with --profile ({', '.join(names)})")
        for name in names:
            rp = mfa.role_profile(files, name)
            cached = mfa.read_cache(files, rp)
            if cached and not code:
                typer.echo(f"{name}: cached session valid until {cached['Expiration']}", err=True)
                continue
            if demo_codes and rp.mfa_serial:
                this_code = demo_code(settings, rp.mfa_serial)
            else:
                this_code = code or _console().ask(f"MFA code for {name} ({rp.mfa_serial})",
                                                   why_needed="no MFA code: pass --code")  # fmt: skip
            creds = mfa.login(project, name, this_code, aws_dir=root, settings=settings)
            typer.echo(f"{name}: MFA session valid until {creds['Expiration']} (cached in {files.cache_dir})", err=True)


@mfa_app.command("enroll")
def mfa_enroll(
    user: Annotated[str, typer.Argument(help="IAM user name (first.last).")],
    account: AccountOpt = "management",
    profile: Annotated[Optional[str], typer.Option("--profile", help="Profile to call IAM with.",
                                                   show_default="the account's own keys, else bootstrap/OAAR")] = None,  # fmt: skip
    aws_dir: AwsDirOpt = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
    demo_codes: DemoCodesOpt = False,
) -> None:
    """Create a virtual MFA device for USER, show its QR code, enable it with two codes."""
    from landing_zone import naming
    from landing_zone.postdeploy import inifile, mfa
    from landing_zone.postdeploy.awsapi import caller_identity, client, require_endpoint
    from landing_zone.postdeploy.awsdir import AwsFiles, read_text

    settings = load_settings(config, target)
    project = load_project(settings)
    root = _aws_dir(aws_dir, settings)
    files = AwsFiles.of(root, project.short_name)
    console = _console()
    with _user_errors():
        require_endpoint(settings)
        if account not in project.account_names:
            raise UserError(f"unknown account '{account}' (accounts: {', '.join(project.account_names)})")
        if profile is None:
            creds = inifile.read(read_text(files.credentials))
            cfg = inifile.read(read_text(files.config))
            candidates = [naming.profile(project.short_name, account)]
            candidates.append(naming.credentials_profile(project.short_name, "BOOTSTRAP") if account == naming.MANAGEMENT
                              else naming.account_profile(project.short_name, account, "BOOTSTRAP"))  # fmt: skip
            profile = next((p for p in candidates if p in creds or naming.config_section(p) in cfg), None)
            if profile is None:
                raise UserError(f"no credentials for account {account} in {files.root}: "
                                "run `lz credentials configure` or pass --profile")  # fmt: skip
        sess = mfa.profile_session(project, profile, aws_dir=root, settings=settings,
                                   prompt=lambda text: console.ask(text, why_needed="the profile needs an MFA code"))  # fmt: skip
        iam = client(sess, "iam", settings)
        console.echo(f"Enrolling an MFA device for {user} in account {caller_identity(sess, settings).account} (profile {profile})")
        existing = iam.list_mfa_devices(UserName=user)["MFADevices"]
        if existing:  # re-running the journey must not stack up devices
            typer.echo(f"{user}: MFA device {existing[0]['SerialNumber']} already enabled; nothing to do")
            return
        codes = None
        if demo_codes:
            _require_emulator_for_demo(settings)
            codes = _demo_codes(settings)
        serial = mfa.enroll(iam, user, label=naming.account_alias(project.project_name, account), console=console, codes=codes)
    typer.echo(f"{user}: MFA device {serial} enabled")
    typer.echo("next: `lz credentials configure --type MANAGEMENT|SECURITY --skip-access-keys-setup --fetch-mfa-device`",
               err=True)  # fmt: skip


def _demo_codes(settings: Settings):  # -> Callable[[NewDevice], tuple[str, str]]
    import time

    from landing_zone.postdeploy import totp
    from landing_zone.postdeploy.awsdir import write_private

    def codes(device) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        # Kept for `lz mfa login --demo-codes`: a throwaway emulator device, under the work dir.
        write_private(_demo_seed_file(settings, device.serial), device.seed + "\n")
        now = time.time()
        return totp.code(device.seed, now - totp.STEP), totp.code(device.seed, now)

    return codes


def _switch_mfa(enable: bool, *, yes: bool, parallel: int, config: Optional[Path], target: Optional[str],
                demo_codes: bool) -> None:  # fmt: skip
    from landing_zone.cli.deploying import code_source, report
    from landing_zone.deploy import auth
    from landing_zone.deploy.orchestrate import Selection
    from landing_zone.deploy.run import execute, identities_stacks
    from landing_zone.postdeploy import mfa_switch
    from landing_zone.postdeploy.awsapi import require_endpoint

    settings = load_settings(config, target)
    project = load_project(settings)
    deployed = auth.deployed_enforcement(project, settings)
    if project.require_mfa is enable and deployed is enable:
        typer.echo(f"require_mfa is already {str(enable).lower()} and deployed; nothing to do")
        return
    with _user_errors():
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
    with _user_errors():
        project = mfa_switch.write_flag(settings.config_path, enable)
    typer.echo(f"{settings.config_path}: require_mfa: {str(enable).lower()}", err=True)
    tasks = execute(project, settings, "up", Selection(identities_stacks(project)), parallel=parallel,
                    code_for=code_source(settings, demo_codes))  # fmt: skip
    report("up", tasks)
    typer.echo(f"MFA {'required' if enable else 'no longer required'}; `lz up` now runs with "
               f"{'the MFA role sessions (`lz mfa login`)' if enable else 'the bootstrap credentials'}")  # fmt: skip


YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Don't ask for confirmation (CI).")]


@mfa_app.command("enable")
def mfa_enable(yes: YesOpt = False, parallel: ParallelOpt = 3, config: ConfigOpt = None, target: TargetOpt = None,
               demo_codes: DemoCodesOpt = False) -> None:  # fmt: skip
    """Require MFA on the roles of every account (set require_mfa, redeploy identities, switch profiles).

    Refuses, changing nothing, while the operator's IAM user has no MFA device or the
    profiles lack mfa_serial.
    """
    _switch_mfa(True, yes=yes, parallel=parallel, config=config, target=target, demo_codes=demo_codes)


@mfa_app.command("disable")
def mfa_disable(yes: YesOpt = False, parallel: ParallelOpt = 3, config: ConfigOpt = None, target: TargetOpt = None,
                demo_codes: DemoCodesOpt = False) -> None:  # fmt: skip
    """Stop requiring MFA (the last run uses the MFA sessions; then back to the bootstrap credentials)."""
    _switch_mfa(False, yes=yes, parallel=parallel, config=config, target=target, demo_codes=demo_codes)
