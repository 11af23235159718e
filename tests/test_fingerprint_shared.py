"""In CI (LZ_AUTH=ci) the skip record lives beside the state, so a fresh runner can skip a
stack — but only while the JSON *and* the state are the ones the last successful apply left."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from landing_zone.deploy import fingerprint
from landing_zone.deploy.context import DeployContext
from tests.test_fingerprint import STACK, Stack, _synthesized


class Bucket:
    """The state bucket's objects (get/put only: what the record needs)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:  # boto3's argument names
        self.objects[(Bucket, Key)] = Body

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        if (Bucket, Key) not in self.objects:
            raise KeyError(Key)  # botocore raises NoSuchKey; any error means: no record
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}


@pytest.fixture
def ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Stack, Bucket]:
    stack = Stack(tmp_path, monkeypatch)
    bucket = Bucket()
    monkeypatch.setattr(DeployContext, "client", lambda self, service, account="management": bucket)
    monkeypatch.setattr(DeployContext, "backend_location", lambda self, a, layer: ("me-management-terraform-backend", f"{a}/{layer}/terraform.tfstate"))
    stack.ctx = stack.context("http://127.0.0.1:4001", auth="ci")
    return stack, bucket


def fresh_runner(stack: Stack) -> None:
    """A new job: the work dir is gone (the synthesized JSON comes again from the commit)."""
    shutil.rmtree(stack.work / "stacks")


def test_a_fresh_runner_skips_what_the_last_apply_left(ci: tuple[Stack, Bucket]) -> None:
    stack, bucket = ci
    assert not stack.fp().unchanged()  # never applied
    stack.applied()
    assert list(bucket.objects) == [("me-management-terraform-backend", "management/organizations/lz-applied.json")]
    assert not (stack.ctx.workspace(STACK) / fingerprint.RECORD).exists()
    fresh_runner(stack)
    assert stack.fp().unchanged()
    parts = json.loads(next(iter(bucket.objects.values())))["parts"]
    assert parts["state"] == "etag-1/v1" and parts["terraform"] == "1.11.4"


def test_a_revert_after_a_newer_apply_plans_again(ci: tuple[Stack, Bucket]) -> None:
    stack, _ = ci
    stack.applied()  # commit A
    stack.write_json(_synthesized(bucket="another-bucket"))
    assert not stack.fp().unchanged()
    stack.state = "etag-2/v2"  # commit B applied
    stack.applied()
    stack.write_json(_synthesized())  # revert to A: its JSON, but the state is B's
    fresh_runner(stack)
    assert not stack.fp().unchanged()


def test_an_apply_from_elsewhere_plans_again(ci: tuple[Stack, Bucket]) -> None:
    stack, _ = ci
    stack.applied()
    stack.state = "etag-3/v3"  # a laptop's lz up, npx cdktf deploy, a failed apply that wrote state
    assert not stack.fp().unchanged()


def test_outside_ci_the_record_stays_in_the_work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = Stack(tmp_path, monkeypatch)
    bucket = Bucket()
    monkeypatch.setattr(DeployContext, "client", lambda self, service, account="management": bucket)
    stack.applied()
    assert bucket.objects == {}
    assert (stack.ctx.workspace(STACK) / fingerprint.RECORD).is_file()
