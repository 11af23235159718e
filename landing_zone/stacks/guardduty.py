"""`management-guardduty` / `security-guardduty` (audit.guardduty): the management account
delegates GuardDuty to the security account, which enables it in every member."""

from __future__ import annotations

from landing_zone import naming
from landing_zone.constructs.guardduty import GuardDutyAdministrator, GuardDutyDelegation
from landing_zone.stacks.base import LayerStack


class GuardDutyStack(LayerStack):
    def build(self) -> None:
        if self.account == naming.MANAGEMENT:
            self.delegation = GuardDutyDelegation(self, "guardduty", admin_id=self.account_ids[naming.SECURITY])
        else:
            self.administrator = GuardDutyAdministrator(self, "guardduty")
