"""The foreign-state guard: a stack whose state holds resources lz does not generate (the
reference's hand-written layer at the same bucket and key) is stopped before any plan."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from landing_zone import naming
from landing_zone.config import editor
from landing_zone.deploy import foreign_state
from landing_zone.deploy.foreign_state import foreign_addresses, generated_addresses
from landing_zone.deploy.tfenv import GO_RUNTIME
from landing_zone.emulator.server import EmulatorInfo
from landing_zone.settings import EMULATOR_SECRET, emulator_access_key
from tests.conftest import ROOT, provider_mirror
from tests.synth_helpers import prepare_project, synth_stacks

DOC = {
    "resource": {"aws_sns_topic": {"alerts": {}}, "aws_iam_role": {"oaar": {}, "devops": {}}},
    "data": {"aws_caller_identity": {"me": {}}},
    "moved": [{"from": "aws_iam_role.old_name", "to": "aws_iam_role.devops"}],
}


def test_generated_addresses_include_moved_sources() -> None:
    assert generated_addresses(DOC) == {"aws_sns_topic.alerts", "aws_iam_role.oaar", "aws_iam_role.devops", "aws_iam_role.old_name"}


@pytest.mark.parametrize(
    ("state", "foreign"),
    [
        (["aws_sns_topic.alerts", "aws_iam_role.oaar"], []),
        (['aws_iam_role.devops["x"]', "aws_iam_role.oaar[0]"], []),
        (["aws_iam_role.old_name"], []),  # a `moved` block adopts it
        (["aws_sns_topic.alerts", "aws_sns_topic.main", "module.base.aws_s3_bucket.this"], ["aws_sns_topic.main", "module.base.aws_s3_bucket.this"]),
    ],
)
def test_foreign_addresses(state: list[str], foreign: list[str]) -> None:
    assert foreign_addresses(state, DOC) == foreign


class FakeTerraform:
    def __init__(self, stack: str, state: dict[str, Any]):
        self.stack, self.state = stack, state
        self.calls: list[tuple[tuple[str, ...], bool]] = []

    def run(self, *args: str, log_stdout: bool = True) -> SimpleNamespace:
        self.calls.append((args, log_stdout))
        return SimpleNamespace(stdout=json.dumps(self.state) if self.state else "")


def _state(*resources: tuple[str, str, str], marker: str | None = None) -> dict[str, Any]:
    return {
        "resources": [{"mode": mode, "type": rtype, "name": name, "instances": [{}]} for mode, rtype, name in resources],
        "outputs": {naming.STACK_MARKER_OUTPUT: {"value": marker}} if marker else {},
    }


def test_a_state_lz_wrote_may_drop_resources_the_config_no_longer_generates() -> None:
    tf = FakeTerraform("management-identities", _state(("managed", "aws_iam_group", "removed_group"), marker="management-identities"))
    assert foreign_state.check(tf, DOC, "s3://b/k") == ["aws_iam_group.removed_group"]  # type: ignore[arg-type]  # FakeTerraform: check() only calls run()
    assert tf.calls == [(("state", "pull"), False)]  # the state holds secrets: never logged


@pytest.mark.parametrize("marker", [None, "security-identities"])  # none, or another stack's
def test_any_other_state_with_foreign_resources_is_refused(marker: str | None) -> None:
    tf = FakeTerraform(
        "management-identities",
        _state(("managed", "aws_sns_topic", "alerts"), ("managed", "aws_sns_topic", "main"), ("data", "aws_region", "here"), marker=marker),
    )
    with pytest.raises(foreign_state.ForeignState, match=r"holds 1 resource this project does not generate: aws_sns_topic\.main\."):
        foreign_state.check(tf, DOC, "s3://b/k")  # type: ignore[arg-type]  # FakeTerraform: check() only calls run()


def test_no_state_yet_passes() -> None:
    assert foreign_state.check(FakeTerraform("x", {}), DOC, "s3://b/k") == []  # type: ignore[arg-type]  # FakeTerraform: check() only calls run()


def test_instance_addresses_read_as_state_list_prints_them() -> None:
    state = {
        "resources": [
            {"mode": "managed", "type": "aws_iam_role", "name": "r", "instances": [{"index_key": 0}, {"index_key": "a"}]},
            {"mode": "managed", "module": "module.base", "type": "aws_s3_bucket", "name": "this", "instances": [{}]},
        ]
    }
    assert foreign_state.managed_addresses(state) == ["aws_iam_role.r[0]", 'aws_iam_role.r["a"]', "module.base.aws_s3_bucket.this"]


@pytest.mark.parametrize("project", ["project.yaml", "tests/fixtures/four-accounts/project.yaml"])
def test_every_stack_marks_its_state(project: str) -> None:
    for stack, doc in synth_stacks(ROOT / project, "aws", False).items():
        assert doc["output"][naming.STACK_MARKER_OUTPUT]["value"] == stack


# --- on the emulator: state written by a hand-made HCL configuration at the stack's key ---

MANAGEMENT_ID = "444455556666"  # this test's own account on the shared emulator
HAND_MADE = """
terraform {{
  backend "s3" {{
    bucket = "{bucket}"
    key = "{key}"
    region = "{region}"
    endpoints = {{ s3 = "{endpoint}", dynamodb = "{endpoint}" }}
    dynamodb_table = "{table}"
    access_key = "{access_key}"
    secret_key = "{secret}"
    use_path_style = true
    skip_credentials_validation = true
    skip_requesting_account_id = true
    skip_metadata_api_check = true
    skip_region_validation = true
    skip_s3_checksum = true
  }}
}}
resource "terraform_data" "reference_root_signin_topic" {{
  input = "created by the reference's security-base layer"
}}
"""


@pytest.mark.integration
def test_lz_never_plans_over_a_foreign_state(emulator: EmulatorInfo, tmp_path: Path) -> None:
    config = prepare_project(ROOT / "project.yaml", tmp_path / "project")
    config.write_text(editor.with_management_id(config.read_text(), MANAGEMENT_ID))
    short = editor.get_scalar(config.read_text(), (), "short_name") or "me"
    region = "us-east-1"
    stack = naming.stack_id(naming.MANAGEMENT, "security-base")
    bucket, key = naming.state_bucket(short, naming.MANAGEMENT), naming.state_key(naming.MANAGEMENT, "security-base")
    table = naming.lock_table(short, naming.MANAGEMENT)
    creds = {
        "aws_access_key_id": emulator_access_key(MANAGEMENT_ID),
        "aws_secret_access_key": EMULATOR_SECRET,
        "region_name": region,
        "endpoint_url": emulator.endpoint,
    }
    s3 = boto3.client("s3", **creds)
    s3.create_bucket(Bucket=bucket)
    boto3.client("dynamodb", **creds).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    hcl = tmp_path / "reference-layer"
    hcl.mkdir()
    (hcl / "main.tf").write_text(
        textwrap.dedent(
            HAND_MADE.format(
                bucket=bucket,
                key=key,
                region=region,
                endpoint=emulator.endpoint,
                table=table,
                access_key=emulator_access_key(MANAGEMENT_ID),
                secret=EMULATOR_SECRET,
            )
        )
    )
    tf_env = {**os.environ, **GO_RUNTIME, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        subprocess.run(["terraform", *args], cwd=hcl, env=tf_env, check=True, capture_output=True)
    before = s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LZ_", "AWS_"))}
    env.update(
        LZ_CONFIG=str(config),
        LZ_WORK_DIR=str(tmp_path / ".lz"),
        LZ_OUT_DIR=str(tmp_path / "cdktf.out"),
        LZ_EMULATOR_ENDPOINT=emulator.endpoint,
        AWS_EC2_METADATA_DISABLED="true",
    )
    mirror = provider_mirror()
    if mirror:
        env["LZ_PROVIDER_MIRROR"] = mirror
    for action in ("plan", "up"):
        proc = subprocess.run(
            [sys.executable, "-m", "landing_zone.cli.main", action, "--stack", stack],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert proc.returncode == 1, proc.stderr
        error = [line for line in proc.stderr.splitlines() if line.startswith(f"error: {stack}:")]
        assert len(error) == 1, proc.stderr
        assert f"its state (s3://{bucket}/{key}) holds 1 resource this project does not generate" in error[0]
        assert "terraform_data.reference_root_signin_topic" in error[0] and "changes nothing there" in error[0]
        log = (tmp_path / ".lz" / "logs" / f"{stack}.log").read_text()
        assert re.search(r"^\$ \S*terraform state pull", log, re.M), log  # the guard ran ...
        assert not re.search(r"^\$ \S*terraform (plan|apply)", log, re.M), log  # ... and stopped it before any plan
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == before
    assert json.loads(before)["resources"][0]["name"] == "reference_root_signin_topic"
    sns = boto3.client("sns", **creds)
    assert sns.list_topics()["Topics"] == []  # nothing of the stack was created


# --- a state an earlier release wrote (before stacks carried the lz_stack output) ---

# 0.1.0's DevOps role attachment in security-identities, as that release named it (cdktf id of
# the construct path devops/policy-IAMFullAccess); today's stacks no longer generate it.
OLD_ATTACHMENT = "devops_policy-IAMFullAccess_7FD645A5"


@pytest.mark.parametrize(
    ("name", "cdktf"),
    [
        (OLD_ATTACHMENT, True),
        ("group-admins_policy-AdministratorAccess_A3602514", True),
        ("devops_policy-IAMFullAccess_7FD645A6", False),  # one hex digit off
        ("reference_root_signin_topic", False),
        ("signin_ABCDEF12", False),
        ("oaar", False),
    ],
)
def test_cdktf_logical_id(name: str, cdktf: bool) -> None:
    assert foreign_state.cdktf_logical_id(name) is cdktf


def test_every_nested_cdktf_id_of_todays_synth_verifies() -> None:
    checked = 0
    for doc in synth_stacks(ROOT / "project.yaml", "aws", False).values():
        for resources in doc.get("resource", {}).values():
            for name, body in resources.items():
                path = body["//"]["metadata"]["path"].split("/")[1:]
                if len(path) > 1 and all(re.fullmatch(r"[A-Za-z0-9-]+", p) for p in path) and "Default" not in path:
                    assert foreign_state.cdktf_logical_id(name), name
                    checked += 1
    assert checked > 20


def test_an_earlier_releases_state_plans_its_retired_resources_as_destroys() -> None:
    state = _state(("managed", "aws_iam_role_policy_attachment", OLD_ATTACHMENT), ("managed", "aws_iam_role", "oaar"))
    tf = FakeTerraform("security-identities", state)
    addresses = foreign_state.check(tf, DOC, "s3://b/k")  # type: ignore[arg-type]  # FakeTerraform: check() only calls run()
    assert foreign_state.retired(addresses, DOC) == [f"aws_iam_role_policy_attachment.{OLD_ATTACHMENT}"]


def test_identities_state_of_another_tool_is_refused_never_advised_aside() -> None:
    state = _state(("managed", "aws_iam_user", "alice"), ("managed", "aws_iam_access_key", "alice"))
    with pytest.raises(foreign_state.ForeignState) as refused:
        foreign_state.check(FakeTerraform("management-identities", state), DOC, "s3://b/k")  # type: ignore[arg-type]  # FakeTerraform: check() only calls run()
    message = str(refused.value)
    assert "holds 2 resources this project does not generate" in message
    assert "aside" not in message and "short_name" not in message
    assert "keep it where it is" in message and "terraform state rm" in message


def test_a_state_without_identities_may_still_be_moved_aside() -> None:
    state = _state(("managed", "aws_sns_topic", "main"))
    with pytest.raises(foreign_state.ForeignState, match="move that state object aside"):
        foreign_state.check(FakeTerraform("management-security-base", state), DOC, "s3://b/k")  # type: ignore[arg-type]  # FakeTerraform: check() only calls run()


def test_the_refusal_names_the_migration_of_a_reference_layer() -> None:
    state = _state(("managed", "aws_iam_user", "alice"))
    with pytest.raises(foreign_state.ForeignState, match=r"`lz migrate leverage --stack management-identities` \(a dry run; --apply writes it\)"):
        foreign_state.check(FakeTerraform("management-identities", state), DOC, "s3://b/k")  # type: ignore[arg-type]  # FakeTerraform: check() only calls run()


def test_moved_instances_and_removed_resources_are_not_foreign() -> None:
    doc = {
        **DOC,
        "moved": [{"from": 'module.user["a"].aws_iam_user.this[0]', "to": "aws_iam_role.oaar"}],
        "removed": [{"from": "module.machine_user.aws_iam_access_key.this", "lifecycle": {"destroy": False}}],
    }
    state = ['module.user["a"].aws_iam_user.this[0]', 'module.machine_user["ci"].aws_iam_access_key.this[0]', 'module.user["b"].aws_iam_user.this[0]']
    assert foreign_addresses(state, doc) == ['module.user["b"].aws_iam_user.this[0]']
