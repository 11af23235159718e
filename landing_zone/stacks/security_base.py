"""`<acct>-security-base`: EBS encryption, S3 public-access block, root sign-in alarm, Access Analyzers in both regions."""

from __future__ import annotations

from landing_zone import naming
from landing_zone.constructs.alerts import RootSignInAlarm
from landing_zone.constructs.security_baseline import OrganizationAnalyzer, RegionalBaseline, SecurityBaseline
from landing_zone.stacks.base import LayerStack


class SecurityBaseStack(LayerStack):
    def build(self) -> None:
        short = self.project.short_name
        SecurityBaseline(self, "baseline", account_id=self.account_ids[self.account])
        # Root console sign-ins reach EventBridge in us-east-1 only: the alarm lives there.
        RootSignInAlarm(
            self,
            "root-sign-in",
            topic_name=naming.alerts_topic(short, self.account),
            key_alias=naming.alerts_key_alias(short, self.account),
            account_id=self.account_ids[self.account],
            emails=list(self.project.notifications.emails),
            provider=self.regional_provider(naming.GLOBAL_EVENTS_REGION),
        )
        if self.account == naming.SECURITY:  # the Access Analyzer delegated administrator
            OrganizationAnalyzer(self, "access-analyzer", name=naming.access_analyzer(short))
        # CIS wants both in every region: the project's two (regions beyond them are for SCPs to deny).
        for region in dict.fromkeys([self.project.primary_region, self.project.secondary_region]):
            primary = region == self.project.primary_region
            org_analyzer_here = primary and self.account == naming.SECURITY
            RegionalBaseline(
                self,
                f"regional-{region}",
                provider=self.regional_provider(region),
                analyzer_name=None if org_analyzer_here else naming.account_access_analyzer(short, self.account),
                ebs_encryption=not primary,
            )
