"""`security-audit`: the log archive; `management-audit`: the organization trail, its key and the
management account's support role. Without a security account the archive is in management.
"""

from __future__ import annotations

from landing_zone import naming
from landing_zone.constructs.alerts import AlarmTopic
from landing_zone.constructs.iam_roles import MfaPolicy, Role
from landing_zone.constructs.log_archive import LogArchive, Retention, config_delivery, trail_delivery
from landing_zone.constructs.organization_trail import OrganizationTrail
from landing_zone.constructs.trail_monitoring import CisAlarms
from landing_zone.roles import MANAGEMENT_AUDIT_ROLES
from landing_zone.stacks.base import LayerStack


def archive_account(account_names: list[str]) -> str:
    """Where the logs are kept: the identity account (security, else management in a one-account organization)."""
    return naming.identity_account(account_names)


class AuditStack(LayerStack):
    def build(self) -> None:
        p, short = self.project, self.project.short_name
        archive = archive_account(p.account_names)
        management_id = self.account_ids[naming.MANAGEMENT]
        trail = naming.audit_trail(short)
        trail_arn = naming.trail_arn(p.primary_region, management_id, trail)
        protect = not self.settings.allow_destroy
        if self.account == archive:
            bucket = naming.audit_bucket(short, archive)
            deliveries = trail_delivery(bucket, trail_arn)
            if p.audit.config:
                deliveries += config_delivery(bucket, [self.account_ids[a] for a in p.account_names if a in self.account_ids])
            self.archive = LogArchive(
                self,
                "archive",
                name=bucket,
                access_log_bucket=naming.audit_access_log_bucket(short, archive),
                retention=Retention(p.audit.glacier_days, p.audit.retention_days),
                deliveries=deliveries,
                protect=protect,
            )
        if self.account == naming.MANAGEMENT:
            self.trail = OrganizationTrail(
                self,
                "trail",
                name=trail,
                bucket=naming.audit_bucket(short, archive),
                key_alias=naming.audit_key_alias(short),
                region=p.primary_region,
                management_id=management_id,
                archive_id=self.account_ids[archive],
                log_group=naming.audit_trail_log_group(short),
                logs_role=naming.audit_trail_logs_role(short),
                retention_days=p.audit.retention_days,
                protect=protect,
                depends_on=[self.archive.policy] if self.account == archive else (),
            )
            # CloudWatch alarms notify topics of their own region only: the security-base alerts topic
            # is in GLOBAL_EVENTS_REGION (root sign-ins), so a trail homed elsewhere gets its own topic.
            if p.primary_region == naming.GLOBAL_EVENTS_REGION:
                topic_arn = naming.alerts_topic_arn(p.primary_region, management_id, short, naming.MANAGEMENT)
            else:
                topic = naming.cis_alarms_topic(short)
                topic_arn = AlarmTopic(
                    self,
                    "cis-alarm-topic",
                    topic_name=topic,
                    key_alias=naming.cis_alarms_key_alias(short),
                    account_id=management_id,
                    emails=list(p.notifications.emails),
                ).topic.arn
            CisAlarms(self, "cis-alarms", log_group=self.trail.logs.group, namespace=naming.cis_namespace(short), prefix=short, topic_arn=topic_arn)
            self._support_roles()

    def _support_roles(self) -> None:
        # The identity account's admins assume it (with MFA), as they do every member's (identities layer).
        identity = naming.identity_account(self.account_ids)
        for spec in MANAGEMENT_AUDIT_ROLES:
            Role(
                self,
                spec.name.lower(),
                name=spec.name,
                principals=[naming.root_arn(self.account_ids[identity])],
                policies=list(spec.policies),
                mfa=MfaPolicy(spec.requires_mfa(self.project.require_mfa), self.project.mfa_max_age),
            )
