"""The app's own synth validation (cdktf's per-construct validation is off: see app.validate)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

from landing_zone import bindings  # noqa: F401  (before the provider import)
from landing_zone.app import AppValidationError, validate


def _app(with_provider: bool) -> App:
    app = App(skip_validation=True)
    stack = TerraformStack(app, "acct-layer")
    if with_provider:
        AwsProvider(stack, "aws", region="us-east-1")
    S3Bucket(stack, "bucket", bucket="b")
    return app


def _fake_terraform(tmp_path: Path, version: str) -> str:
    script = tmp_path / "terraform"
    script.write_text(f'#!/bin/sh\necho \'{{"terraform_version": "{version}"}}\'\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(tmp_path)


def test_a_complete_app_passes() -> None:
    validate(_app(with_provider=True))


def test_a_stack_without_its_provider_fails() -> None:
    with pytest.raises(AppValidationError, match=r"\[acct-layer\].*aws"):
        validate(_app(with_provider=False))


def test_terraform_missing_or_too_old_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(with_provider=True)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(AppValidationError, match="terraform not found"):
        validate(app)
    monkeypatch.setenv("PATH", _fake_terraform(tmp_path, "1.4.6"))
    with pytest.raises(AppValidationError, match=r"terraform 1\.4\.6 is too old"):
        validate(app)
    monkeypatch.setenv("PATH", _fake_terraform(tmp_path, "1.5.0"))
    validate(app)
