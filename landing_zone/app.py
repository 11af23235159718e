"""Build the cdktf App: one loop over accounts × layers."""

from __future__ import annotations

from pathlib import Path

from landing_zone import bindings  # noqa: F401  (must precede any provider import)
from cdktf import App

from landing_zone import layers
from landing_zone.config.model import Project
from landing_zone.settings import Settings
from landing_zone.stacks import STACKS


def build_app(project: Project, settings: Settings, *, outdir: Path | None = None,
              account_ids: dict[str, str] | None = None) -> App:  # fmt: skip
    """account_ids: member account ids known from the organizations stack's outputs.

    Stacks that need an account id nobody knows yet (before organizations has created the
    member accounts) are left out; `lz up` synthesizes again once the ids are recorded.
    """
    ids = {a.name: a.id for a in project.organization.accounts if a.id} | (account_ids or {})
    app = App(outdir=str(outdir or settings.out_dir), skip_validation=False)
    for account, layer in layers.stacks(project):
        if layers.layer(layer).synthesizable(account, set(ids), project.account_names):
            STACKS[layer](app, project=project, account=account, settings=settings, account_ids=ids)
    return app
