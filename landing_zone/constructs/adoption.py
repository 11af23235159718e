"""Adopting what already exists: import blocks, and resources `lz down` releases instead of destroying.

The mark is a `//` comment key in the synthesized JSON: terraform ignores it, `lz down`
reads it and runs `terraform state rm` on those addresses before destroying the rest.
"""

from __future__ import annotations

from cdktf import TerraformResource

RELEASE_MARK = "//.lz"


def release_on_destroy(*resources: TerraformResource) -> None:
    for resource in resources:
        resource.add_override(RELEASE_MARK, {"release_on_destroy": True})


def adopt(resource: TerraformResource, import_id: str) -> None:
    """Take over an existing object by id (an import block); never destroy it."""
    resource.import_from(import_id)
    release_on_destroy(resource)
