"""The adoption step of `lz up/plan/down`: read what exists before synth; stop a plan that
would replace an adopted object before anything applies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from landing_zone import naming
from landing_zone.adoption import iam, identity_center, organizations
from landing_zone.adoption.model import Adopted, AdoptionError
from landing_zone.deploy.account_ids import known_account_ids
from landing_zone.deploy.context import DeployContext
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.terraform import Terraform

# Resources whose replacement would lose what people depend on (ids, members, attachments).
_WAY_FORWARD = "make project.yaml say what exists (or leave the object out of project.yaml so lz does not manage it), then run the command again"


def read(ctx: DeployContext, accounts: Iterable[str] = (naming.MANAGEMENT,)) -> Adopted:
    """The existing objects project.yaml describes: the organization and Identity Center
    (read-only calls in the management account), IAM users in those of `accounts` (the run's)
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
    for account in accounts:
        if not iam.users_of(ctx.project, account) or (account != naming.MANAGEMENT and account not in known):
            continue  # no users named there, or an account lz creates in this run
        u, p = iam.read(ctx.project, account, reader.client("iam", account))
        users |= u
        logins |= p
    return replace(found, iam_users=users, iam_login_profiles=logins)


def _own_users(ctx: DeployContext) -> set[str]:
    """Identity Center user ids lz's management-sso state holds as made by lz: users made before
    lz gave its users a type (0.1.0) are its own, not adopted. No state yet: none."""
    bucket, key = naming.state_bucket(ctx.project.short_name, naming.MANAGEMENT), naming.state_key(naming.MANAGEMENT, "sso")
    try:
        state = json.loads(ctx.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    except Exception:  # no bucket or no state (a new deployment), or unreadable: nothing is lz's yet
        return set()
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
