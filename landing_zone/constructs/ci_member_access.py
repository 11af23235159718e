"""A member account's plan role: what a pull request's plan may do there (read, lock, decrypt)."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from landing_zone import naming
from landing_zone.constructs.ci_policies import member_plan_trust, plan_state_policy
from landing_zone.constructs.ci_roles import READ_ONLY


class MemberPlanRole(Construct):
    """Not OAAR (admin) and not Auditor (trusted by people, no lock writes): a role of its own,
    trusted by the management account's plan role only."""

    def __init__(self, scope: Construct, id: str, *, short_name: str, account: str, account_id: str, management_id: str, region: str, kms: bool) -> None:
        super().__init__(scope, id)
        self.role = IamRole(self, "role", name=naming.ci_role(short_name, "plan"), assume_role_policy=member_plan_trust(management_id, short_name))
        IamRolePolicyAttachment(self, "read-only", role=self.role.name, policy_arn=READ_ONLY)
        state = plan_state_policy(short_name=short_name, account=account, account_id=account_id, region=region, kms=kms)
        IamRolePolicy(self, "state", name="state-locks", role=self.role.name, policy=state)
