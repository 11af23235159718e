"""`<acct>-security-base`: EBS encryption, S3 public-access block, root sign-in alarm; the org analyzer in security."""

from __future__ import annotations

from landing_zone import naming
from landing_zone.constructs.security_baseline import OrganizationAnalyzer, RootSignInAlarm, SecurityBaseline
from landing_zone.stacks.base import LayerStack


class SecurityBaseStack(LayerStack):
    layer = "security-base"

    def build(self) -> None:
        short = self.project.short_name
        SecurityBaseline(self, "baseline", account_id=self.account_ids[self.account])
        RootSignInAlarm(self, "root-sign-in", topic_name=naming.alerts_topic(short, self.account))
        if self.account == naming.SECURITY:  # the Access Analyzer delegated administrator
            OrganizationAnalyzer(self, "access-analyzer", name=naming.access_analyzer(short))
