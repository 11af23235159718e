"""boto3 sessions from access keys or from the project's profile files.

boto3 is imported inside the functions: the CLI imports this module at start-up.
Against the emulator every client goes to settings.endpoint (deploy.aws.client).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from landing_zone.postdeploy.errors import PostdeployError
from landing_zone.settings import Settings


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    secret: str = field(repr=False)  # never in a repr, a log line or an error message
    session_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str

    @property
    def user_name(self) -> str | None:
        """The IAM user name when the caller is an IAM user (arn:aws:iam::…:user/[path/]name)."""
        resource = self.arn.split(":", 5)[-1]
        return resource.rsplit("/", 1)[-1] if resource.startswith("user/") else None


def require_endpoint(settings: Settings) -> None:
    if settings.target == "local" and not settings.endpoint:
        raise PostdeployError("no emulator is running (start one with `lz emulator start`)")


def keys_session(key: AccessKey, region: str) -> Any:
    import boto3

    return boto3.Session(
        aws_access_key_id=key.key_id,
        aws_secret_access_key=key.secret,
        aws_session_token=key.session_token,
        region_name=region,
    )


def client(session: Any, service: str, settings: Settings) -> Any:
    from landing_zone.deploy.aws import client as make_client

    return make_client(session, service, settings)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or type(exc).__name__)


def aws_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


def caller_identity(session: Any, settings: Settings) -> Identity:
    """`sts get-caller-identity`: proves the keys work and names their account."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        resp = client(session, "sts", settings).get_caller_identity()
    except (ClientError, NoCredentialsError) as exc:
        raise PostdeployError(f"the access keys were not accepted ({error_code(exc)})") from None
    except BotoCoreError as exc:
        raise PostdeployError(f"cannot reach AWS STS: {exc}") from None
    return Identity(account=resp["Account"], arn=resp["Arn"])
