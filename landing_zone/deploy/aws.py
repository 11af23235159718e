"""boto3 clients for a target and account: the emulator, or the operator's profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landing_zone import naming
from landing_zone.config.model import Project
from landing_zone.settings import EMULATOR_SECRET, Settings, emulator_access_key


def session(project: Project, settings: Settings, account: str = naming.MANAGEMENT,
            account_ids: dict[str, str] | None = None) -> Any:  # fmt: skip
    """A boto3 Session in `account` (member accounts through OrganizationAccountAccessRole)."""
    import boto3
    import botocore.session

    if settings.target == "local":
        base = boto3.Session(
            aws_access_key_id=emulator_access_key(project.management.id),
            aws_secret_access_key=EMULATOR_SECRET,
            region_name=project.primary_region,
        )
    else:
        core = botocore.session.Session(profile=settings.aws_profile or naming.profile(project.short_name, "bootstrap"))
        aws_dir = Path("~/.aws").expanduser() / project.short_name
        core.set_config_variable("config_file", str(aws_dir / "config"))
        core.set_config_variable("credentials_file", str(aws_dir / "credentials"))
        base = boto3.Session(botocore_session=core, region_name=project.primary_region)
    if account == naming.MANAGEMENT:
        return base
    account_id = (account_ids or {}).get(account) or project.account(account).id
    if not account_id:
        raise LookupError(f"the id of account '{account}' is not known yet (deploy management-organizations first)")
    creds = client(base, "sts", settings).assume_role(
        RoleArn=naming.role_arn(account_id, naming.OAAR_ROLE), RoleSessionName="landing-zone"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=project.primary_region,
    )


def client(sess: Any, service: str, settings: Settings) -> Any:
    """A client of `sess`, pointed at the emulator when the target is local."""
    kwargs: dict[str, Any] = {}
    if settings.target == "local":
        kwargs["endpoint_url"] = settings.endpoint
        if service == "s3":
            from botocore.config import Config

            kwargs["config"] = Config(s3={"addressing_style": "path"})
    return sess.client(service, **kwargs)
