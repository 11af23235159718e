"""Synthesize the app into cdktf.out: used by `lz synth` and `lz up` (main.py, for cdktf, builds the app itself).

Importing this module is cheap; the cdktf/provider imports happen inside `synth()`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from landing_zone.config import Project
from landing_zone.settings import Settings


def synth(project: Project, settings: Settings, account_ids: dict[str, str] | None = None,
          outdir: Path | None = None) -> Path:  # fmt: skip
    """Write every stack's cdk.tf.json under `outdir`; returns that directory.

    `account_ids`: the member account ids known so far (recorded by deploys); stacks of
    accounts whose ids are not known yet are left out.

    Synthesizes into a fresh sibling directory and swaps it in, so a failure never
    leaves a half-written cdktf.out.
    """
    from landing_zone.app import build_app

    outdir = outdir or settings.out_dir
    staging = outdir.with_name(f".{outdir.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        build_app(project, settings, outdir=staging, account_ids=account_ids or {}).synth()
        if outdir.exists():
            shutil.rmtree(outdir)
        staging.rename(outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outdir
