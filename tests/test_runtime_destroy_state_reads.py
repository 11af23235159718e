"""`lz down` reads a stack's state once (not `terraform state list` per adopted address), then
releases each adopted resource it holds and destroys the rest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landing_zone.deploy import orchestrate
from landing_zone.deploy.graph import Task
from landing_zone.deploy.terraform import Terraform
from landing_zone.settings import Settings

ADOPTED = ["aws_organizations_account.management", "aws_iam_role.oaar", "aws_iam_role_policy_attachment.oaar"]
MARK = {"//": {"lz": {"release_on_destroy": True}}}


def _state() -> dict[str, Any]:
    resources = [
        {"mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1], "instances": [{}]} for a in [*ADOPTED, "aws_organizations_organization.org"]
    ]
    return {"resources": resources, "outputs": {"lz_stack": {"value": "management-organizations"}}}


@dataclass
class _S3:
    def head_bucket(self, **kwargs: object) -> None:
        return None


@dataclass
class _Ctx:
    tf: Terraform
    settings: Settings
    clients: dict[str, Any] = field(default_factory=dict)

    def terraform(self, stack: str) -> Terraform:
        return self.tf

    def workspace(self, stack: str) -> Path:
        return self.tf.workdir

    def client(self, service: str, account: str = "management") -> Any:
        return _S3()

    def backend_location(self, account: str, layer: str) -> tuple[str, str]:
        return "bucket", f"{account}/{layer}/terraform.tfstate"


def test_destroy_reads_the_state_once_per_stack(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    resources: dict[str, dict[str, Any]] = {}
    for address in [*ADOPTED, "aws_organizations_organization.org"]:
        rtype, name = address.split(".")
        resources.setdefault(rtype, {})[name] = dict(MARK) if address in ADOPTED else {}
    (ws / "cdk.tf.json").write_text(json.dumps({"resource": resources}))
    (tmp_path / "state.json").write_text(json.dumps(_state()))
    calls = tmp_path / "calls"
    script = tmp_path / "terraform"
    script.write_text(f"""#!/bin/sh
echo "$*" >> {calls}
[ "$1 $2" = "state pull" ] && cat {tmp_path}/state.json
exit 0
""")
    script.chmod(0o755)
    tf = Terraform("management-organizations", ws, {"PATH": "/usr/bin:/bin"}, tmp_path / "log", binary=str(script))
    ctx = _Ctx(tf, Settings(config_path=tmp_path / "p.yaml", target="aws", work_dir=tmp_path / ".lz"))
    detail = orchestrate._destroy(ctx, Task("management-organizations", "management", "organizations"))  # type: ignore[arg-type]  # _Ctx: the two DeployContext members _destroy uses
    lines = calls.read_text().splitlines()
    reads = [line for line in lines if line.startswith(("state list", "state pull"))]
    assert reads == ["state pull"], lines
    assert sorted(line for line in lines if line.startswith("state rm")) == sorted(f"state rm {a}" for a in ADOPTED)
    assert detail == f"destroyed, released {len(ADOPTED)} adopted"
