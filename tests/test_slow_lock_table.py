"""State migration (bootstrap local → S3, `lz down`'s S3 → local) on a slow lock table.

A DynamoDB PutItem that was written but answered too late is retried by the SDK, and the
retry finds terraform's own lock ("Operation: migration source state") taken. lz removes
that lock from the table and runs the migration again; when it still fails, the workspace is
put back as it was. A small proxy in front of the emulator's DynamoDB writes each lock and
answers the first (or every) one with a retryable 500 after a delay, as AWS would answer its retry
(not knowing it for one). Tiny stack:
`terraform_data` only (no provider to install), real terraform, the session emulator.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from landing_zone.deploy.bootstrap import LOCAL_STATE, OVERRIDE, bootstrap, unbootstrap
from landing_zone.deploy.terraform import Terraform, TerraformError
from landing_zone.emulator.server import EmulatorInfo
from landing_zone.settings import EMULATOR_SECRET, emulator_access_key
from tests.emulator_harness import REGION, client

ACCOUNT = "000555000111"  # this file's own account on the shared emulator
TABLE = "slow-lock-table"
KEY = "management/tf-backend.tfstate"


class SlowLockTable(ThreadingHTTPServer):
    """Forwards to the emulator; a lock PutItem selected by `failing` is written, then answered
    with a retryable 500 after `delay` seconds (so the SDK sends it again)."""

    def __init__(self, upstream: str, delay: float = 0.5):
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream, self.delay = urlsplit(upstream).netloc, delay
        self.failing: str = "none"  # "none", "first" (the next lock only) or "every"
        self.answered_late = 0
        self.endpoint = f"http://127.0.0.1:{self.server_address[1]}"

    def late(self) -> bool:
        if self.failing == "first":
            self.failing = "none"
            return True
        return self.failing == "every"  # each lock written is answered late: its retry meets it


class _Forward(BaseHTTPRequestHandler):
    server: SlowLockTable

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        conn = http.client.HTTPConnection(self.server.upstream, timeout=60)
        # Without the SDK's invocation id: DynamoDB does not know a retry from a new request, so
        # the emulator must not either here (it answers a retry as the first was: emulator/retries.py).
        dropped = {"host", "amz-sdk-invocation-id"}
        conn.request("POST", self.path, body, {k: v for k, v in self.headers.items() if k.lower() not in dropped})
        answer = conn.getresponse()
        payload = answer.read()
        is_lock = self.headers.get("X-Amz-Target", "").endswith(".PutItem") and b'"Info"' in body
        if is_lock and answer.status == 200 and self.server.late():
            threading.Event().wait(self.server.delay)
            self.server.answered_late += 1
            self._reply(500, b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"slow"}', "application/x-amz-json-1.0")
            return
        self._reply(answer.status, payload, answer.getheader("Content-Type", "application/x-amz-json-1.0"))

    def _reply(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def proxy(emulator: EmulatorInfo) -> Iterator[SlowLockTable]:
    server = SlowLockTable(emulator.endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def bucket(emulator: EmulatorInfo, request: pytest.FixtureRequest) -> str:
    name = f"slow-lock-{request.node.name.replace('_', '-')[:40].strip('-')}"
    s3, ddb = client("s3", emulator.endpoint, ACCOUNT), client("dynamodb", emulator.endpoint, ACCOUNT)
    s3.create_bucket(Bucket=name)
    if TABLE not in ddb.list_tables()["TableNames"]:
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return name  # one bucket per test, on this file's own account


def stack(tmp_path: Path, emulator: EmulatorInfo, proxy: SlowLockTable, bucket: str) -> Terraform:
    ws = tmp_path / "stack"
    ws.mkdir()
    backend = {
        "bucket": bucket,
        "key": KEY,
        "region": REGION,
        "dynamodb_table": TABLE,
        "encrypt": True,
        "access_key": emulator_access_key(ACCOUNT),
        "secret_key": EMULATOR_SECRET,
        "endpoints": {"s3": emulator.endpoint, "dynamodb": proxy.endpoint, "iam": emulator.endpoint, "sts": emulator.endpoint},
        "use_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "skip_requesting_account_id": True,
        "skip_s3_checksum": True,
    }
    doc = {"terraform": {"backend": {"s3": backend}}, "resource": {"terraform_data": {"marker": {"input": "kept"}}}}
    (ws / "cdk.tf.json").write_text(json.dumps(doc))
    rc = tmp_path / "terraform.rc"
    rc.write_text("disable_checkpoint = true\n")
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    return Terraform("management-tf-backend", ws, env, tmp_path / "stack.log", emulator=True, timeout=300)


def lock_items(emulator: EmulatorInfo, bucket: str) -> list[dict[str, Any]]:
    """Locks (not terraform's digest items) held on this stack's state."""
    items = client("dynamodb", emulator.endpoint, ACCOUNT).scan(TableName=TABLE)["Items"]
    return [i for i in items if i["LockID"]["S"] == f"{bucket}/{KEY}"]


def state_object(emulator: EmulatorInfo, bucket: str) -> bytes | None:
    s3 = client("s3", emulator.endpoint, ACCOUNT)
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=KEY)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def resources(state: bytes | str) -> list[str]:
    return [f"{r['type']}.{r['name']}" for r in json.loads(state)["resources"]]


def test_bootstrap_and_down_finish_when_their_lock_is_answered_late(tmp_path: Path, emulator: EmulatorInfo, proxy: SlowLockTable, bucket: str) -> None:
    tf = stack(tmp_path, emulator, proxy, bucket)
    proxy.failing = "first"
    bootstrap(tf)
    assert proxy.answered_late == 1, "the migration's lock was answered late"
    remote = state_object(emulator, bucket)
    assert remote and resources(remote) == ["terraform_data.marker"]
    assert not (tf.workdir / OVERRIDE).exists() and not (tf.workdir / LOCAL_STATE).exists()
    assert lock_items(emulator, bucket) == []

    proxy.failing = "first"
    unbootstrap(tf)  # lz down: the state back to a local file
    assert proxy.answered_late == 2
    assert resources((tf.workdir / LOCAL_STATE).read_text()) == ["terraform_data.marker"]
    assert (tf.workdir / OVERRIDE).exists(), "lz down destroys from the local state next"
    assert lock_items(emulator, bucket) == []


def test_down_that_cannot_migrate_leaves_the_stack_as_it_was(tmp_path: Path, emulator: EmulatorInfo, proxy: SlowLockTable, bucket: str) -> None:
    tf = stack(tmp_path, emulator, proxy, bucket)
    bootstrap(tf)
    tf.init("-reconfigure")
    before = state_object(emulator, bucket)
    backend_record = (tf.workdir / ".terraform" / "terraform.tfstate").read_text()

    proxy.failing = "every"
    with pytest.raises(TerraformError, match="init"):
        unbootstrap(tf)
    assert not (tf.workdir / OVERRIDE).exists() and not (tf.workdir / LOCAL_STATE).exists()
    assert (tf.workdir / ".terraform" / "terraform.tfstate").read_text() == backend_record
    assert state_object(emulator, bucket) == before
    assert lock_items(emulator, bucket) == []
    assert proxy.answered_late >= 2, "each attempt met its own lock"

    proxy.failing = "none"  # the backend recovers: the stack works as before
    tf.init("-reconfigure")
    assert not tf.plan().changed


def test_bootstrap_that_cannot_migrate_resumes_on_the_next_run(tmp_path: Path, emulator: EmulatorInfo, proxy: SlowLockTable, bucket: str) -> None:
    tf = stack(tmp_path, emulator, proxy, bucket)
    proxy.failing = "every"
    with pytest.raises(TerraformError, match="init"):
        bootstrap(tf)
    assert resources((tf.workdir / LOCAL_STATE).read_text()) == ["terraform_data.marker"], "the applied state is kept"
    assert not (tf.workdir / OVERRIDE).exists()
    assert state_object(emulator, bucket) is None
    assert lock_items(emulator, bucket) == []

    proxy.failing = "none"
    assert not bootstrap(tf).changed, "the next run resumes: nothing applied twice"
    remote = state_object(emulator, bucket)
    assert remote and resources(remote) == ["terraform_data.marker"]
    assert not (tf.workdir / LOCAL_STATE).exists() and lock_items(emulator, bucket) == []
