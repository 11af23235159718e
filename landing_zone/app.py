"""Build the cdktf App: one loop over accounts × layers."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

# isort: off
from landing_zone import bindings  # noqa: F401  (before cdktf: it sets jsii's cache dir and registers the bindings)
from cdktf import App, TerraformStack

# isort: on
from landing_zone import layers, naming, toolchain
from landing_zone.adoption.model import NOTHING, Adopted
from landing_zone.config.model import Project
from landing_zone.settings import Settings
from landing_zone.stacks import LayerStack


def build_app(
    project: Project,
    settings: Settings,
    *,
    outdir: Path | None = None,
    account_ids: dict[str, str] | None = None,
    part: tuple[int, int] = (0, 1),
    only: Collection[str] | None = None,
    adopted: Adopted = NOTHING,
) -> App:
    """account_ids: member account ids known from the organizations stack's outputs.
    adopted: what exists already (adoption/, read by the deploy step): imported, not created.

    Stacks that need an account id nobody knows yet (before organizations has created the
    member accounts) are left out; `lz up` synthesizes again once the ids are recorded.
    part (i, n): only every n-th of those stacks from the i-th (synth.py's parallel processes).
    only: these stack ids alone (a selective synth); stacks share no construct, so each one's
    JSON is the one a full synth writes (tests/test_synth_selective.py).
    """
    ids = {a.name: a.id for a in project.organization.accounts if a.id} | adopted.accounts | (account_ids or {})
    # cdktf's own validation runs `terraform version` once per imported resource (hundreds in a
    # big org, ~0.1 s each); validate() below does the same checks with one.
    app = App(outdir=str(outdir or settings.out_dir), skip_validation=True)
    wanted = [(account, layers.layer(name)) for account, name in layers.stacks(project)]
    wanted = [(account, layer) for account, layer in wanted if layer.synthesizable(account, set(ids), project.account_names)]
    if only is not None:
        wanted = [(account, layer) for account, layer in wanted if naming.stack_id(account, layer.name) in only]
    for account, layer in wanted[part[0] :: part[1]]:
        stack_class: type[LayerStack] = layers.resolve(layer.stack)
        stack_class(app, layer=layer.name, project=project, account=account, settings=settings, account_ids=ids, adopted=adopted)
    validate(app)
    return app


class AppValidationError(Exception):
    pass


# Import blocks (adopting the management account and each member's OAAR) need terraform 1.5.
MIN_TERRAFORM = (1, 5)


def validate(app: App) -> None:
    """What cdktf validates at synth: each stack's checks (a provider for every resource's
    provider type) and, since every landing zone imports resources, the terraform version."""
    errors = [f"[{stack.node.path}] {message}" for stack in app.node.children if isinstance(stack, TerraformStack) for message in stack.node.validate()]
    found = toolchain.terraform()
    if not found or not found[1]:
        errors.append("terraform not found on PATH (import blocks need terraform >= 1.5)")
    elif _numbers(found[1]) < MIN_TERRAFORM:
        errors.append(f"terraform {found[1]} is too old: import blocks need terraform >= 1.5")
    if errors:
        raise AppValidationError("synth: " + "; ".join(errors))


def _numbers(version: str) -> tuple[int, ...]:
    """(1, 11, 4) for "1.11.4"."""
    return tuple(int(n) for n in re.findall(r"\d+", version)[:3])
