"""The app for `npx cdktf synth|deploy` (main.py): same settings as `lz` (LZ_* variables),
the account ids `lz up` recorded, and the output directory cdktf chooses.

cdktf-cli 0.21 does not tell the app which stacks `cdktf deploy STACK` selected: it runs the
app with CDKTF_OUTDIR, CDKTF_CONTEXT_JSON, SYNTH_HCL_OUTPUT and
CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS only (@cdktf/cli-core synth-stack.js), and picks
the stacks from the manifest afterwards (cdktf-project.js: `synth()`, then
`getMultipleStacks(stacks, opts.stackNames)`); cdktf's App reads CDKTF_TARGET_STACK_ID but
neither the CLI sets it nor the library uses it. So the selection is passed by hand:
`LZ_STACKS=S1,S2 npx cdktf deploy S1 S2` builds those stacks alone (as `lz synth --stack`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from landing_zone import layers
from landing_zone.config import ConfigError, load_project
from landing_zone.deploy.account_ids import known_account_ids
from landing_zone.settings import Settings, SettingsError
from landing_zone.synth import mark_selection


def synth_from_env() -> None:
    """Runs outside the CLI's error policy, so expected errors are printed here (exit 1)."""
    try:
        settings = Settings.from_env()
        project, warnings = load_project(settings.config_path)
    except (ConfigError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    for w in warnings:
        print(f"warning: {w.render(settings.config_path)}", file=sys.stderr)
    from landing_zone.app import AppValidationError, build_app

    # The cdktf CLI chooses the output directory (CDKTF_OUTDIR); honour it over LZ_OUT_DIR.
    outdir = Path(os.environ.get("CDKTF_OUTDIR") or settings.out_dir)
    only = os.environ.get("LZ_STACKS", "").replace(",", " ").split() or None
    every = layers.stack_ids(project)
    unknown = [s for s in only or () if s not in every]
    if unknown:
        print(f"error: LZ_STACKS: unknown stack '{unknown[0]}'; stacks are: {', '.join(every)}", file=sys.stderr)
        raise SystemExit(1)
    try:
        app = build_app(project, settings, outdir=outdir, account_ids=known_account_ids(settings), only=only)
    except AppValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    app.synth()
    mark_selection(outdir, only)  # cdktf keeps other files of its output directory: a full synth drops an old mark
