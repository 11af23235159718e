"""The adoption step of `lz up/plan/down`: read what exists before synth; stop a plan that
would replace an adopted object before anything applies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from landing_zone import naming
from landing_zone.adoption import iam, identity_center, organizations, state_backend
from landing_zone.adoption.model import Adopted, AdoptionError
from landing_zone.deploy.account_ids import known_account_ids
from landing_zone.deploy.context import DeployContext
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.terraform import Terraform

# Resources whose replacement would lose what people depend on (ids, members, attachments).
_WAY_FORWARD = "make project.yaml say what exists (or leave the object out of project.yaml so lz does not manage it), then run the command again"


def read(ctx: DeployContext, accounts: Iterable[str] = (naming.MANAGEMENT,)) -> Adopted:
    """The existing objects project.yaml describes: the organization and Identity Center
    (read-only calls in the management account), IAM users, groups, roles and the state bucket and lock table in those of `accounts` (the run's)
    whose id is known, with the credentials their identities stack uses."""
    from botocore.exceptions import EndpointConnectionError

    try:
        found = organizations.read(ctx.project, ctx.client("organizations"))
        found = _iam(ctx, found, accounts)
        if not ctx.project.sso.enabled:
            return found
        return identity_center.read(ctx.project, ctx.client("sso-admin"), ctx.client("identitystore"), found, own_users=_own_users(ctx))
    except AdoptionError as exc:
        raise DeployError(f"adopting the existing organization: {exc}") from None
    except EndpointConnectionError as exc:
        raise DeployError(f"cannot read the organization ({exc}): is the emulator or the network up?") from None


def _iam(ctx: DeployContext, found: Adopted, accounts: Iterable[str]) -> Adopted:
    # Ids project.yaml or the last run recorded, and those of accounts adopted in this run.
    declared = {a.name: a.id for a in ctx.project.organization.accounts if a.id}
    known = {**declared, **known_account_ids(ctx.settings), **ctx.account_ids, **found.accounts}
    reader = ctx.with_account_ids(known)
    users: dict[str, str] = {}
    logins: dict[str, str] = {}
    objects: dict[str, str] = {}
    groups: dict[str, str] = {}
    roles: dict[str, str] = {}
    policies: dict[str, str] = {}
    backends: dict[str, str] = {}
    for account in accounts:
        if account != naming.MANAGEMENT and account not in known:
            continue  # an account lz creates in this run
        client = reader.client("iam", account)
        u, p = iam.read(ctx.project, account, client)
        users |= u
        logins |= p
        state = _state(reader, account, "identities")
        objects |= iam.account_objects(ctx.project, account, client, state)
        g, r, p = iam.principals(ctx.project, account, client, state)
        groups, roles, policies = groups | g, roles | r, policies | p
        backends |= state_backend.read(ctx.project, account, reader.client("s3", account), reader.client("dynamodb", account))
    return replace(
        found,
        iam_users=users,
        iam_login_profiles=logins,
        iam_account=objects,
        iam_groups=groups,
        iam_roles=roles,
        iam_policies=policies,
        state_backends=backends,
    )


def _state(ctx: DeployContext, account: str, layer: str) -> dict[str, Any] | None:
    """A stack's state as the S3 backend holds it (None: no bucket or no state yet, a new deployment)."""
    bucket, key = ctx.backend_location(account, layer)
    try:
        return dict(json.loads(ctx.client("s3", account).get_object(Bucket=bucket, Key=key)["Body"].read()))
    except Exception:  # unreadable counts as none: nothing is lz's yet, the plan then shows the imports
        return None


def _own_users(ctx: DeployContext) -> set[str]:
    """Identity Center user ids lz's management-sso state holds as made by lz: users made before
    lz gave its users a type (0.1.0) are its own, not adopted. No state yet: none."""
    state = _state(ctx, naming.MANAGEMENT, "sso") or {}
    adopted = naming.sso_user_type(adopted=True)
    return {
        str(instance["attributes"]["user_id"])
        for resource in state.get("resources", [])
        if resource.get("type") == "aws_identitystore_user" and resource.get("mode") == "managed"
        for instance in resource.get("instances", [])
        if instance.get("attributes", {}).get("user_type") != adopted
    }


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
