"""Steps a layer runs before its plan (the `pre_apply` of its row in layers.py).

Each takes (ctx, task, tf) after `terraform init` and the foreign-state check, and either
prepares what the plan needs or fails with a message saying what the operator must do.
"""

from __future__ import annotations

import json

from landing_zone.deploy.context import DeployContext
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.graph import Task
from landing_zone.deploy.terraform import Terraform


def create_organization_first(ctx: DeployContext, task: Task, tf: Terraform) -> None:
    """The management account can only be imported once the organization exists (AWS answers
    DescribeAccount only inside one), so a new organization gets a targeted apply first."""
    from botocore.exceptions import ClientError

    org = ctx.client("organizations")
    try:
        org.describe_organization()
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "AWSOrganizationsNotInUseException":
            raise
    doc = json.loads((tf.workdir / "cdk.tf.json").read_text())
    targets = [f"-target=aws_organizations_organization.{name}" for name in doc.get("resource", {}).get("aws_organizations_organization", {})]
    if tf.plan("tfplan", *targets).changed:
        tf.apply()


def require_identity_center(ctx: DeployContext, task: Task, tf: Terraform) -> None:
    """Fail before any change when IAM Identity Center is off: it can only be enabled by hand."""
    sso = ctx.client("sso-admin")
    if not sso.list_instances().get("Instances"):
        raise DeployError(
            "IAM Identity Center is not enabled in the management account: open the AWS console → "
            f"IAM Identity Center → Enable (region {ctx.project.primary_region}), then run `lz up` again"
        )
