"""`<acct>-config` (audit.config): AWS Config in both regions, delivering into the log archive."""

from __future__ import annotations

from landing_zone import naming
from landing_zone.constructs.config_recorder import ConfigRecorder, ConfigServiceRole
from landing_zone.stacks.audit import archive_account
from landing_zone.stacks.base import LayerStack


class ConfigStack(LayerStack):
    def build(self) -> None:
        p = self.project
        bucket = naming.audit_bucket(p.short_name, archive_account(p.account_names))
        role = ConfigServiceRole(self, "service-role")
        for region in dict.fromkeys([p.primary_region, p.secondary_region]):
            primary = region == p.primary_region
            ConfigRecorder(
                self, f"recorder-{region}", bucket=bucket, global_resources=primary, role=role, provider=None if primary else self.regional_provider(region)
            )
