"""The stack of one layer in one account: provider, backend and default tags in one place."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from landing_zone import naming
from landing_zone.adoption.model import NOTHING, Adopted
from landing_zone.config.model import Project
from landing_zone.constructs.state_backend import kms_alias
from landing_zone.migration import blocks as migration_blocks
from landing_zone.settings import Settings
from landing_zone.stacks.target import add_backend, add_provider, provider_names_account


class LayerStack(TerraformStack):
    """Subclasses build their resources in `build()`; the layer table (layers.py) names the
    class of each layer and the app passes that name in."""

    def __init__(
        self,
        scope: Construct,
        *,
        layer: str,
        project: Project,
        account: str,
        settings: Settings,
        account_ids: dict[str, str],
        adopted: Adopted = NOTHING,
    ) -> None:
        super().__init__(scope, naming.stack_id(account, layer))
        self.layer = layer
        self.adopted = adopted  # what exists already (adoption/): the layers that adopt read it
        self.project = project
        self.account = account
        self.settings = settings
        self.account_ids = account_ids
        self._regional: dict[str, AwsProvider] = {}
        account_id = account_ids.get(account)
        self.provider = add_provider(self, project=project, account=account, layer=self.layer, settings=settings, account_id=account_id)
        self.backend = add_backend(self, project=project, account=account, layer=self.layer, settings=settings, account_id=account_id)
        if account_id and account != naming.MANAGEMENT and not provider_names_account(project, account, account_id, settings):
            # With MFA on the provider assumes no role, so nothing else in the JSON says which
            # account the stack is for: the access model (access/model.py) reads it here.
            self.add_override(f"//.{naming.STACK_METADATA}.account_id", account_id)
        if project.state_backend.kms:
            # With `encrypt` alone the backend writes state with SSE-S3, whatever the bucket's default.
            bucket = naming.state_bucket(project.short_name, account)
            self.add_override("terraform.backend.s3.kms_key_id", kms_alias(bucket))
        self.build()
        # Written into the stack's state on every apply: the foreign-state guard
        # (deploy/foreign_state.py) knows by it that lz wrote this state.
        TerraformOutput(self, naming.STACK_MARKER_OUTPUT, value=self.node.id)
        # A Leverage layer's state taken over in place (`lz migrate leverage --apply`): terraform
        # moves each object to lz's address and forgets the rest (it stays in AWS).
        migrated = migration_blocks.read(project.base_dir, self.node.id)
        for key, value in (migrated or {}).items():
            if value:
                self.add_override(key, value)

    def regional_provider(self, region: str) -> AwsProvider:
        """A provider for `region` (alias = region), made once per stack; the default one when it is the primary."""
        if region == self.project.primary_region:
            return self.provider
        if region not in self._regional:
            self._regional[region] = add_provider(
                self,
                project=self.project,
                account=self.account,
                layer=self.layer,
                settings=self.settings,
                account_id=self.account_ids.get(self.account),
                region=region,
            )
        return self._regional[region]

    def build(self) -> None:
        raise NotImplementedError
