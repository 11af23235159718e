"""Read the organization that exists (read-only) and match it to project.yaml.

Matches: the organization itself; OUs by name under the matched parent; member accounts by
email (AWS keeps emails unique), an account with lz's name but another email is an error
naming both; SCPs by name (backup and tag policies, which project.yaml cannot describe, are
listed as unmanaged); their attachments to matched OUs (those found when the SCP was
adopted: ADOPTED_TARGETS_TAG); the delegated administrators of adopted accounts. Objects lz created itself
(tagged ManagedBy=landing-zone without the adopted tag) are its own, not adopted. What
project.yaml does not describe is listed as unmanaged and never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from landing_zone import naming
from landing_zone.adoption.model import (
    ADOPTED_DELEGATIONS_TAG,
    ADOPTED_ORGANIZATION_TAG,
    ADOPTED_TAG,
    ADOPTED_TARGETS_TAG,
    MANAGED_BY,
    NOTHING,
    Adopted,
    AdoptionError,
)
from landing_zone.config.model import Project

SCP = "SERVICE_CONTROL_POLICY"
# Each policy type lz reads, and how a notice names one. project.yaml describes SCPs only: the
# backup and tag policies found are all "not managed by this project", never touched.
POLICY_TYPES = {SCP: "SCP", "BACKUP_POLICY": "backup policy", "TAG_POLICY": "tag policy"}


def read(project: Project, org: Any) -> Adopted:
    """`org`: a boto3 Organizations client of the management account."""
    from botocore.exceptions import ClientError

    try:
        organization = org.describe_organization()["Organization"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "AWSOrganizationsNotInUseException":
            return NOTHING  # a new organization: lz creates it
        raise
    reader = _Reader(project, org)
    management_tags = reader.tags(organization["MasterAccountId"])
    org_adopted = ADOPTED_ORGANIZATION_TAG in management_tags or not _lz_made(management_tags)
    root = org.list_roots()["Roots"][0]["Id"]
    ous, unmanaged_ous = reader.ous(root)
    accounts, unmanaged_accounts = reader.accounts(organization["MasterAccountId"])
    policies, attachments, unmanaged_policies = reader.policies(ous)
    adopted_accounts = {name: id for name, id in accounts.items() if reader.adopted(id)}
    return Adopted(
        organization=organization["Id"] if org_adopted else None,
        ous={name: id for name, id in ous.items() if reader.adopted(id)},
        accounts=adopted_accounts,
        delegations=reader.delegations(adopted_accounts),
        policies={name: id for name, id in policies.items() if reader.adopted(id)},
        attachments=attachments,
        unmanaged=(*unmanaged_accounts, *unmanaged_ous, *unmanaged_policies),
    )


def _lz_made(tags: dict[str, str]) -> bool:
    return tags.get(MANAGED_BY[0]) == MANAGED_BY[1] and ADOPTED_TAG not in tags


def pages(org: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in org.get_paginator(operation).paginate(**kwargs):
        yield from page[key]


class _Reader:
    def __init__(self, project: Project, org: Any) -> None:
        self.project, self.org = project, org
        self._tags: dict[str, dict[str, str]] = {}

    def tags(self, resource_id: str) -> dict[str, str]:
        if resource_id not in self._tags:
            found = pages(self.org, "list_tags_for_resource", "Tags", ResourceId=resource_id)
            self._tags[resource_id] = {t["Key"]: t["Value"] for t in found}
        return self._tags[resource_id]

    def adopted(self, resource_id: str) -> bool:
        """Whether lz takes this existing object over (import), rather than owning it already."""
        return not _lz_made(self.tags(resource_id))

    def ous(self, root: str) -> tuple[dict[str, str], list[str]]:
        """project OU name → existing id (same name, same parent); the existing OUs not described."""
        wanted = {(ou.parent, ou.name) for ou in self.project.organization.organizational_units}
        found: dict[str, str] = {}
        unmanaged: list[str] = []

        def walk(parent_id: str, parent_name: str | None, path: str) -> None:
            for ou in pages(self.org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id):
                here = f"{path}/{ou['Name']}"
                if (parent_name, ou["Name"]) in wanted and (parent_name is None or parent_name in found):
                    found[ou["Name"]] = ou["Id"]
                    walk(ou["Id"], ou["Name"], here)
                else:  # not described: neither it nor what is under it is touched
                    unmanaged.append(f"OU {here.lstrip('/')} ({ou['Id']})")

        walk(root, None, "")
        return found, unmanaged

    def accounts(self, management_id: str) -> tuple[dict[str, str], list[str]]:
        """member name → existing id, matched by email; the existing accounts not described."""
        existing = [a for a in pages(self.org, "list_accounts", "Accounts") if a["Id"] != management_id and a.get("Status") != "SUSPENDED"]
        by_email = {a["Email"].lower(): a for a in existing}
        by_name = {a["Name"]: a for a in existing}
        found: dict[str, str] = {}
        for acct in self.project.member_accounts:
            match = by_email.get(acct.email.lower())
            name = naming.org_account_name(self.project.project_name, acct.name)
            if match is None and name in by_name:
                other = by_name[name]
                raise AdoptionError(
                    f"account {acct.name}: project.yaml's email {acct.email} matches no account of the organization, but account "
                    f"{other['Id']} is named {name} with email {other['Email']}: set that email in project.yaml to adopt it, or rename one of them"
                )
            if match is not None:
                if acct.id and acct.id != match["Id"]:
                    raise AdoptionError(
                        f"account {acct.name}: project.yaml says id {acct.id}, but the organization's account with email {acct.email} is {match['Id']}"
                    )
                found[acct.name] = match["Id"]
        mine = set(found.values())
        unmanaged = [f"account {a['Name']} ({a['Id']}, {a['Email']})" for a in existing if a["Id"] not in mine]
        return found, unmanaged

    def delegations(self, accounts: dict[str, str]) -> dict[str, str]:
        """The services adopted accounts administer for the organization (those they did when adopted)."""
        admins = {a["Id"] for a in pages(self.org, "list_delegated_administrators", "DelegatedAdministrators")}
        found: dict[str, str] = {}
        for name, account_id in accounts.items():
            if account_id not in admins:
                continue
            services = {s["ServicePrincipal"] for s in pages(self.org, "list_delegated_services_for_account", "DelegatedServices", AccountId=account_id)}
            recorded = self.tags(account_id).get(ADOPTED_DELEGATIONS_TAG)
            if recorded is not None:  # adopted before: what lz delegated since is its own
                services &= set(recorded.split())
            found |= {f"{name}/{s}": f"{account_id}/{s}" for s in services}
        return found

    def policies(self, ous: dict[str, str]) -> tuple[dict[str, str], dict[str, str], list[str]]:
        """SCP name → id of those project.yaml attaches; existing attachments to import; policies not described (of every type)."""
        used = {name for ou in self.project.organization.organizational_units for name in ou.policy_names}
        found: dict[str, str] = {}
        unmanaged: list[str] = []
        for kind, label in POLICY_TYPES.items():
            described = used if kind == SCP else set()
            existing = [p for p in pages(self.org, "list_policies", "Policies", Filter=kind) if not p.get("AwsManaged")]
            found |= {p["Name"]: p["Id"] for p in existing if p["Name"] in described}
            unmanaged += [f"{label} {p['Name']} ({p['Id']})" for p in existing if p["Name"] not in described]
        attachments: dict[str, str] = {}
        for name, policy_id in found.items():
            if not self.adopted(policy_id):
                continue  # lz made it: every attachment of it is lz's too
            targets = {t["TargetId"] for t in pages(self.org, "list_targets_for_policy", "Targets", PolicyId=policy_id)}
            recorded = self.tags(policy_id).get(ADOPTED_TARGETS_TAG)
            if recorded is not None:  # adopted before: what was attached then, not what lz added since
                targets &= set(recorded.split())
            for ou in self.project.organization.organizational_units:
                ou_id = ous.get(ou.name, "")
                if name in ou.policy_names and ou_id in targets:
                    attachments[f"{name}/{ou.name}"] = f"{ou_id}:{policy_id}"
        return found, attachments, unmanaged
