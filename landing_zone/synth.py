"""Synthesize the app into cdktf.out: used by `lz synth`, `lz up` and main.py (cdktf).

Importing this module is cheap; the cdktf/provider imports happen inside `synth()`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from landing_zone.config import ConfigError, Project, load_project
from landing_zone.settings import Settings, SettingsError


def account_ids_file(settings: Settings) -> Path:
    """Member account ids recorded from the organizations stack's outputs after it applies."""
    return settings.work_dir / "account_ids.json"


def known_account_ids(settings: Settings) -> dict[str, str]:
    try:
        return dict(json.loads(account_ids_file(settings).read_text()))
    except (OSError, ValueError):
        return {}


def synth(project: Project, settings: Settings, outdir: Path | None = None) -> Path:
    """Write every stack's cdk.tf.json under `outdir`; returns that directory.

    Synthesizes into a fresh sibling directory and swaps it in, so a failure never
    leaves a half-written cdktf.out.
    """
    from landing_zone.app import build_app

    outdir = outdir or settings.out_dir
    staging = outdir.with_name(f".{outdir.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        build_app(project, settings, outdir=staging, account_ids=known_account_ids(settings)).synth()
        if outdir.exists():
            shutil.rmtree(outdir)
        staging.rename(outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outdir


def synth_from_env() -> None:
    """Entry for main.py: same settings as `lz` (LZ_* variables); outdir from cdktf."""
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
