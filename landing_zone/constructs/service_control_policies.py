"""Service control policies: the built-in `default` and `standard`, custom ones from files, attachments."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.organizations_organizational_unit import OrganizationsOrganizationalUnit
from cdktf_cdktf_provider_aws.organizations_policy import OrganizationsPolicy
from cdktf_cdktf_provider_aws.organizations_policy_attachment import OrganizationsPolicyAttachment
from constructs import Construct

from landing_zone.adoption.model import ADOPTED_TARGETS_TAG, NOTHING, Adopted, adopted_targets
from landing_zone.config.model import Project
from landing_zone.constructs import adoption
from landing_zone.constructs.organization import ADOPTED_TAGS

BUILTIN_DIR = Path(__file__).parent / "scp"
BUILTIN_DESCRIPTIONS = {
    "default": "Allow all services; deny leaving the organization, root use and disabling audit services.",
    "standard": "Allow-list of standard services; deny leaving the organization, root use and disabling audit.",
    "delete-protection": "Deny deleting or changing Transit Gateway resources tagged protectFromDeletion=true.",
    "tag-protection": "Deny tag changes on EC2, RDS and EKS resources except by the deploy roles.",
}


def _minified(path: Path) -> str:
    return json.dumps(json.loads(path.read_text(encoding="utf-8")), separators=(",", ":"))


class ServiceControlPolicies(Construct):
    """The SCPs the OUs name, each attached to the OUs that list it."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: Project,
        units: dict[str, OrganizationsOrganizationalUnit],
        depends_on: Sequence[ITerraformDependable],
        adopted: Adopted = NOTHING,
    ) -> None:
        super().__init__(scope, id)
        custom = {p.name: p for p in project.organization.policies}
        used = sorted({name for ou in project.organization.organizational_units for name in ou.policy_names})
        self.policies: dict[str, OrganizationsPolicy] = {}
        for name in used:
            if name in custom:
                body, description = _minified(project.base_dir / custom[name].file), custom[name].description
            else:
                body, description = _minified(BUILTIN_DIR / f"{name}.json"), BUILTIN_DESCRIPTIONS[name]
            self.policies[name] = OrganizationsPolicy(
                self,
                f"scp-{name}",
                name=name,
                description=description,
                type="SERVICE_CONTROL_POLICY",
                content=body,
                depends_on=depends_on,
                tags={**ADOPTED_TAGS, ADOPTED_TARGETS_TAG: adopted_targets(adopted.attachments, name)} if name in adopted.policies else None,
            )
            if name in adopted.policies:  # same name: its content and description become lz's, in place
                adoption.adopt(self.policies[name], adopted.policies[name])
        for ou in project.organization.organizational_units:
            for name in ou.policy_names:
                attachment = OrganizationsPolicyAttachment(
                    self,
                    f"attach-{name}-{ou.name}",
                    policy_id=self.policies[name].id,
                    target_id=units[ou.name].id,
                )
                if f"{name}/{ou.name}" in adopted.attachments:
                    adoption.adopt(attachment, adopted.attachments[f"{name}/{ou.name}"])
