"""`<acct>-tf-backend`: the account's Terraform state bucket and lock table."""

from __future__ import annotations

from cdktf import TerraformOutput

from landing_zone import naming
from landing_zone.constructs.state_backend import Replica, StateBackend
from landing_zone.stacks.base import LayerStack


class TfBackendStack(LayerStack):
    def build(self) -> None:
        name = naming.state_bucket(self.project.short_name, self.account)
        options, short = self.project.state_backend, self.project.short_name
        replica = (
            Replica(
                naming.replica_bucket(short, self.account), naming.replication_role(short, self.account), self.regional_provider(self.project.secondary_region)
            )
            if options.replication
            else None
        )
        backend = StateBackend(
            self,
            "state",
            name=name,
            account_id=self.account_ids[self.account],
            kms=options.kms,
            access_logging=options.access_logging,
            protect=not self.settings.allow_destroy,  # only `lz down` lifts prevent_destroy
            replica=replica,
            adopted={k.split("/", 1)[1]: v for k, v in self.adopted.state_backends.items() if k.split("/", 1)[0] == self.account},
        )
        TerraformOutput(self, "bucket", value=backend.bucket.bucket)
        TerraformOutput(self, "lock_table", value=backend.lock_table.name)
        if backend.replica_bucket:
            TerraformOutput(self, "replica_bucket", value=backend.replica_bucket.bucket)
