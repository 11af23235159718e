"""`lz adopt`: describe an existing organization as project.yaml's `organization` block.

Read-only. What lz's model can say is written (accounts with ids and emails, the OU tree, the
SCPs attached to OUs); what it cannot say (members at the root, SCPs attached to the root or
to accounts, unattached SCPs, a second OU of the same name, suspended accounts) becomes a note,
written as a comment, and is left out: lz then leaves it alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from landing_zone import naming
from landing_zone.adoption.model import AdoptionError
from landing_zone.adoption.organizations import POLICY_TYPES, SCP, pages
from landing_zone.config.model import Project
from landing_zone.config.validate import BUILTIN_POLICIES

POLICY_DIR = "policies"
_MAX_NAME = 31  # ACCOUNT_NAME_RE: a letter, then up to 30 of a-z 0-9 -


@dataclass
class Description:
    organization: dict[str, Any]  # project.yaml's `organization` block
    policy_files: dict[str, str] = field(default_factory=dict)  # path relative to project.yaml → JSON
    notes: list[str] = field(default_factory=list)  # found, not expressible: comments, left alone


def account_name(project_name: str, aws_name: str, taken: set[str]) -> str:
    """lz's short name for an account AWS calls `aws_name` (`<project_name>-` dropped), unique in `taken`."""
    name = aws_name.lower()
    if name.startswith(f"{project_name}-"):
        name = name[len(project_name) + 1 :]
    name = re.sub(r"[^a-z0-9]+", "-", name).strip("-")
    if not name or not name[0].isalpha():
        name = f"account-{name}".rstrip("-")
    name = name[:_MAX_NAME].rstrip("-")
    unique, n = name, 2
    while unique in taken or unique == naming.MANAGEMENT:
        suffix = f"-{n}"
        unique, n = name[: _MAX_NAME - len(suffix)] + suffix, n + 1
    taken.add(unique)
    return unique


def describe(project: Project, org: Any) -> Description:
    """`project`: the file being completed (its project_name and account names name accounts); `org`: a boto3
    Organizations client of the management account."""
    from botocore.exceptions import ClientError

    try:
        organization = org.describe_organization()["Organization"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "AWSOrganizationsNotInUseException":
            raise AdoptionError("this account is in no organization: there is nothing to adopt (`lz up` creates the organization)") from None
        raise
    management_id = organization["MasterAccountId"]
    root = org.list_roots()["Roots"][0]["Id"]
    notes: list[str] = []

    ous: list[dict[str, Any]] = []  # parents first
    ou_by_id: dict[str, dict[str, Any]] = {}

    def walk(parent_id: str, parent: str | None) -> None:
        for ou in pages(org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id):
            if any(o["name"] == ou["Name"] for o in ous):
                notes.append(f"OU {ou['Name']} ({ou['Id']}): a second OU of that name (lz names OUs uniquely); it and what is under it are left alone")
                continue
            entry: dict[str, Any] = {"name": ou["Name"], **({"parent": parent} if parent else {}), "policy": [], "accounts": []}
            ous.append(entry)
            ou_by_id[ou["Id"]] = entry
            walk(ou["Id"], ou["Name"])

    walk(root, None)

    accounts: list[dict[str, Any]] = []
    # An account the file already names keeps that name (its stacks and state are keyed by it).
    known = {a.email.lower(): a.name for a in project.organization.accounts if a.name != naming.MANAGEMENT}
    taken: set[str] = set(known.values())
    for acct in pages(org, "list_accounts", "Accounts"):
        if acct["Id"] == management_id:
            accounts.insert(0, {"name": naming.MANAGEMENT, "email": acct["Email"], "id": acct["Id"]})
            continue
        what = f"account {acct['Name']} ({acct['Id']}, {acct['Email']})"
        if acct.get("Status") != "ACTIVE":
            notes.append(f"{what} is {acct.get('Status', '').lower()}: left alone")
            continue
        parent = org.list_parents(ChildId=acct["Id"])["Parents"][0]["Id"]
        if parent == root:
            notes.append(f"{what} is at the organization root: lz keeps every member in an OU; add it to one to manage it")
            continue
        if parent not in ou_by_id:
            notes.append(f"{what} is in an OU lz does not describe ({parent}): left alone")
            continue
        name = known.get(acct["Email"].lower()) or account_name(project.project_name, acct["Name"], taken)
        accounts.append({"name": name, "email": acct["Email"], "id": acct["Id"]})
        ou_by_id[parent]["accounts"].append(name)

    policies: list[dict[str, Any]] = []
    files: dict[str, str] = {}
    for policy in pages(org, "list_policies", "Policies", Filter=SCP):
        if policy.get("AwsManaged"):
            continue  # FullAWSAccess: attached everywhere by AWS itself
        what = f"SCP {policy['Name']} ({policy['Id']})"
        targets = [t["TargetId"] for t in pages(org, "list_targets_for_policy", "Targets", PolicyId=policy["Id"])]
        on_ous = [ou_by_id[t] for t in targets if t in ou_by_id]
        elsewhere = [t for t in targets if t not in ou_by_id]
        if elsewhere:
            notes.append(f"{what} is attached to {', '.join(elsewhere)}: lz attaches SCPs to the OUs it describes only; those attachments are left alone")
        if not on_ous:
            if not elsewhere:
                notes.append(f"{what} is attached nowhere: left alone")
            continue
        for ou in on_ous:
            ou["policy"].append(policy["Name"])
        if policy["Name"] in BUILTIN_POLICIES:
            notes.append(f"{what} has the name of lz's built-in SCP: lz replaces its content with its own (an in-place update, same id)")
            continue
        content = org.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"]
        path = f"{POLICY_DIR}/{re.sub(r'[^A-Za-z0-9._-]+', '-', policy['Name'])}.json"
        files[path] = json.dumps(json.loads(content), indent=2) + "\n"
        policies.append({"name": policy["Name"], "description": policy.get("Description", ""), "file": path})

    for kind, label in POLICY_TYPES.items():
        if kind != SCP:  # project.yaml has no words for them
            found = [p for p in pages(org, "list_policies", "Policies", Filter=kind) if not p.get("AwsManaged")]
            notes += [f"{label} {p['Name']} ({p['Id']}): project.yaml describes SCPs only; left alone" for p in found]

    block: dict[str, Any] = {"accounts": accounts}
    block["organizational_units"] = [{k: v for k, v in ou.items() if v or k == "name"} for ou in ous]
    if policies:
        block["policies"] = policies
    return Description(block, files, notes)
