"""The app for `npx cdktf synth|deploy` (main.py): same settings as `lz` (LZ_* variables),
the account ids `lz up` recorded, and the output directory cdktf chooses."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from landing_zone.config import ConfigError, load_project
from landing_zone.deploy.account_ids import known_account_ids
from landing_zone.settings import Settings, SettingsError


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
    try:
        app = build_app(project, settings, outdir=outdir, account_ids=known_account_ids(settings))
    except AppValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    app.synth()
