"""AWS Config in one account and region: recorder, delivery channel into the log archive, recorder on."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.config_configuration_recorder import (
    ConfigConfigurationRecorder,
    ConfigConfigurationRecorderRecordingGroup,
)
from cdktf_cdktf_provider_aws.config_configuration_recorder_status import ConfigConfigurationRecorderStatus
from cdktf_cdktf_provider_aws.config_delivery_channel import ConfigDeliveryChannel
from cdktf_cdktf_provider_aws.iam_service_linked_role import IamServiceLinkedRole
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

CONFIG_SERVICE = "config.amazonaws.com"
# The only recorder and channel name an account region may hold is one; AWS's console uses "default".
RECORDER_NAME = "default"


class ConfigServiceRole(Construct):
    """AWSServiceRoleForConfig (IAM is global: once per account): read access to every resource
    type Config records, its policy kept current by AWS."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.role = IamServiceLinkedRole(self, "role", aws_service_name=CONFIG_SERVICE)


class ConfigRecorder(Construct):
    """Records all supported resource types in `provider`'s region (global ones such as IAM only
    where `global_resources`, the primary region, so they are not recorded and billed twice) and
    delivers to `bucket`; the keys are AWSLogs/<account id>/Config/<region>/..., one prefix per
    account, which the archive's policy (log_archive.config_delivery) grants per account."""

    def __init__(self, scope: Construct, id: str, *, bucket: str, global_resources: bool, role: ConfigServiceRole, provider: AwsProvider | None = None) -> None:
        super().__init__(scope, id)
        self.recorder = ConfigConfigurationRecorder(
            self,
            "recorder",
            name=RECORDER_NAME,
            role_arn=role.role.arn,
            provider=provider,
            recording_group=ConfigConfigurationRecorderRecordingGroup(all_supported=True, include_global_resource_types=global_resources),
        )
        self.channel = ConfigDeliveryChannel(self, "channel", name=RECORDER_NAME, s3_bucket_name=bucket, provider=provider, depends_on=[self.recorder])
        self.status = ConfigConfigurationRecorderStatus(self, "status", name=self.recorder.name, is_enabled=True, provider=provider, depends_on=[self.channel])
