"""State backend bootstrap with no file edits.

A tf-backend stack stores its state in the bucket it creates. The first run applies it
with local state (a `*_override.tf.json` swaps the backend for `local`), then moves the
state into the new bucket with `init -migrate-state` and removes the local file. A run
that finds the state object already in S3 is an ordinary deploy; one that finds a local
state file left by an interrupted bootstrap resumes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from landing_zone.deploy.context import DeployContext
from landing_zone.deploy.terraform import PlanResult, Terraform
from landing_zone.fsutil import atomic_write_text

OVERRIDE = "lz_bootstrap_override.tf.json"
LOCAL_STATE = "terraform.tfstate"


def remote_state_exists(ctx: DeployContext, account: str, layer: str) -> bool:
    from botocore.exceptions import ClientError

    bucket, key = ctx.backend_location(account, layer)
    s3 = ctx.client("s3", account)
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NoSuchBucket", "403"):
            return False
        raise
    return True


def state_bucket_exists(ctx: DeployContext, account: str) -> bool:
    """Whether the account's state bucket is there (after `lz down` it is not: init would fail)."""
    from botocore.exceptions import ClientError

    bucket, _ = ctx.backend_location(account, "tf-backend")
    try:
        ctx.client("s3", account).head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "403"):
            return False
        raise
    return True


def _use_local_backend(ws: Path) -> None:
    override = {"terraform": {"backend": {"local": {"path": LOCAL_STATE}}}}
    (ws / OVERRIDE).write_text(json.dumps(override, indent=2))


def bootstrap(tf: Terraform) -> PlanResult:
    """Apply with local state, then migrate it into the S3 backend of the synthesized JSON.

    A migration that fails keeps the local state file (the only record of what was applied):
    the next run finds it and resumes."""
    ws = tf.workdir
    _use_local_backend(ws)
    try:
        tf.init("-reconfigure")
        result = tf.plan()
        if result.changed:
            tf.apply()
    finally:
        (ws / OVERRIDE).unlink(missing_ok=True)
    with _restored_on_failure(ws, keep=(LOCAL_STATE,)):
        tf.init("-migrate-state", "-force-copy")
    for leftover in (LOCAL_STATE, f"{LOCAL_STATE}.backup"):
        (ws / leftover).unlink(missing_ok=True)
    return result


def unbootstrap(tf: Terraform) -> None:
    """Reverse of bootstrap, for `lz down`: bring the state back to a local file. On failure
    the workspace is as before (its state in S3, no override, no local state file)."""
    with _restored_on_failure(tf.workdir):
        _use_local_backend(tf.workdir)
        tf.init("-migrate-state", "-force-copy")


_BACKEND_RECORD = Path(".terraform") / "terraform.tfstate"  # which backend init last configured


@contextmanager
def _restored_on_failure(ws: Path, keep: tuple[str, ...] = ()) -> Iterator[None]:
    """On an exception, put back the files a state migration touches (but `keep`): the
    override, the local state files and terraform's backend record."""
    names = [OVERRIDE, LOCAL_STATE, f"{LOCAL_STATE}.backup", str(_BACKEND_RECORD)]
    before = {name: (ws / name).read_text() if (ws / name).is_file() else None for name in names if name not in keep}
    try:
        yield
    except BaseException:
        for name, content in before.items():
            if content is None:
                (ws / name).unlink(missing_ok=True)
            else:
                atomic_write_text(ws / name, content)
        raise
