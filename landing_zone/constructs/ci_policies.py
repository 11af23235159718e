"""The ci roles' policies as plain dicts: who may assume them (GitHub OIDC subjects) and what
the plan role may write (its stacks' locks, nothing else). Plain dicts, deterministic JSON.

GitHub's token subject (`sub`) is `repo:<owner>/<repo>:pull_request` for pull requests,
`repo:<owner>/<repo>:ref:refs/heads/<branch>` for a push and
`repo:<owner>/<repo>:environment:<name>` for a job in an environment; `aud` is what
aws-actions/configure-aws-credentials asks for, sts.amazonaws.com.
"""

from __future__ import annotations

from landing_zone import naming
from landing_zone.config.model import Pipeline
from landing_zone.constructs.policy import Statement, document
from landing_zone.constructs.state_backend import kms_alias

AUDIENCE = "sts.amazonaws.com"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
AUD_KEY, SUB_KEY = f"{naming.GITHUB_OIDC_HOST}:aud", f"{naming.GITHUB_OIDC_HOST}:sub"


def apply_subject(pipeline: Pipeline) -> str:
    """The one subject the apply role trusts: jobs in the environment (approval, branch rules
    live there), or pushes to the default branch when there is no environment."""
    repo = f"repo:{pipeline.repository}"
    if pipeline.environment:
        return f"{repo}:environment:{pipeline.environment}"
    return f"{repo}:ref:refs/heads/{pipeline.default_branch}"


def plan_subject(pipeline: Pipeline) -> str:
    # Any workflow of this repository (pull requests, branches, the environment): the role is read-only.
    # The repository pattern admits no `*` or `?`, so this is the only wildcard.
    return f"repo:{pipeline.repository}:*"


def oidc_trust(provider_arn: str, pipeline: Pipeline, kind: str) -> str:
    """apply: StringEquals on both claims (no wildcard); plan: the repository's subjects."""
    if kind == "apply":
        condition = {"StringEquals": {AUD_KEY: AUDIENCE, SUB_KEY: apply_subject(pipeline)}}
    else:
        condition = {"StringEquals": {AUD_KEY: AUDIENCE}, "StringLike": {SUB_KEY: plan_subject(pipeline)}}
    return document({"Sid": "GitHubActions", "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": WEB_IDENTITY, "Condition": condition})


def member_plan_trust(management_id: str, short_name: str) -> str:
    """A member account's plan role: only the management account's plan role session (by ARN:
    the condition needs no role to exist yet, so the member stacks need not wait for the ci stack)."""
    plan = naming.role_arn(management_id, naming.ci_role(short_name, "plan"))
    return document(
        {
            "Sid": "ManagementPlanRole",
            "Effect": "Allow",
            "Principal": {"AWS": naming.root_arn(management_id)},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": plan}},
        }
    )


def apply_reaches_oaar(management_id: str, short_name: str) -> Statement:
    """OAAR's extra trust statement in member accounts: the apply role without MFA (a machine
    has none), so `require_mfa` does not cut CI off; every other caller keeps the MFA condition."""
    apply = naming.role_arn(management_id, naming.ci_role(short_name, "apply"))
    return {
        "Sid": "CiApplyRole",
        "Effect": "Allow",
        "Principal": {"AWS": naming.root_arn(management_id)},
        "Action": "sts:AssumeRole",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": apply}},
    }


def lock_items(bucket: str) -> str:
    # The S3 backend's lock item is `<bucket>/<key>`; its state digest `<bucket>/<key>-md5` stays out of reach.
    return f"{bucket}/*/terraform.tfstate"


def plan_state_policy(*, short_name: str, account: str, account_id: str, region: str, kms: bool) -> str:
    """What `terraform plan` needs beyond ReadOnlyAccess in `account`: take and release its stacks'
    locks, and decrypt the state with the state key (when state_backend.kms)."""
    bucket, table = naming.state_bucket(short_name, account), naming.lock_table(short_name, account)
    statements: list[Statement] = [
        {
            "Sid": "ReadState",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        },
        {
            "Sid": "StateLocks",
            "Effect": "Allow",
            "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
            "Resource": f"arn:aws:dynamodb:{region}:{account_id}:table/{table}",
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [lock_items(bucket)]}},
        },
    ]
    if kms:
        statements.append(
            {
                "Sid": "DecryptState",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
                "Resource": f"arn:aws:kms:{region}:{account_id}:key/*",
                "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [kms_alias(bucket)]}},
            }
        )
    return document(*statements)


def plan_reaches_members(short_name: str) -> Statement:
    # The member accounts' plan roles trust this one alone; any account id, so the ci stack needs no member ids.
    return {"Sid": "MemberPlanRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::*:role/{naming.ci_role(short_name, 'plan')}"}
