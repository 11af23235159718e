"""`lz up` skips a stack only when its fingerprint matches the last successful apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from landing_zone import toolchain
from landing_zone.deploy import fingerprint, orchestrate
from landing_zone.deploy.context import DeployContext
from landing_zone.deploy.graph import Task
from landing_zone.deploy.terraform import Terraform
from landing_zone.settings import Settings

STACK = "management-organizations"
LOCK = 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n}\n'


def _synthesized(provider_version: str = "5.100.0", bucket: str = "me-management-terraform-backend") -> str:
    return json.dumps(
        {
            "terraform": {"required_providers": {"aws": {"source": "aws", "version": provider_version}}, "backend": {"s3": {"bucket": bucket}}},
            "resource": {"aws_organizations_organization": {"org": {"feature_set": "ALL"}}},
        }
    )


class Stack:
    """A stack workspace as `lz up` leaves it after a successful apply (no terraform needed)."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, endpoint: str = "http://127.0.0.1:4001"):
        self.tmp, self.monkeypatch = tmp_path, monkeypatch
        self.work = tmp_path / ".lz"
        self.out = tmp_path / "cdktf.out"
        self.state: str | None = "etag-1/v1"
        monkeypatch.setattr(fingerprint, "state_version", lambda ctx, account, layer: self.state)
        monkeypatch.setattr(toolchain, "_version", lambda path, mtime, size: "1.11.4")
        self.write_json(_synthesized())
        self.emulator(pid=4242, endpoint=endpoint)
        self.ctx = self.context(endpoint)
        ws = self.ctx.workspace(STACK)
        (ws / ".terraform").mkdir()
        (ws / ".terraform" / "terraform.tfstate").write_text("{}")
        (ws / ".terraform.lock.hcl").write_text(LOCK)
        self.task = Task(STACK, "management", "organizations")

    def context(self, endpoint: str, **settings: object) -> DeployContext:
        cfg = Settings(config_path=self.tmp / "project.yaml", target="local", work_dir=self.work, out_dir=self.out, endpoint=endpoint, **settings)  # type: ignore[arg-type]  # **settings: each test passes valid Settings fields
        return DeployContext(project=None, settings=cfg)  # type: ignore[arg-type]  # fingerprints never read the project

    def write_json(self, text: str) -> None:
        path = self.out / "stacks" / STACK / "cdk.tf.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def emulator(self, pid: int, endpoint: str) -> None:
        """emulator.json as server.start writes it; the fake pid "started" at a time of its own."""
        self.work.mkdir(parents=True, exist_ok=True)
        (self.work / "emulator.json").write_text(json.dumps({"pid": pid, "port": 1, "endpoint": endpoint}))
        self.monkeypatch.setattr(fingerprint, "process_start", lambda pid_: f"boot/{pid_ * 7}")

    def terraform(self, ctx: DeployContext | None = None) -> Terraform:
        return (ctx or self.ctx).terraform(STACK)

    def fp(self, ctx: DeployContext | None = None) -> fingerprint.StackFingerprint:
        ctx = ctx or self.ctx
        return fingerprint.StackFingerprint(ctx, self.terraform(ctx), self.task)

    def applied(self) -> None:
        self.fp().record()


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stack:
    return Stack(tmp_path, monkeypatch)


def test_unchanged_after_record(stack: Stack) -> None:
    assert not stack.fp().unchanged()  # nothing recorded yet
    stack.applied()
    assert stack.fp().unchanged()
    doc = json.loads((stack.ctx.workspace(STACK) / fingerprint.RECORD).read_text())
    assert doc["parts"]["state"] == "etag-1/v1" and doc["parts"]["terraform"].startswith("1.11.4")


def test_synthesized_json_change_invalidates(stack: Stack) -> None:
    stack.applied()
    stack.write_json(_synthesized(bucket="another-bucket"))
    assert not stack.fp().unchanged()


def test_provider_version_change_invalidates(stack: Stack) -> None:
    stack.applied()
    stack.write_json(_synthesized(provider_version="5.101.0"))
    assert not stack.fp().unchanged()
    stack.write_json(_synthesized())
    assert stack.fp().unchanged()
    (stack.ctx.workspace(STACK) / ".terraform.lock.hcl").write_text(LOCK.replace("5.100.0", "5.99.1"))
    assert not stack.fp().unchanged()


def test_terraform_version_change_invalidates(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    stack.applied()
    monkeypatch.setattr(toolchain, "_version", lambda path, mtime, size: "1.12.0")
    assert not stack.fp().unchanged()


def test_cli_config_and_tf_vars_invalidate(stack: Stack) -> None:
    stack.applied()
    config = Path(stack.ctx.env["TF_CLI_CONFIG_FILE"])
    original = config.read_text()
    config.write_text(original + "# another mirror\n")
    assert not stack.fp().unchanged()
    config.write_text(original)
    assert stack.fp().unchanged()
    stack.ctx.env["TF_CLI_ARGS_plan"] = "-parallelism=1"
    assert not stack.fp().unchanged()


def test_new_emulator_invalidates(stack: Stack) -> None:
    stack.applied()
    other = "http://127.0.0.1:4002"
    assert not stack.fp(stack.context(other)).unchanged()  # another endpoint
    stack.emulator(pid=4343, endpoint="http://127.0.0.1:4001")
    assert not stack.fp().unchanged()  # same endpoint, another process


def test_target_and_credentials_mode_invalidate(stack: Stack) -> None:
    stack.applied()
    assert not stack.fp(stack.context("http://127.0.0.1:4001", auth="mfa")).unchanged()


def test_state_changed_elsewhere_or_gone_invalidates(stack: Stack) -> None:
    stack.applied()
    stack.state = "etag-2/v2"  # someone applied (or destroyed) through terraform
    assert not stack.fp().unchanged()
    stack.state = None  # no state object: a new emulator, a deleted backend
    assert not stack.fp().unchanged()


def test_no_record_without_state_or_init(stack: Stack) -> None:
    stack.state = None
    stack.applied()
    assert fingerprint.recorded(stack.ctx.workspace(STACK)) is None
    stack.state = "etag-1/v1"
    (stack.ctx.workspace(STACK) / ".terraform" / "terraform.tfstate").unlink()
    stack.applied()
    assert fingerprint.recorded(stack.ctx.workspace(STACK)) is None


def test_deploy_skips_refreshes_and_failure_invalidates(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    applied: list[str] = []

    def apply_ok(ctx: DeployContext, task: Task, tf: Terraform) -> str:
        applied.append(task.name)
        return "no changes"

    monkeypatch.setattr(orchestrate, "_apply", apply_ok)
    ws = stack.ctx.workspace(STACK)
    assert orchestrate._deploy(stack.ctx, stack.task) == "no changes"
    assert fingerprint.recorded(ws) and applied == [STACK]
    assert orchestrate._deploy(stack.ctx, stack.task) == fingerprint.SKIPPED
    assert applied == [STACK]
    assert orchestrate._deploy(stack.ctx, stack.task, refresh=True) == "no changes"
    assert applied == [STACK, STACK] and fingerprint.recorded(ws)

    def apply_fails(ctx: DeployContext, task: Task, tf: Terraform) -> str:
        raise RuntimeError("terraform apply failed")

    monkeypatch.setattr(orchestrate, "_apply", apply_fails)
    with pytest.raises(RuntimeError):
        orchestrate._deploy(stack.ctx, stack.task, refresh=True)
    assert fingerprint.recorded(ws) is None  # a failed run leaves nothing to skip on
    monkeypatch.setattr(orchestrate, "_apply", apply_ok)
    assert orchestrate._deploy(stack.ctx, stack.task) == "no changes"  # so the next run plans


def test_process_start_identifies_a_running_process() -> None:
    import os

    assert fingerprint.process_start(os.getpid()) == fingerprint.process_start(os.getpid()) is not None
    assert fingerprint.process_start(2**22 + 12345) is None  # no such pid


def test_deploy_context_builds_each_client_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Skipped stacks share one client per account and service; new ids, creds or age rebuild it."""
    from landing_zone.aws import sessions
    from landing_zone.deploy import context

    built: list[tuple[str, str]] = []
    monkeypatch.setattr(DeployContext, "session", lambda self, account="management": account)

    def client(sess: str, service: str, settings: Settings) -> object:
        built.append((sess, service))
        return object()

    monkeypatch.setattr(sessions, "client", client)
    ctx = DeployContext(project=None, settings=Settings(config_path=tmp_path / "p.yaml", work_dir=tmp_path))  # type: ignore[arg-type]  # the client cache never reads the project
    first = ctx.client("s3", "shared")
    assert ctx.client("s3", "shared") is first
    assert ctx.client("s3") is not first and ctx.client("organizations") is not ctx.client("s3")
    assert built == [("shared", "s3"), ("management", "s3"), ("management", "organizations")]
    ctx.account_ids["shared"] = "222222222222"  # organizations applied: a new account
    assert ctx.client("s3", "shared") is not first
    ctx.credentials["shared"] = {"AccessKeyId": "ASIA1"}  # MFA session credentials
    mfa = ctx.client("s3", "shared")
    assert ctx.client("s3", "shared") is mfa
    clock = [0.0]
    monkeypatch.setattr(context.time, "monotonic", lambda: clock[0])
    aged = ctx.client("sts", "shared")
    clock[0] += context.CLIENT_TTL + 1
    assert ctx.client("sts", "shared") is not aged
