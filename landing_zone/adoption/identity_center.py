"""Identity Center groups that exist already (read-only): lz's groups are matched by display name.

A group whose description is lz's own (naming.sso_group_description) was made by lz; any other
group of that name was made by hand and is adopted (import, released by `lz down`), its
description then saying so. Users, permission sets and assignments are not adopted yet.
"""

from __future__ import annotations

from typing import Any

from landing_zone import naming


def groups(sso_admin: Any, identitystore: Any) -> dict[str, str]:
    """display name → import id (`<identity store id>/<group id>`) of the groups lz adopts."""
    instances = sso_admin.list_instances().get("Instances", [])
    if not instances:
        return {}  # Identity Center not enabled: `lz up` says so in the sso stack
    store = instances[0]["IdentityStoreId"]
    found: dict[str, str] = {}
    for display in naming.SSO_GROUPS.values():
        filters = [{"AttributePath": "DisplayName", "AttributeValue": display}]
        for group in identitystore.list_groups(IdentityStoreId=store, Filters=filters).get("Groups", []):
            if group.get("Description") != naming.sso_group_description(display):
                found[display] = f"{store}/{group['GroupId']}"
    return found
