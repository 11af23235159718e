"""The ci layer's trust and permissions, read from the synthesized JSON: properties a snapshot
update cannot weaken (issue 17). The access matrix (test_access_matrix.py, steps ci/abuse-ci)
decides the same policies with the evaluator."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from landing_zone import naming
from landing_zone.settings import CiRole, Settings, SettingsError, Target
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

FOUR = FIXTURES / "four-accounts" / "project.yaml"
MANAGEMENT_ID = "210987654321"
PROVIDER = f"arn:aws:iam::{MANAGEMENT_ID}:oidc-provider/token.actions.githubusercontent.com"
SUB, AUD = "token.actions.githubusercontent.com:sub", "token.actions.githubusercontent.com:aud"
WRITE_VERBS = ("Put", "Create", "Delete", "Update", "Attach", "Detach", "Tag", "Untag", "Set", "Add", "Remove", "*")


def _roles(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {body["name"]: body for body in stack.get("resource", {}).get("aws_iam_role", {}).values()}


def _trust(stack: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return json.loads(_roles(stack)[name]["assume_role_policy"])["Statement"]


def _inline(stack: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Statements of the inline policies of the role with resource key `key`."""
    return [
        st
        for body in stack["resource"].get("aws_iam_role_policy", {}).values()
        if body["role"] == f"${{aws_iam_role.{key}.name}}"
        for st in json.loads(body["policy"])["Statement"]
    ]


def _key(stack: dict[str, Any], name: str) -> str:
    return next(k for k, body in stack["resource"]["aws_iam_role"].items() if body["name"] == name)


@pytest.fixture(scope="module", params=[False, True], ids=["mfa-off", "mfa-on"])
def stacks(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    return synth_stacks(FOUR, "aws", request.param)


def test_only_projects_with_a_pipeline_get_the_ci_stack(stacks: dict[str, dict[str, Any]]) -> None:
    assert "management-ci" in stacks
    assert not [s for s in synth_stacks(ROOT / "project.yaml", "aws", False) if s.endswith("-ci")]
    assert not [s for s in stacks if s.endswith("-ci") and s != "management-ci"]  # management only


def test_the_oidc_provider_is_githubs_for_sts(stacks: dict[str, dict[str, Any]]) -> None:
    (provider,) = stacks["management-ci"]["resource"]["aws_iam_openid_connect_provider"].values()
    assert provider["url"] == f"https://{naming.GITHUB_OIDC_HOST}"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert provider["thumbprint_list"] and all(len(t) == 40 for t in provider["thumbprint_list"])


def test_apply_trusts_exactly_the_environment_with_string_equals(stacks: dict[str, dict[str, Any]]) -> None:
    (st,) = _trust(stacks["management-ci"], "acm-ci-apply")
    assert st["Effect"] == "Allow" and st["Principal"] == {"Federated": PROVIDER}
    assert st["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert st["Condition"] == {"StringEquals": {AUD: "sts.amazonaws.com", SUB: "repo:acme/landing-zone:environment:production"}}
    assert "*" not in json.dumps(st) and "?" not in json.dumps(st)


def test_plan_trusts_the_repository_only_with_the_audience_checked(stacks: dict[str, dict[str, Any]]) -> None:
    (st,) = _trust(stacks["management-ci"], "acm-ci-plan")
    assert st["Principal"] == {"Federated": PROVIDER} and st["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert st["Condition"] == {"StringEquals": {AUD: "sts.amazonaws.com"}, "StringLike": {SUB: "repo:acme/landing-zone:*"}}


def test_plan_writes_nothing_but_its_lock_items(stacks: dict[str, dict[str, Any]]) -> None:
    checked = 0
    for stack_id, stack in stacks.items():
        if "acm-ci-plan" not in _roles(stack):
            continue
        account = stack_id.split("-", 1)[0]
        bucket = naming.state_bucket("acm", account)
        for st in _inline(stack, _key(stack, "acm-ci-plan")):
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            writes = [a for a in actions if a.split(":", 1)[1].startswith(WRITE_VERBS)]
            if not writes:
                continue
            checked += 1
            assert sorted(writes) == ["dynamodb:DeleteItem", "dynamodb:PutItem"], (stack_id, st)
            assert st["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{bucket}/*/terraform.tfstate"]}}
            assert st["Resource"].endswith(f":table/{naming.lock_table('acm', account)}")
        attached = [
            b["policy_arn"]
            for b in stack["resource"]["aws_iam_role_policy_attachment"].values()
            if b["role"] == f"${{aws_iam_role.{_key(stack, 'acm-ci-plan')}.name}}"
        ]
        assert attached == ["arn:aws:iam::aws:policy/ReadOnlyAccess"], (stack_id, attached)
    assert checked == 4  # management (ci stack) and the three member accounts (identities stacks)


def test_member_plan_roles_trust_the_management_plan_role_alone(stacks: dict[str, dict[str, Any]]) -> None:
    members = [s for s in stacks if s.endswith("-identities") and not s.startswith("management")]
    assert len(members) == 3
    for stack_id in members:
        (st,) = _trust(stacks[stack_id], "acm-ci-plan")
        assert st["Principal"] == {"AWS": naming.root_arn(MANAGEMENT_ID)} and st["Action"] == "sts:AssumeRole"
        assert st["Condition"] == {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{MANAGEMENT_ID}:role/acm-ci-plan"}}


def test_oaar_trusts_the_apply_role_without_mfa_and_everyone_else_as_before(stacks: dict[str, dict[str, Any]]) -> None:
    for stack_id in (s for s in stacks if s.endswith("-identities") and not s.startswith("management")):
        first, ci = _trust(stacks[stack_id], naming.OAAR_ROLE)
        assert first["Sid"] == "TrustedPrincipals"
        assert ci == {
            "Sid": "CiApplyRole",
            "Effect": "Allow",
            "Principal": {"AWS": naming.root_arn(MANAGEMENT_ID)},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{MANAGEMENT_ID}:role/acm-ci-apply"}},
        }
    (only,) = _trust(stacks["management-identities"], naming.OAAR_ROLE)  # management's OAAR: unchanged
    assert only["Sid"] == "TrustedPrincipals"


def test_without_an_environment_apply_trusts_the_default_branch(tmp_path: Path) -> None:
    text = FOUR.read_text().replace("  environment: production\n", "  environment: null\n").replace("default_branch: main", "default_branch: trunk")
    assert "environment: null" in text
    (tmp_path / "project.yaml").write_text(text)
    (st,) = _trust(synth_stacks(tmp_path / "project.yaml", "aws", False)["management-ci"], "acm-ci-apply")
    assert st["Condition"] == {"StringEquals": {AUD: "sts.amazonaws.com", SUB: "repo:acme/landing-zone:ref:refs/heads/trunk"}}


# --- LZ_AUTH=ci: what the stacks run as ---


def _providers(config: Path, settings: Settings) -> dict[str, dict[str, Any]]:
    from tempfile import mkdtemp

    from landing_zone.config import load_project
    from landing_zone.synth import synth
    from tests.synth_helpers import fake_account_ids, prepare_project

    work = Path(mkdtemp(prefix="lz-ci-"))
    config = prepare_project(config, work / "project")
    project, _ = load_project(config)
    out = synth(project, replace(settings, config_path=config, work_dir=work / ".lz", out_dir=work / "out"), fake_account_ids(project))
    docs = {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in (out / "stacks").iterdir()}
    return {k: {"provider": d["provider"]["aws"][0], "backend": d["terraform"]["backend"]["s3"]} for k, d in docs.items()}


@pytest.mark.parametrize("target", ["aws", "local"])
@pytest.mark.parametrize(("ci_role", "member_role"), [("plan", "acm-ci-plan"), ("apply", naming.OAAR_ROLE)])
def test_ci_auth_uses_ambient_credentials_and_the_ci_member_role(target: Target, ci_role: CiRole, member_role: str) -> None:
    settings = Settings(config_path=FOUR, target=target, auth="ci", ci_role=ci_role)
    found = _providers(FOUR, settings)
    for stack, parts in found.items():
        for part in ("provider", "backend"):
            cfg = parts[part]
            # No profile, no shared files, no keys: the AWS_* variables of the job (or the emulator's).
            assert not {"profile", "shared_config_files", "shared_credentials_files", "access_key", "secret_key"} & set(cfg), (stack, part)
            role = cfg.get("assume_role")
            role = role[0] if isinstance(role, list) else role
            if stack.startswith("management-"):
                assert role is None, stack
            else:
                assert role["role_arn"].endswith(f":role/{member_role}"), (stack, part, role)


def test_settings_read_lz_auth_ci_and_lz_ci_role() -> None:
    s = Settings.from_env({"LZ_AUTH": "ci", "LZ_CI_ROLE": "plan", "LZ_TARGET": "aws"})
    assert (s.auth, s.ci_role) == ("ci", "plan")
    assert s.as_env()["LZ_AUTH"] == "ci" and s.as_env()["LZ_CI_ROLE"] == "plan"
    assert Settings.from_env({"LZ_AUTH": "ci", "LZ_TARGET": "aws"}).ci_role == "apply"
    assert "LZ_CI_ROLE" not in Settings.from_env({"LZ_TARGET": "aws"}).as_env()
    with pytest.raises(SettingsError, match="LZ_CI_ROLE: unknown role 'admin'"):
        Settings.from_env({"LZ_AUTH": "ci", "LZ_CI_ROLE": "admin", "LZ_TARGET": "aws"})


def test_ci_mode_keeps_ci_and_picks_the_role_per_command() -> None:
    from landing_zone.config.model import Project
    from landing_zone.deploy.command import _auth

    project = Project.model_validate(
        {"project_name": "probe", "short_name": "pr", "organization": {"accounts": [{"name": "management", "email": "m@example.com"}]}}
    )
    ci = Settings(config_path=FOUR, auth="ci")
    assert _auth(project, ci, True) == "ci" and _auth(project, ci, False) == "ci"
    assert _auth(project, replace(ci, auth="bootstrap"), True) == "mfa"
    # `auth: sso` (or LZ_AUTH=sso) is the SSO session whatever require_mfa says; CI stays CI
    sso_project = project.model_copy(update={"auth": "sso"})
    assert _auth(sso_project, replace(ci, auth="bootstrap"), True) == "sso"
    assert _auth(project, replace(ci, auth="sso"), False) == "sso"
    assert _auth(sso_project, ci, True) == "ci"


def test_ambient_session_takes_the_environment_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from landing_zone.aws.errors import AwsError
    from landing_zone.aws.sessions import ambient_session

    project: Any = SimpleNamespace(primary_region="eu-west-1")  # the session needs nothing else of it
    # A profile with keys on disk must not be used: only AWS_* variables count in CI.
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AKIAFROMFILE00000000\naws_secret_access_key = x\n")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with pytest.raises(AwsError, match="LZ_AUTH=ci: no AWS credentials in the environment"):
        ambient_session(project)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKLZ2109876543210000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulator-secret")
    assert ambient_session(project).get_credentials().access_key == "AKLZ2109876543210000"
