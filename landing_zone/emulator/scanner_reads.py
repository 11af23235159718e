"""Answers moto gets wrong for what Prowler's CIS scan reads (scripts/cis_scan.py).

Each patch is one moto shortcoming that made a CIS control report the wrong status on the
emulator; `install()` runs from handlers.install(); each is tested in
tests/test_emulator_scanner_reads.py.
"""

from __future__ import annotations

from typing import Any

# AWS reserves this alias prefix for the keys its services create; a customer cannot use it.
AWS_MANAGED_ALIAS_PREFIX = "alias/aws/"


def _patch_kms_multi_region_flag() -> None:
    """KMS DescribeKey always has KeyMetadata.MultiRegion (false unless the key is multi-Region).

    moto keeps CreateKey's MultiRegion parameter as given, None when omitted (terraform omits
    it), and JSON null drops out of the response; Prowler then skips the key entirely.
    """
    from moto.kms.models import Key

    original = Key.to_dict

    def to_dict(self: Key) -> dict[str, Any]:
        result = original(self)
        result["KeyMetadata"]["MultiRegion"] = bool(result["KeyMetadata"].get("MultiRegion"))
        return result

    Key.to_dict = to_dict  # type: ignore[method-assign]


def _patch_kms_aws_managed_keys() -> None:
    """Keys behind `alias/aws/*` are AWS managed (KeyManager AWS), as the services' default keys are.

    moto creates DynamoDB's and EBS's default keys as CUSTOMER keys, so CIS 4.6 (rotation of
    customer-managed keys) failed on a key no customer can rotate.
    """
    from moto.kms.models import KmsBackend

    original = KmsBackend.create_alias

    def create_alias(self: KmsBackend, target_key_id: str, alias_name: str) -> Any:
        alias = original(self, target_key_id, alias_name)
        if alias_name.startswith(AWS_MANAGED_ALIAS_PREFIX):
            self.keys[self.get_key_id(target_key_id)].key_manager = "AWS"
        return alias

    KmsBackend.create_alias = create_alias  # type: ignore[method-assign]


def install() -> None:
    _patch_kms_multi_region_flag()
    _patch_kms_aws_managed_keys()
