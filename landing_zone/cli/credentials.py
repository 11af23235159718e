"""`lz credentials configure`: access keys and per-account AWS profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import (
    AccountOpt,
    AwsDirOpt,
    ConfigOpt,
    TargetOpt,
    aws_dir,
    command_group,
    console,
    load_project,
    load_settings,
)

credentials_app = command_group("Access keys and per-account AWS profiles.")


@credentials_app.command("configure")
def credentials_configure(
    cred_type: Annotated[str, typer.Option("--type", help="BOOTSTRAP, MANAGEMENT or SECURITY (any case).")],
    fetch_mfa_device: Annotated[bool, typer.Option("--fetch-mfa-device", help="Add the user's MFA serial to the profiles.")] = False,
    skip_access_keys_setup: Annotated[bool, typer.Option("--skip-access-keys-setup", help="Keep the stored keys; only (re)write the profiles.")] = False,
    overwrite_existing_credentials: Annotated[
        bool, typer.Option("--overwrite-existing-credentials", help="Replace keys already stored for this type.")
    ] = False,
    credentials_file: Annotated[Path | None, typer.Option("--credentials-file", help="The AWS console's access-key CSV.")] = None,
    aws_dir_option: AwsDirOpt = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
) -> None:
    """Store access keys, check them, and write a profile per account (role OAAR or DevOps).

    Keys come from --credentials-file, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else a
    prompt. The first BOOTSTRAP run writes the management account id into project.yaml.
    """
    from landing_zone.aws.sessions import require_endpoint
    from landing_zone.postdeploy import credentials

    settings = load_settings(config, target)
    require_endpoint(settings)
    key = credentials.read_key_csv(credentials_file) if credentials_file else credentials.key_from_env()
    req = credentials.Request(cred_type.upper(), key, skip_access_keys_setup, overwrite_existing_credentials, fetch_mfa_device)
    result = credentials.configure(req, config_path=settings.config_path, settings=settings, aws_dir=aws_dir(aws_dir_option, settings), console=console())
    typer.echo(f"{result.profile}: {len(result.profiles)} account profiles" + (f", MFA {result.mfa_serial}" if result.mfa_serial else ""))


@credentials_app.command("emulator-access-key", hidden=True)
def credentials_emulator_access_key(
    user: Annotated[str, typer.Argument(help="IAM user name (first.last).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the console-style CSV (0600).")],
    account: AccountOpt = "management",
    config: ConfigOpt = None,
) -> None:
    """Emulator only: create an access key for USER (the console step) and write its CSV."""
    from landing_zone.aws.files import write_private
    from landing_zone.aws.sessions import client, error_code, require_endpoint, session
    from landing_zone.postdeploy.credentials import organization_accounts

    settings = load_settings(config, "local")
    project = load_project(settings)
    require_endpoint(settings)
    management = session(project, settings)
    ids = organization_accounts(management, settings, project, project.management.id, console()) or {}
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
