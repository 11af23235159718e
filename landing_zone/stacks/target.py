"""Provider and backend settings for a stack, per deploy target.

`local` points every AWS client (provider and S3 backend) at the embedded emulator;
`aws` uses the operator's profiles and carries nothing emulator-specific.
"""

from __future__ import annotations

from typing import Any

from cdktf import S3Backend, S3BackendAssumeRoleConfig, S3BackendEndpointConfig, TerraformStack
from cdktf_cdktf_provider_aws.provider import (
    AwsProvider,
    AwsProviderAssumeRole,
    AwsProviderDefaultTags,
    AwsProviderEndpoints,
)

from landing_zone import naming
from landing_zone.aws import files
from landing_zone.config.model import Project
from landing_zone.settings import EMULATOR_SECRET, Settings, emulator_access_key

# Services the layers call; the emulator serves them all on one endpoint.
_EMULATED_SERVICES = (
    "accessanalyzer",
    "cloudtrail",
    "cloudwatch",
    "configservice",
    "dynamodb",
    "ec2",
    "events",
    "guardduty",
    "iam",
    "identitystore",
    "kms",
    "logs",
    "organizations",
    "s3",
    "s3_control",
    "sns",
    "ssoadmin",
    "sts",
)


def _shared_files(project: Project) -> dict[str, Any]:
    # The reference keeps each project's credentials apart: ~/.aws/<short>/{config,credentials}
    # (LZ_AWS_DIR moves them, as it does for lz's own sessions).
    base = f"{files.terraform_dir()}/{project.short_name}"
    return {"shared_config_files": [f"{base}/config"], "shared_credentials_files": [f"{base}/credentials"]}


def _emulator_keys(project: Project, settings: Settings) -> dict[str, str]:
    """Bootstrap on the emulator: the management account's key (MFA and CI modes: keys come from the env)."""
    if settings.auth in ("mfa", "ci"):
        return {}
    return {"access_key": emulator_access_key(project.management.id or ""), "secret_key": EMULATOR_SECRET}


def _profile(project: Project, settings: Settings) -> str:
    return settings.aws_profile or naming.profile(project.short_name, "bootstrap")


def _assume_role_arn(project: Project, account: str, account_id: str | None, settings: Settings) -> str | None:
    """Member accounts are reached through OAAR from the management credentials.

    With MFA on, each stack runs with temporary credentials already in its account (the
    MFA role profile's session, passed in the environment by `lz`), so nothing is assumed.
    In CI the ambient session is a ci role of management: member accounts through the plan
    role there (plan) or OAAR (apply).
    """
    if account == naming.MANAGEMENT or not account_id or settings.auth == "mfa":
        return None
    if settings.auth == "ci":
        return naming.role_arn(account_id, naming.ci_member_role(project.short_name, settings.ci_role))
    return naming.role_arn(account_id, naming.OAAR_ROLE)


def provider_names_account(project: Project, account: str, account_id: str | None, settings: Settings) -> bool:
    """Whether the provider's assume_role carries the account's id."""
    return _assume_role_arn(project, account, account_id, settings) is not None


def add_provider(
    stack: TerraformStack,
    *,
    project: Project,
    account: str,
    layer: str,
    settings: Settings,
    account_id: str | None,
    region: str | None = None,
) -> AwsProvider:
    """The stack's AWS provider; with `region`, a second one (alias = the region) for resources
    that live elsewhere (state replicas, us-east-1-only events), reaching the account the same way."""
    args: dict[str, Any] = {
        "region": region or project.primary_region,
        "default_tags": [AwsProviderDefaultTags(tags={"Project": project.project_name, "Account": account, "Layer": layer, "ManagedBy": "landing-zone"})],
    }
    role = _assume_role_arn(project, account, account_id, settings)
    if role:
        args["assume_role"] = [AwsProviderAssumeRole(role_arn=role, session_name="landing-zone")]
    if settings.target == "local":
        url = settings.synth_endpoint
        args.update(_emulator_keys(project, settings))
        args.update(
            endpoints=[AwsProviderEndpoints(**dict.fromkeys(_EMULATED_SERVICES, url))],
            s3_use_path_style=True,
            skip_credentials_validation=True,
            skip_metadata_api_check="true",
            skip_region_validation=True,
            skip_requesting_account_id=True,
            # The emulator answers unimplemented calls with errors the SDK would retry for minutes.
            max_retries=2,
        )
    elif settings.auth == "bootstrap":
        args.update(profile=_profile(project, settings), **_shared_files(project))
    if region:
        args["alias"] = region
    return AwsProvider(stack, f"aws-{region}" if region else "aws", **args)


def add_backend(stack: TerraformStack, *, project: Project, account: str, layer: str, settings: Settings, account_id: str | None) -> S3Backend:
    args: dict[str, Any] = {
        "bucket": naming.state_bucket(project.short_name, account),
        "key": naming.state_key(account, layer),
        "region": project.primary_region,
        "dynamodb_table": naming.lock_table(project.short_name, account),
        "encrypt": True,
    }
    role = _assume_role_arn(project, account, account_id, settings)
    if role:
        args["assume_role"] = S3BackendAssumeRoleConfig(role_arn=role, session_name="landing-zone")
    if settings.target == "local":
        url = settings.synth_endpoint
        args.update(_emulator_keys(project, settings))
        args.update(
            endpoints=S3BackendEndpointConfig(s3=url, dynamodb=url, iam=url, sts=url),
            use_path_style=True,
            skip_credentials_validation=True,
            skip_metadata_api_check=True,
            skip_region_validation=True,
            skip_requesting_account_id=True,
            skip_s3_checksum=True,
        )
    elif settings.auth == "bootstrap":
        args.update(profile=_profile(project, settings), **_shared_files(project))
    return S3Backend(stack, **args)
