"""`lz passwords show|demo-keys`: the initial console passwords of the IAM users."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from landing_zone.cli.errors import UserError
from landing_zone.cli.options import AccountOpt, ConfigOpt, TargetOpt, command_group, load_project, load_settings

if TYPE_CHECKING:
    from landing_zone.config.model import Project
    from landing_zone.settings import Settings

passwords_app = command_group("Initial console passwords of the IAM users.")


def encrypted_password_of(project: Project, settings: Settings, user: str, account: str) -> bytes:
    """The user's encrypted password, from the `users` output of `<account>-identities`."""
    from landing_zone import layers, naming
    from landing_zone.deploy.outputs import NotDeployed, stack_outputs
    from landing_zone.postdeploy import passwords

    if account not in project.account_names:
        raise UserError(f"unknown account '{account}' (accounts: {', '.join(project.account_names)})")
    stack = naming.stack_id(account, layers.IDENTITIES)
    from landing_zone.cli.deploying import code_source

    users = stack_outputs(project, settings, stack, code_source(settings, False)).get(naming.USERS_OUTPUT)
    if not isinstance(users, dict):
        raise NotDeployed(stack)  # applied by older code, without the output
    return passwords.encrypted_password(users, user, account)


@passwords_app.command("show")
def passwords_show(
    user: Annotated[str, typer.Argument(help="IAM user name (first.last).")],
    account: AccountOpt = "management",
    passphrase_file: Annotated[Path | None, typer.Option("--passphrase-file", help="First line: the private key's passphrase (else gpg-agent).")] = None,
    gnupghome: Annotated[Path | None, typer.Option("--gnupghome", envvar="GNUPGHOME", help="GPG home with the private key.")] = None,
    config: ConfigOpt = None,
    target: TargetOpt = None,
) -> None:
    """Decrypt and print a user's initial console password (from the identities stack)."""
    from landing_zone.postdeploy import passwords

    settings = load_settings(config, target)
    project = load_project(settings)
    home = str(gnupghome) if gnupghome else None
    passphrase = passwords.read_passphrase_file(passphrase_file) if passphrase_file else None
    ciphertext = encrypted_password_of(project, settings, user, account)
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
    gnupghome: Annotated[Path | None, typer.Option("--gnupghome", help="Where the throwaway keypairs go.", show_default="<work dir>/demo-gnupg")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing key files.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Demo only: throwaway keypairs; public keys into keys/<first.last>, private ones stay in the work dir."""
    from landing_zone.postdeploy import demo_keys

    settings = load_settings(config, None)
    home = (gnupghome or demo_keys.default_gnupghome(settings)).resolve()
    for key in demo_keys.generate(settings.config_path, home, force=force):
        typer.echo(f"{key.user}: {key.path} ({key.status})", err=True)
    typer.echo(f"export GNUPGHOME={home.resolve()}")
