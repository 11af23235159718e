"""boto3 sessions and clients: per target and account, from access keys or temporary credentials.

Against the emulator every client goes to settings.endpoint; member accounts are reached
through OrganizationAccountAccessRole, as terraform's providers reach them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from landing_zone import naming
from landing_zone.aws.errors import AwsError
from landing_zone.aws.files import AwsFiles, read_text, resolve
from landing_zone.config.model import Project
from landing_zone.settings import EMULATOR_SECRET, Settings, emulator_access_key


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    secret: str = field(repr=False)  # never in a repr, a log line or an error message
    session_token: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, creds: dict[str, str]) -> AccessKey:
        """From STS's Credentials (AccessKeyId, SecretAccessKey, SessionToken)."""
        return cls(creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("SessionToken"))


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
        raise AwsError("no emulator is running (start one with `lz emulator start`)")


def keys_session(key: AccessKey, region: str) -> Any:
    import boto3

    return boto3.Session(
        aws_access_key_id=key.key_id,
        aws_secret_access_key=key.secret,
        aws_session_token=key.session_token,
        region_name=region,
    )


def bootstrap_profile(project: Project, settings: Settings) -> str:
    return settings.aws_profile or naming.profile(project.short_name, "bootstrap")


def require_profile(project: Project, settings: Settings) -> AwsFiles:
    """The project's AWS files for `--target aws`, once they are known to hold the bootstrap
    profile; else one line naming the files read and the command that writes the profile."""
    from landing_zone.aws import inifile

    project_files = AwsFiles.of(resolve(None, settings), project.short_name)
    profile = bootstrap_profile(project, settings)
    sections = {**inifile.read(read_text(project_files.config)), **inifile.read(read_text(project_files.credentials))}
    if profile not in sections and naming.config_section(profile) not in sections:
        raise AwsError(
            f"no profile {profile} in {project_files.config} or {project_files.credentials} "
            f"(--target aws; LZ_AWS_DIR or LZ_AWS_PROFILE change where and which): create it with "
            f"`lz credentials configure --type BOOTSTRAP --credentials-file KEYS.csv`"
        )
    return project_files


def session(project: Project, settings: Settings, account: str = naming.MANAGEMENT, account_ids: dict[str, str] | None = None) -> Any:
    """A boto3 Session in `account` (member accounts through OrganizationAccountAccessRole)."""
    import boto3
    import botocore.session

    if settings.auth == "ci":
        base = ambient_session(project)
    elif settings.target == "local":
        base = keys_session(AccessKey(emulator_access_key(project.management.id or ""), EMULATOR_SECRET), project.primary_region)
    else:
        project_files = require_profile(project, settings)
        core = botocore.session.Session(profile=bootstrap_profile(project, settings))
        core.set_config_variable("config_file", str(project_files.config))
        core.set_config_variable("credentials_file", str(project_files.credentials))
        base = boto3.Session(botocore_session=core, region_name=project.primary_region)
    if account == naming.MANAGEMENT:
        return base
    account_id = (account_ids or {}).get(account) or project.account(account).id
    if not account_id:
        raise LookupError(f"the id of account '{account}' is not known yet (deploy management-organizations first)")
    role = naming.ci_member_role(project.short_name, settings.ci_role) if settings.auth == "ci" else naming.OAAR_ROLE
    creds = client(base, "sts", settings).assume_role(RoleArn=naming.role_arn(account_id, role), RoleSessionName="landing-zone")["Credentials"]
    return keys_session(AccessKey.of(creds), project.primary_region)


# botocore's providers of credentials that come from the environment alone (AWS_* keys, or
# AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE).
AMBIENT_METHODS = ("env", "assume-role-with-web-identity")


def ambient_session(project: Project) -> Any:
    """LZ_AUTH=ci: the credentials in the environment (AWS_ACCESS_KEY_ID…, what
    aws-actions/configure-aws-credentials exports from the OIDC role session), never a profile."""
    import boto3
    import botocore.session

    core = botocore.session.Session()
    # Only the environment: a runner's (or a laptop's) profiles and instance roles stay out of it.
    core.get_component("credential_provider").providers = [p for p in core.get_component("credential_provider").providers if p.METHOD in AMBIENT_METHODS]
    if core.get_credentials() is None:
        raise AwsError(
            "LZ_AUTH=ci: no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
            "AWS_SESSION_TOKEN; in GitHub Actions aws-actions/configure-aws-credentials sets them)"
        )
    return boto3.Session(botocore_session=core, region_name=project.primary_region)


def client(sess: Any, service: str, settings: Settings) -> Any:
    """A client of `sess`, pointed at the emulator when the target is local."""
    kwargs: dict[str, Any] = {}
    if settings.target == "local":
        kwargs["endpoint_url"] = settings.endpoint
        if service == "s3":
            from botocore.config import Config

            kwargs["config"] = Config(s3={"addressing_style": "path"})
    return sess.client(service, **kwargs)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or type(exc).__name__)


def caller_identity(sess: Any, settings: Settings) -> Identity:
    """`sts get-caller-identity`: proves the keys work and names their account."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        resp = client(sess, "sts", settings).get_caller_identity()
    except (ClientError, NoCredentialsError) as exc:
        raise AwsError(f"the access keys were not accepted ({error_code(exc)})") from None
    except BotoCoreError as exc:
        raise AwsError(f"cannot reach AWS STS: {exc}") from None
    return Identity(account=resp["Account"], arn=resp["Arn"])
