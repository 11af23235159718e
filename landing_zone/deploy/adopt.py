"""The adoption step of `lz up/plan/down`: read what exists before synth; stop a plan that
would replace an adopted object before anything applies."""

from __future__ import annotations

import json
from typing import Any

from landing_zone.adoption import identity_center, organizations
from landing_zone.adoption.model import Adopted, AdoptionError
from landing_zone.deploy.context import DeployContext
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.terraform import Terraform

# Resources whose replacement would lose what people depend on (ids, members, attachments).
_WAY_FORWARD = "make project.yaml say what exists (or leave the object out of project.yaml so lz does not manage it), then run the command again"


def read(ctx: DeployContext) -> Adopted:
    """The existing objects project.yaml describes (read-only calls in the management account)."""
    from botocore.exceptions import EndpointConnectionError

    try:
        found = organizations.read(ctx.project, ctx.client("organizations"))
        if not ctx.project.sso.enabled:
            return found
        return identity_center.read(ctx.project, ctx.client("sso-admin"), ctx.client("identitystore"), found)
    except AdoptionError as exc:
        raise DeployError(f"adopting the existing organization: {exc}") from None
    except EndpointConnectionError as exc:
        raise DeployError(f"cannot read the organization ({exc}): is the emulator or the network up?") from None


def imported(doc: dict[str, Any]) -> dict[str, str]:
    """address → id of the import blocks of a synthesized stack."""
    return {block["to"]: block["id"] for block in doc.get("import", [])}


def refuse_replacing(tf: Terraform, doc: dict[str, Any], planfile: str = "tfplan") -> None:
    """Stop before apply when the plan deletes or replaces an object that was adopted (`terraform
    show` only when the plan destroys something: most plans pay nothing)."""
    adopted = imported(doc)
    if not adopted:
        return
    proc = tf.run("show", "-json", "-no-color", planfile, log_stdout=False)  # values may be sensitive
    plan = json.loads(proc.stdout or "{}")
    for change in plan.get("resource_changes", []):
        actions = change.get("change", {}).get("actions", [])
        if change.get("address") in adopted and "delete" in actions:
            what = "replace" if "create" in actions else "destroy"
            raise DeployError(
                f"{tf.stack}: the plan would {what} {change['address']} (the existing {adopted[change['address']]}); nothing was applied: {_WAY_FORWARD}"
            )
