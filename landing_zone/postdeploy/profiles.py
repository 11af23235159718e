"""The profiles `credentials configure` writes: pure functions from facts to INI updates.

Access keys go to the credentials file as `[<short>-<type>]`; the config file gets that
profile's region and one assumable-role profile per account
(`[profile <short>-<acct>-oaar|devops]`), which boto3, the AWS CLI and Terraform use as is.
"""

from __future__ import annotations

from collections.abc import Mapping

from landing_zone import naming
from landing_zone.aws.inifile import Updates
from landing_zone.config.model import Project

OUTPUT = "json"


def ordered_accounts(project: Project, accounts: Mapping[str, str]) -> list[tuple[str, str]]:
    """project.yaml's order first, then accounts only the organization knows, by name."""
    known = [a for a in project.account_names if a in accounts]
    extra = sorted(a for a in accounts if a not in project.account_names)
    return [(name, accounts[name]) for name in (*known, *extra)]


def config_updates(
    project: Project,
    cred_type: str,
    accounts: Mapping[str, str],
    *,
    mfa_serial: str | None,
    existing: Mapping[str, Mapping[str, str]],
) -> Updates:
    """Sections for the config file.

    `mfa_serial` None means "not fetched this time": an existing serial is kept while the
    profile keeps its source profile (re-running without --fetch-mfa-device must not drop
    MFA) and removed when the source changes (another user's device would be asked for).
    """
    source = naming.credentials_profile(project.short_name, cred_type)
    updates: dict[str, dict[str, str | None]] = {
        naming.config_section(source): {"region": project.primary_region, "output": OUTPUT},
    }
    role = naming.assumed_role(cred_type)
    for account, account_id in ordered_accounts(project, accounts):
        if role == naming.DEVOPS_ROLE and account == naming.MANAGEMENT:
            continue  # DevOps exists in the member accounts only (the reference's layout)
        section = naming.config_section(naming.account_profile(project.short_name, account, cred_type))
        values: dict[str, str | None] = {
            "region": project.primary_region,
            "output": OUTPUT,
            "role_arn": naming.role_arn(account_id, role),
            "source_profile": source,
        }
        if mfa_serial:
            values["mfa_serial"] = mfa_serial
        elif existing.get(section, {}).get("source_profile") != source:
            values["mfa_serial"] = None
        updates[section] = values
    return updates


def known_account_ids(project: Project, config: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Account ids recorded by an earlier configure: the role ARNs of this project's profiles.

    SECURITY keys can't list the organization's accounts, so they reuse what a
    BOOTSTRAP or MANAGEMENT run found (the reference reads its own tfvars for this).
    """
    ids: dict[str, str] = {}
    if project.management.id:
        ids[naming.MANAGEMENT] = project.management.id
    for account in project.account_names:
        for cred_type in naming.CREDENTIAL_TYPES:
            section = naming.config_section(naming.account_profile(project.short_name, account, cred_type))
            parts = config.get(section, {}).get("role_arn", "").split(":")
            if len(parts) == 6 and parts[4].isdigit():
                ids.setdefault(account, parts[4])
    return ids
