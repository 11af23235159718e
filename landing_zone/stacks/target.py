"""Provider and backend settings for a stack, per deploy target.

`local` points every AWS client (provider and S3 backend) at the embedded emulator;
`aws` uses the operator's profiles and carries nothing emulator-specific.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
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

# The provider's endpoint for a resource type is its first word (aws_iam_role: iam) but for these.
_ENDPOINT_OF_PREFIX = {
    "aws_cloudwatch_event_": "events",
    "aws_cloudwatch_log_": "logs",
    "aws_config_": "configservice",
    "aws_ebs_": "ec2",
    "aws_s3_account_": "s3_control",
}
# The provider and the S3 backend ask STS who they are, whatever the stack holds.
_ALWAYS_CALLED = ("sts",)


def endpoint_of(resource_type: str) -> str:
    """The provider's endpoint setting (AwsProviderEndpoints) that a resource or data type calls."""
    found = next((s for prefix, s in _ENDPOINT_OF_PREFIX.items() if resource_type.startswith(prefix)), None)
    return found or resource_type.removeprefix("aws_").split("_", 1)[0]


def resource_types() -> set[str]:
    """The resource and data types lz can synthesize: those of the provider classes that the
    construct and stack modules import (they import them at module level, never inside functions)."""
    import landing_zone.constructs
    import landing_zone.stacks

    found: set[str] = set()
    for package in (landing_zone.constructs, landing_zone.stacks):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            for value in vars(importlib.import_module(info.name)).values():
                kind = getattr(value, "TF_RESOURCE_TYPE", None) if isinstance(value, type) else None
                if isinstance(kind, str) and kind.startswith("aws_") and value.__module__.startswith("cdktf_cdktf_provider_aws."):
                    found.add(kind)
    return found


@functools.cache
def emulated_services() -> tuple[str, ...]:
    """The provider endpoints pointed at the emulator (which serves all on one URL): those of
    every resource type lz synthesizes, so a new service never reaches real AWS from `local`."""
    services = sorted({endpoint_of(t) for t in resource_types()} | set(_ALWAYS_CALLED))
    known = inspect.signature(AwsProviderEndpoints.__init__).parameters
    unknown = [s for s in services if s not in known]
    if unknown:  # the type's endpoint is named otherwise: add its prefix to _ENDPOINT_OF_PREFIX
        raise ValueError(f"no provider endpoint setting {unknown}: map their resource types in stacks/target.py _ENDPOINT_OF_PREFIX")
    return tuple(services)


def _shared_files(project: Project) -> dict[str, Any]:
    # The reference keeps each project's credentials apart: ~/.aws/<short>/{config,credentials}
    # (LZ_AWS_DIR moves them, as it does for lz's own sessions).
    base = f"{files.terraform_dir()}/{project.short_name}"
    return {"shared_config_files": [f"{base}/config"], "shared_credentials_files": [f"{base}/credentials"]}


def _emulator_keys(project: Project, settings: Settings) -> dict[str, str]:
    """Bootstrap on the emulator: the management account's key (MFA and CI modes: keys come from the env)."""
    if settings.auth in ("mfa", "ci", "sso"):
        return {}
    return {"access_key": emulator_access_key(project.management.id or ""), "secret_key": EMULATOR_SECRET}


def _profile(project: Project, settings: Settings) -> str:
    return settings.aws_profile or naming.profile(project.short_name, "bootstrap")


def _assume_role_arn(project: Project, account: str, account_id: str | None, settings: Settings) -> str | None:
    """Member accounts are reached through OAAR from the management credentials.

    With MFA on, each stack runs with temporary credentials already in its account (the
    MFA role profile's session, passed in the environment by `lz`), so nothing is assumed;
    so with the SSO session (`auth: sso`: lz assumes OAAR from it before the run).
    In CI the ambient session is a ci role of management: member accounts through the plan
    role there (plan) or OAAR (apply).
    """
    if account == naming.MANAGEMENT or not account_id or settings.auth in ("mfa", "sso"):
        return None
    if settings.auth == "ci":
        return naming.role_arn(account_id, naming.ci_member_role(project.short_name, settings.ci_role))
    return naming.role_arn(account_id, naming.OAAR_ROLE)


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
            endpoints=[AwsProviderEndpoints(**dict.fromkeys(emulated_services(), url))],
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
