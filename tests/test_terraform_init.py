"""A `-reconfigure` init runs only when something it reads changed since the last one here."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from landing_zone.deploy.terraform import Terraform, TerraformError


def _terraform(tmp_path: Path, *, fail_init: bool = False) -> tuple[Terraform, Path, Path]:
    """A terraform that records its calls and, on init, writes the files a real init writes."""
    calls = tmp_path / "calls"
    script = tmp_path / "terraform"
    script.write_text(f"""#!/bin/sh
echo "$1 $*" >> {calls}
if [ "$1" = init ]; then
  {"exit 1" if fail_init else ":"}
  mkdir -p .terraform && echo '{{"backend": "s3"}}' > .terraform/terraform.tfstate && touch .terraform.lock.hcl
fi
exit 0
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": {"s3": {"bucket": "b"}}}, "resource": {"x": {}}}))
    return Terraform("management-tf-backend", ws, {"PATH": "/usr/bin:/bin"}, tmp_path / "stack.log", binary=str(script)), ws, calls


def _inits(calls: Path) -> int:
    return sum(line.startswith("init ") for line in calls.read_text().splitlines()) if calls.exists() else 0


def test_a_second_init_with_nothing_changed_is_skipped_and_logged(tmp_path: Path) -> None:
    tf, ws, calls = _terraform(tmp_path)
    tf.init("-reconfigure")
    tf.init("-reconfigure")
    assert _inits(calls) == 1
    assert "init skipped" in tf.log.read_text()


@pytest.mark.parametrize(
    "change",
    [
        lambda ws: (ws / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": {"s3": {"bucket": "other"}}}})),
        lambda ws: (ws / "lz_override.tf.json").write_text("{}"),  # the bootstrap's local backend
        lambda ws: (ws / ".terraform.lock.hcl").write_text("# another provider"),
        lambda ws: (ws / ".terraform" / "terraform.tfstate").write_text("{}"),  # someone else's init
        lambda ws: (ws / ".terraform" / "lz-init.sha256").unlink(),
    ],
    ids=["backend", "override", "lock-file", "backend-record", "no-record"],
)
def test_init_runs_again_when_what_it_reads_changed(tmp_path: Path, change: Callable[[Path], object]) -> None:
    tf, ws, calls = _terraform(tmp_path)
    tf.init("-reconfigure")
    change(ws)
    tf.init("-reconfigure")
    assert _inits(calls) == 2


def test_a_change_outside_terraform_and_module_blocks_does_not_init(tmp_path: Path) -> None:
    tf, ws, calls = _terraform(tmp_path)
    tf.init("-reconfigure")
    doc = json.loads((ws / "cdk.tf.json").read_text())
    doc["resource"]["y"] = {}
    (ws / "cdk.tf.json").write_text(json.dumps(doc))
    tf.init("-reconfigure")
    assert _inits(calls) == 1


def test_a_migrating_init_always_runs_and_forgets_the_record(tmp_path: Path) -> None:
    tf, ws, calls = _terraform(tmp_path)
    tf.init("-reconfigure")
    tf.init("-migrate-state", "-force-copy")
    assert not (ws / Terraform.INIT_RECORD).exists()
    tf.init("-reconfigure")
    assert _inits(calls) == 3


def test_a_failed_init_leaves_no_record(tmp_path: Path) -> None:
    tf, ws, calls = _terraform(tmp_path, fail_init=True)
    with pytest.raises(TerraformError):
        tf.init("-reconfigure")
    assert not (ws / Terraform.INIT_RECORD).exists()
