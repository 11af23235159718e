"""Scoped policies of the DevOps role, the SSO DevOps permission set and DeployMaster.

The reference's shape, with our own service lists: named services only, regional ones only in
the project's regions (and us-east-1, where global services and their events live), global
ones anywhere (they have no region to ask for), no EC2 instance larger than *.xlarge, no RDS
class larger than *.large. Plain dicts: no cdktf, deterministic JSON.
"""

from __future__ import annotations

from collections.abc import Iterable

from landing_zone import naming
from landing_zone.constructs.policy import Statement, document
from landing_zone.roles import roles_in

# Regional services DevOps works with: compute, containers, storage, databases, networking,
# delivery, messaging, observability and the security services the layers deploy.
DEVOPS_SERVICES = (
    "access-analyzer",
    "acm",
    "apigateway",
    "application-autoscaling",
    "appsync",
    "athena",
    "autoscaling",
    "backup",
    "backup-storage",
    "batch",
    "cloudformation",
    "cloudtrail",
    "cloudwatch",
    "codeartifact",
    "codebuild",
    "codedeploy",
    "codepipeline",
    "codestar-connections",
    "codeconnections",
    "compute-optimizer",
    "config",
    "dlm",
    "dms",
    "ds",
    "dynamodb",
    "ebs",
    "ec2",
    "ec2messages",
    "ecr",
    "ecs",
    "eks",
    "elasticache",
    "elasticfilesystem",
    "elasticloadbalancing",
    "es",
    "events",
    "firehose",
    "fsx",
    "glue",
    "guardduty",
    "inspector2",
    "kafka",
    "kinesis",
    "kms",
    "lambda",
    "logs",
    "memorydb",
    "network-firewall",
    "networkmanager",
    "pipes",
    "ram",
    "rds",
    "redshift",
    "resource-groups",
    "route53resolver",
    "s3",
    "scheduler",
    "schemas",
    "secretsmanager",
    "securityhub",
    "servicequotas",
    "ses",
    "sns",
    "sqs",
    "ssm",
    "ssmmessages",
    "states",
    "tag",
    "transfer",
    "wafv2",
    "waf-regional",
    "xray",
)
# What the CI/CD role deploys: a narrower list (no security services, no directory, no data stores
# beyond the application's own).
DEPLOY_MASTER_SERVICES = (
    "acm",
    "apigateway",
    "application-autoscaling",
    "autoscaling",
    "cloudformation",
    "cloudwatch",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "eks",
    "elasticloadbalancing",
    "events",
    "kms",
    "lambda",
    "logs",
    "rds",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "states",
    "tag",
    "wafv2",
)
# Global services: one endpoint, no region of their own; a region fence would only break them.
GLOBAL_ACTIONS = (
    "budgets:*",
    "ce:*",
    "cloudfront:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "organizations:Describe*",
    "organizations:List*",
    "route53:*",
    "route53domains:*",
    "shield:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf:*",
)
DEPLOY_MASTER_GLOBAL_ACTIONS = ("cloudfront:*", "iam:*", "route53:*", "sts:*")
# Instance sizes people may start; anything larger (2xlarge…, metal) needs the Admin role.
EC2_SIZES = ("*.nano", "*.micro", "*.small", "*.medium", "*.large", "*.xlarge")
RDS_CLASSES = ("*.micro", "*.small", "*.medium", "*.large")
_RDS_SIZED = (
    "rds:CreateDBInstance",
    "rds:CreateDBInstanceReadReplica",
    "rds:CreateDBCluster",
    "rds:ModifyDBInstance",
    "rds:ModifyDBCluster",
    "rds:RestoreDBInstanceFromDBSnapshot",
    "rds:RestoreDBInstanceFromS3",
    "rds:RestoreDBInstanceToPointInTime",
)


def allowed_regions(primary: str, secondary: str) -> list[str]:
    return sorted({primary, secondary, naming.GLOBAL_EVENTS_REGION})


def _size_limits() -> list[Statement]:
    # Null=false: only requests that name a size are judged (the key is absent on the other
    # resources RunInstances touches and on modifications that keep the size).
    def deny(sid: str, actions: list[str], resource: str, key: str, sizes: tuple[str, ...]) -> Statement:
        return {
            "Sid": sid,
            "Effect": "Deny",
            "Action": actions,
            "Resource": resource,
            "Condition": {"StringNotLike": {key: list(sizes)}, "Null": {key: "false"}},
        }

    return [
        deny("DenyEc2LargerThanXlarge", ["ec2:RunInstances"], "arn:aws:ec2:*:*:instance/*", "ec2:InstanceType", EC2_SIZES),
        deny("DenyEc2ResizeLargerThanXlarge", ["ec2:ModifyInstanceAttribute"], "arn:aws:ec2:*:*:instance/*", "ec2:Attribute/InstanceType", EC2_SIZES),
        deny("DenyRdsLargerThanLarge", list(_RDS_SIZED), "*", "rds:DatabaseClass", RDS_CLASSES),
    ]


# IAM writes that change a role's own powers or who may become it.
ROLE_WRITES = (
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
)
# Writes that grant a role or user more: only on principals that carry the DevOps boundary.
BOUNDED_WRITES = (
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:PutUserPermissionsBoundary",
    "iam:PutUserPolicy",
)
POLICY_WRITES = ("iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion")
# The people's IAM users and groups (identities stack): taking over a user or widening a
# group makes its members' roles one's own.
PEOPLE_WRITES = (
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:DeactivateMFADevice",
    "iam:EnableMFADevice",
    "iam:PutGroupPolicy",
    "iam:UpdateLoginProfile",
)
# Any account: the policy serves the role in every member and the SSO permission set.
BOUNDARY_ARN = f"arn:aws:iam::*:policy/{naming.DEVOPS_BOUNDARY_POLICY}"


def fenced_roles() -> list[str]:
    """Every role lz makes in a member account (DevOps and OAAR among them), the state buckets'
    replication role and the ci layer's plan role (whose trust would hand over state or plans)."""
    made = {naming.role_arn("*", r.name) for r in roles_in(naming.SHARED)}
    machines = {naming.role_arn("*", naming.replication_role("*", "*")), naming.role_arn("*", naming.ci_member_role("*", "plan"))}
    return sorted(made | machines)


def _fence() -> list[Statement]:
    """What keeps DevOps (and every role it creates, through the boundary) inside its fence:
    no IAM writes on lz's roles or the boundary, no chaining into lz's roles, new roles and users only with the boundary,
    which no one DevOps makes may remove, and hands off the people's users and groups."""
    return [
        {"Sid": "DenyWritesOnLzRoles", "Effect": "Deny", "Action": list(ROLE_WRITES), "Resource": fenced_roles()},
        # The same account's root is trusted by Admin and the others: DevOps would chain into them.
        {"Sid": "DenyAssumingLzRoles", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": fenced_roles()},
        {"Sid": "DenyBoundaryChanges", "Effect": "Deny", "Action": list(POLICY_WRITES), "Resource": BOUNDARY_ARN},
        {
            "Sid": "RequireBoundary",
            "Effect": "Deny",
            "Action": list(BOUNDED_WRITES),
            "Resource": "*",
            "Condition": {"StringNotLike": {"iam:PermissionsBoundary": BOUNDARY_ARN}},
        },
        # Spelled out for a request without a boundary (AWS reads the one above so too; evaluators may not).
        {
            "Sid": "RequireBoundaryPresent",
            "Effect": "Deny",
            "Action": list(BOUNDED_WRITES),
            "Resource": "*",
            "Condition": {"Null": {"iam:PermissionsBoundary": "true"}},
        },
        {
            "Sid": "DenyRemovingBoundaries",
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            "Resource": "*",
        },
        {"Sid": "DenyPeopleWrites", "Effect": "Deny", "Action": list(PEOPLE_WRITES), "Resource": ["arn:aws:iam::*:user/*", "arn:aws:iam::*:group/*"]},
    ]


def _scoped(services: Iterable[str], global_actions: Iterable[str], regions: list[str], fence: list[Statement] | None = None) -> str:
    return document(
        {
            "Sid": "RegionalServices",
            "Effect": "Allow",
            "Action": sorted({f"{s}:*" for s in services}),
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": regions}},
        },
        {"Sid": "GlobalServices", "Effect": "Allow", "Action": sorted(global_actions), "Resource": "*"},
        *_size_limits(),
        *(fence or []),
    )


def devops_policy(regions: list[str], extra_services: Iterable[str] = ()) -> str:
    """DevOps (role, permission set and boundary): the allow-list, project.yaml's extra services,
    the limits and the fence. As the boundary, it bounds a role DevOps creates to what DevOps may
    do itself."""
    return _scoped((*DEVOPS_SERVICES, *extra_services), GLOBAL_ACTIONS, regions, _fence())


def deploy_master_policy(regions: list[str]) -> str:
    return _scoped(DEPLOY_MASTER_SERVICES, DEPLOY_MASTER_GLOBAL_ACTIONS, regions)
