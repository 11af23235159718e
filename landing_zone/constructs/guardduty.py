"""GuardDuty: the management account's detector and delegation, the administrator's detector and
the organization configuration that enables it in every member."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.guardduty_detector import GuarddutyDetector
from cdktf_cdktf_provider_aws.guardduty_organization_admin_account import GuarddutyOrganizationAdminAccount
from cdktf_cdktf_provider_aws.guardduty_organization_configuration import GuarddutyOrganizationConfiguration
from constructs import Construct

# Findings reach EventBridge and Security Hub within 15 minutes of each other (AWS's default is 6 h).
PUBLISHING_FREQUENCY = "FIFTEEN_MINUTES"


class GuardDutyDelegation(Construct):
    """In the management account: its own detector and `admin_id` as the organization's administrator."""

    def __init__(self, scope: Construct, id: str, *, admin_id: str) -> None:
        super().__init__(scope, id)
        self.detector = GuarddutyDetector(self, "detector", enable=True, finding_publishing_frequency=PUBLISHING_FREQUENCY)
        self.admin = GuarddutyOrganizationAdminAccount(self, "admin", admin_account_id=admin_id, depends_on=[self.detector])


class GuardDutyAdministrator(Construct):
    """In the delegated administrator: its detector, and every member (existing and new) auto-enabled."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.detector = GuarddutyDetector(self, "detector", enable=True, finding_publishing_frequency=PUBLISHING_FREQUENCY)
        self.organization = GuarddutyOrganizationConfiguration(self, "organization", detector_id=self.detector.id, auto_enable_organization_members="ALL")
