"""`management-ci`: GitHub's OIDC provider and the plan and apply roles of the pipeline (issue 17)."""

from __future__ import annotations

from landing_zone import naming
from landing_zone.constructs.ci_roles import CiRoles
from landing_zone.constructs.github_oidc import GithubOidcProvider
from landing_zone.stacks.base import LayerStack


class CiStack(LayerStack):
    def build(self) -> None:
        p = self.project
        if p.pipeline is None:  # layers.py wants the layer only with a pipeline: section
            raise ValueError("the ci stack needs project.yaml's pipeline: section")
        oidc = GithubOidcProvider(self, "github")
        CiRoles(
            self,
            "roles",
            pipeline=p.pipeline,
            short_name=p.short_name,
            account_id=self.account_ids[naming.MANAGEMENT],
            region=p.primary_region,
            kms=p.state_backend.kms,
            provider=oidc.provider,
        )
