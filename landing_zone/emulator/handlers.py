"""Behaviour the AWS provider needs that moto lacks, patched onto moto's classes.

`install()` runs in the emulator process before it serves; each patch is small and
covered by tests/test_emulator_handlers.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

from landing_zone.settings import EMULATOR_KEY_PREFIX, EMULATOR_KEY_SUFFIX


def _never_matches_on_loopback(statement: dict[str, Any]) -> bool:
    """A statement conditioned on aws:SecureTransport=false.

    moto evaluates bucket policies but ignores conditions, so a TLS-only policy would deny
    every request. The emulator serves plain HTTP on 127.0.0.1 and stands in for TLS:
    its requests count as secure transport, so such a statement never applies.
    """
    cond = statement.get("Condition") or {}
    flag = (cond.get("Bool") or {}).get("aws:SecureTransport")
    return str(flag).lower() == "false"


def _patch_s3_secure_transport() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(self.policy.decode())
        statements = doc.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        doc["Statement"] = [s for s in statements if not _never_matches_on_loopback(s)]
        if not doc["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(doc)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def _patch_account_from_access_key() -> None:
    """An access key made by `emulator_access_key(id)` selects account `id`.

    The organization's management account is the account that creates it; with this the
    emulator's management account is the id in project.yaml, so it can be adopted by id.
    Keys moto issued (assume-role sessions) keep mapping to their own accounts.
    """
    import moto.iam.models as iam_models

    original = iam_models.get_account_id_from
    pattern = re.compile(rf"^{EMULATOR_KEY_PREFIX}(\d{{12}}){EMULATOR_KEY_SUFFIX}$")

    def get_account_id_from(access_key: str) -> str:
        match = pattern.match(access_key)
        return match.group(1) if match else original(access_key)

    iam_models.get_account_id_from = get_account_id_from


def install() -> None:
    """Patch moto in this process (the emulator server) before it serves requests."""
    _patch_s3_secure_transport()
    _patch_account_from_access_key()
