"""The two roles GitHub workflows assume in the management account: plan (read-only) and apply."""

from __future__ import annotations

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from landing_zone import naming
from landing_zone.config.model import Pipeline
from landing_zone.constructs.ci_policies import oidc_trust, plan_reaches_members, plan_state_policy
from landing_zone.constructs.policy import document
from landing_zone.roles import managed

READ_ONLY, ADMINISTRATOR = managed("ReadOnlyAccess"), managed("AdministratorAccess")
# A wave of stacks can run long; the apply role's session must outlast it (GitHub's jobs stop at 6 h).
CI_SESSION_SECONDS = 3 * 3600


class CiRoles(Construct):
    """plan: ReadOnlyAccess, its stacks' locks and the state key, and the member accounts' plan
    roles; apply: AdministratorAccess (lz up manages the organization, its SCPs and IAM, as the
    bootstrap admin does), reaching the member accounts through OAAR."""

    def __init__(
        self, scope: Construct, id: str, *, pipeline: Pipeline, short_name: str, account_id: str, region: str, kms: bool, provider: ITerraformDependable
    ) -> None:
        super().__init__(scope, id)
        provider_arn = naming.github_oidc_provider_arn(account_id)
        self.roles: dict[str, IamRole] = {}
        for kind in naming.CI_ROLE_KINDS:
            name = naming.ci_role(short_name, kind)
            self.roles[kind] = IamRole(
                self,
                kind,
                name=name,
                assume_role_policy=oidc_trust(provider_arn, pipeline, kind),
                max_session_duration=CI_SESSION_SECONDS,
                depends_on=[provider],
            )
        plan = self.roles["plan"].name
        IamRolePolicyAttachment(self, "plan-read-only", role=plan, policy_arn=READ_ONLY)
        state = plan_state_policy(short_name=short_name, account=naming.MANAGEMENT, account_id=account_id, region=region, kms=kms)
        IamRolePolicy(self, "plan-state", name="state-locks", role=plan, policy=state)
        IamRolePolicy(self, "plan-members", name="member-plan-roles", role=plan, policy=document(plan_reaches_members(short_name)))
        IamRolePolicyAttachment(self, "apply-administrator", role=self.roles["apply"].name, policy_arn=ADMINISTRATOR)
