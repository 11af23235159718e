"""Issue 15: guardrails at least as strong as the reference, as properties of the synthesized JSON
(both fixtures) and decisions of the IAM evaluator, so a snapshot update cannot accept a weakening."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from landing_zone import naming, roles
from landing_zone.access.decide import FRESH_MFA, NO_MFA, Caller, decide
from landing_zone.access.model import AccessModel, build
from landing_zone.constructs import scoped_access
from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

PROJECTS = {"root": ROOT / "project.yaml", "four-accounts": FIXTURES / "four-accounts" / "project.yaml"}
MODES = pytest.mark.parametrize("mfa", [False, True], ids=["mfa-off", "mfa-on"])
BOTH = pytest.mark.parametrize("project", sorted(PROJECTS))
GLOBAL_SERVICES = {a.split(":")[0] for a in scoped_access.GLOBAL_ACTIONS}


def _yaml(project: str) -> dict:
    return YAML(typ="safe").load(PROJECTS[project].read_text())


def _stacks(project: str, mfa: bool = False) -> dict[str, dict]:
    return synth_stacks(PROJECTS[project], "aws", mfa)


@cache
def _model(project: str, mfa: bool) -> AccessModel:
    return build(_stacks(project, mfa))


def _resources(stack: dict, kind: str) -> dict[str, dict]:
    return (stack.get("resource") or {}).get(kind, {})


def _role(stacks: dict, account: str, name: str) -> dict | None:
    stack = stacks[naming.stack_id(account, "identities")]
    return next((b for b in _resources(stack, "aws_iam_role").values() if b["name"] == name), None)


def _inline(stacks: dict, account: str, role: str) -> dict:
    stack = stacks[naming.stack_id(account, "identities")]
    docs = [json.loads(b["policy"]) for b in _resources(stack, "aws_iam_role_policy").values() if role in b["name"]]
    assert len(docs) == 1, (account, role)
    return docs[0]


def _scoped_documents(project: str) -> list[tuple[str, dict]]:
    """Every DevOps/DeployMaster role policy and the SSO DevOps permission set's inline policy."""
    stacks, out = _stacks(project), []
    for account in [a for a in _yaml(project)["organization"]["accounts"] if a["name"] != naming.MANAGEMENT]:
        out.append((f"DevOps@{account['name']}", _inline(stacks, account["name"], naming.DEVOPS_ROLE)))
    out.append(("DeployMaster@shared", _inline(stacks, naming.SHARED, naming.DEPLOY_MASTER_ROLE)))
    sso = stacks["management-sso"]
    psets = {k: b["name"] for k, b in _resources(sso, "aws_ssoadmin_permission_set").items()}
    for body in _resources(sso, "aws_ssoadmin_permission_set_inline_policy").values():
        key = body["permission_set_arn"].split(".")[1]
        if psets[key] == "DevOps":
            out.append(("sso:DevOps", json.loads(body["inline_policy"])))
    assert out[-1][0] == "sso:DevOps"
    return out


def _actions(statement: dict) -> list[str]:
    acts = statement.get("Action", [])
    return [acts] if isinstance(acts, str) else acts


# --- scoped DevOps / DeployMaster: allow-list, region fence on regional actions only, size limits ---


@BOTH
def test_scoped_policies_fence_regional_actions_only(project: str) -> None:
    doc = _yaml(project)
    regions = sorted({doc["primary_region"], doc["secondary_region"], "us-east-1"})
    for who, policy in _scoped_documents(project):
        allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
        assert all("*" not in _actions(s) and "NotAction" not in s for s in allows), who
        fenced = [s for s in allows if "Condition" in s]
        unfenced = [s for s in allows if "Condition" not in s]
        assert len(fenced) == 1 and len(unfenced) == 1, who
        assert fenced[0]["Condition"] == {"StringEquals": {"aws:RequestedRegion": regions}}, who
        # the fence never covers a global service, and only global services go without it
        assert not {a.split(":")[0] for a in _actions(fenced[0])} & GLOBAL_SERVICES, who
        assert {a.split(":")[0] for a in _actions(unfenced[0])} <= GLOBAL_SERVICES, who
        assert "iam:*" in _actions(unfenced[0]) and "sts:*" in _actions(unfenced[0]), who
        sids = {s["Sid"] for s in policy["Statement"] if s["Effect"] == "Deny"}
        assert {"DenyEc2LargerThanXlarge", "DenyEc2ResizeLargerThanXlarge", "DenyRdsLargerThanLarge"} <= sids, who


@BOTH
def test_devops_lists_at_least_the_services_it_deploys(project: str) -> None:
    # What `lz up` creates in member accounts; the access matrix checks each call, this names them.
    needed = {"s3", "dynamodb", "kms", "sns", "events", "ec2", "access-analyzer"}
    for who, policy in _scoped_documents(project):
        if "DeployMaster" in who:
            continue
        fenced = next(s for s in policy["Statement"] if s["Effect"] == "Allow" and "Condition" in s)
        assert needed <= {a.split(":")[0] for a in _actions(fenced)}, who
        assert len(_actions(fenced)) >= 60, who  # the reference allows ~50-80 named services


@BOTH
def test_devops_has_no_managed_power_user_policies(project: str) -> None:
    stacks = _stacks(project)
    for stack_id, stack in stacks.items():
        if not stack_id.endswith("-identities"):
            continue
        roles_by_key = {k: b["name"] for k, b in _resources(stack, "aws_iam_role").items()}
        for body in _resources(stack, "aws_iam_role_policy_attachment").values():
            role = roles_by_key[body["role"].split(".")[1]]
            if role in (naming.DEVOPS_ROLE, naming.DEPLOY_MASTER_ROLE):
                pytest.fail(f"{stack_id}: {role} has {body['policy_arn']} attached")


def _devops(project: str, account: str = naming.SHARED) -> Caller:
    model = _model(project, False)
    home = naming.SECURITY
    user = next(
        u
        for (a, u) in model.users
        if a == home and naming.DEVOPS_ROLE in {r for g in model.users[(a, u)].groups for r in roles.GROUPS.get(g, roles.GroupSpec((), ())).assumes}
    )
    return Caller("user", home, user, mfa=FRESH_MFA).then(account, naming.DEVOPS_ROLE)


def _sso_devops(account: str = naming.SHARED) -> Caller:
    return Caller("sso", account, "DevOps")


@BOTH
@pytest.mark.parametrize("who", ["role", "sso"])
def test_devops_decisions(project: str, who: str) -> None:
    model, doc = _model(project, False), _yaml(project)
    caller = _devops(project) if who == "role" else _sso_devops()
    shared = model.accounts[naming.SHARED].id
    instance = f"arn:aws:ec2:{doc['primary_region']}:{shared}:instance/*"

    def allowed(action: str, resource: str, **context: str) -> bool:
        ctx = {"aws:RequestedRegion": doc["primary_region"], **context}
        return decide(model, caller, action, resource, ctx).allowed

    assert allowed("ec2:RunInstances", instance, **{"ec2:InstanceType": "m7g.xlarge"})
    assert not allowed("ec2:RunInstances", instance, **{"ec2:InstanceType": "m7g.2xlarge"})
    assert not allowed("ec2:RunInstances", instance, **{"ec2:InstanceType": "c6i.metal"})
    assert not allowed("ec2:ModifyInstanceAttribute", instance, **{"ec2:Attribute/InstanceType": "r6i.4xlarge"})
    assert allowed("rds:CreateDBInstance", "*", **{"rds:DatabaseClass": "db.t4g.large"})
    assert not allowed("rds:CreateDBInstance", "*", **{"rds:DatabaseClass": "db.r6g.xlarge"})
    assert allowed("rds:ModifyDBInstance", "*")  # no class in the request: not a resize
    bucket = f"arn:aws:s3:::x-{shared}"
    for region in (doc["primary_region"], doc["secondary_region"], "us-east-1"):
        assert allowed("s3:CreateBucket", bucket, **{"aws:RequestedRegion": region}), region
    assert not allowed("s3:CreateBucket", bucket, **{"aws:RequestedRegion": "ap-southeast-2"})
    # global services keep working whatever region the SDK names (new roles with DevOps's boundary)
    boundary = {"iam:PermissionsBoundary": naming.policy_arn(shared, naming.DEVOPS_BOUNDARY_POLICY)}
    for action, resource, extra in (
        ("iam:CreateRole", f"arn:aws:iam::{shared}:role/x", boundary),
        ("route53:CreateHostedZone", "*", {}),
        ("cloudfront:CreateDistribution", "*", {}),
        ("support:CreateCase", "*", {}),
    ):
        assert allowed(action, resource, **{"aws:RequestedRegion": "ap-southeast-2", **extra}), action
    assert not allowed("iam:CreateRole", f"arn:aws:iam::{shared}:role/x")  # without the boundary
    # services outside the allow-list stay shut, even in the project's regions
    assert not allowed("workspaces:CreateWorkspaces", "*")
    assert not allowed("organizations:LeaveOrganization", "*")


def test_extra_services_join_the_fenced_statement() -> None:
    regions = scoped_access.allowed_regions("eu-west-1", "eu-central-1")
    policy = json.loads(scoped_access.devops_policy(regions, ["sagemaker", "bedrock"]))
    fenced = next(s for s in policy["Statement"] if "Condition" in s and s["Effect"] == "Allow")
    assert {"sagemaker:*", "bedrock:*"} <= set(fenced["Action"])
    assert regions == ["eu-central-1", "eu-west-1", "us-east-1"]


# --- trust: DevOps, Admin, FinOps, Support always MFA; OAAR with the switch; DeployMaster for pipelines ---


@BOTH
@MODES
def test_people_roles_always_require_mfa(project: str, mfa: bool) -> None:
    stacks = _stacks(project, mfa)
    age = _yaml(project).get("mfa_max_age", 3600)
    for stack_id, stack in stacks.items():
        if not stack_id.endswith("-identities"):
            continue
        for role in _resources(stack, "aws_iam_role").values():
            cond = json.loads(role["assume_role_policy"])["Statement"][0].get("Condition")
            # DeployMaster's first statement is its people's (its pipelines' follows, without MFA).
            people = (naming.DEVOPS_ROLE, naming.ADMIN_ROLE, naming.FINOPS_ROLE, naming.SUPPORT_ROLE, naming.DEPLOY_MASTER_ROLE)
            if role["name"] in people or (role["name"] == naming.OAAR_ROLE and mfa):
                assert cond == {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": str(age)}}, (
                    stack_id,
                    role["name"],
                )
            elif role["name"] == naming.ci_role(_yaml(project)["short_name"], "plan"):
                # a machine's role: no MFA, but only the management account's plan role, by exact ARN
                management = _yaml(project)["organization"]["accounts"][0]["id"]
                assert cond == {"ArnEquals": {"aws:PrincipalArn": naming.role_arn(management, role["name"])}}, (stack_id, role["name"])
            else:
                assert cond is None, (stack_id, role["name"])


def test_default_mfa_max_age_is_an_hour() -> None:
    from landing_zone.config.model import Project

    assert Project.model_fields["mfa_max_age"].default == 3600


@BOTH
def test_devops_without_mfa_is_refused_even_with_the_switch_off(project: str) -> None:
    model = _model(project, False)
    shared = model.accounts[naming.SHARED].id
    caller = _devops(project)
    for mfa, expect in ((FRESH_MFA, True), (NO_MFA, False)):
        got = decide(model, caller.with_mfa(mfa), "iam:GetRole", naming.role_arn(shared, naming.DEVOPS_ROLE)).allowed
        assert got is expect, mfa


@BOTH
def test_deploy_master_trust_and_sessions(project: str) -> None:
    stacks, ids = _stacks(project), _model(project, False).accounts
    role = _role(stacks, naming.SHARED, naming.DEPLOY_MASTER_ROLE)
    assert role is not None and role["max_session_duration"] == 10800
    people, pipelines = json.loads(role["assume_role_policy"])["Statement"]
    # People of the identity account only with MFA (DeployMaster holds iam:*); pipelines in shared without.
    assert people["Principal"]["AWS"] == [naming.root_arn(ids[naming.SECURITY].id)]
    assert people["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert pipelines["Principal"]["AWS"] == [naming.root_arn(ids[naming.SHARED].id)]
    assert "Condition" not in pipelines
    for statement in (people, pipelines):
        assert set(statement["Action"]) == {"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"}
    for account in ids:
        if account != naming.SHARED and account != naming.MANAGEMENT:
            assert _role(stacks, account, naming.DEPLOY_MASTER_ROLE) is None


@BOTH
def test_finops_role_in_shared_only(project: str) -> None:
    stacks = _stacks(project)
    for account in _model(project, False).accounts:
        has = account != naming.MANAGEMENT and _role(stacks, account, naming.FINOPS_ROLE) is not None
        assert has is (account == naming.SHARED), account


def test_finops_group_assumes_finops_with_mfa_only() -> None:
    # four-accounts has a finops group in security (alan.turing)
    model = _model("four-accounts", False)
    shared = model.accounts[naming.SHARED].id
    arn = naming.role_arn(shared, naming.FINOPS_ROLE)
    finops = Caller("user", naming.SECURITY, "alan.turing", group="finops")
    via = finops.with_mfa(FRESH_MFA).then(naming.SHARED, naming.FINOPS_ROLE)
    assert decide(model, via, "ce:GetCostAndUsage", "*").allowed
    assert decide(model, via, "iam:ListRoles", "*").allowed  # view only
    assert not decide(model, via, "s3:PutObject", "arn:aws:s3:::x/y").allowed
    assert not decide(model, finops.then(naming.SHARED, naming.FINOPS_ROLE), "ce:GetCostAndUsage", "*").allowed
    admins = Caller("user", naming.SECURITY, "ada.lovelace", mfa=FRESH_MFA).then(naming.SHARED, naming.FINOPS_ROLE)
    decision = decide(model, admins, "ce:GetCostAndUsage", "*")
    assert not decision.allowed and "sts:AssumeRole" in decision.why, arn


# --- password policy: CIS AWS Foundations v7 and the reference's length 30 ---


@BOTH
def test_password_policy(project: str) -> None:
    for stack_id, stack in _stacks(project).items():
        for policy in _resources(stack, "aws_iam_account_password_policy").values():
            assert policy["minimum_password_length"] >= 30, stack_id
            assert policy["password_reuse_prevention"] >= 24, stack_id
            assert all(policy[f"require_{c}"] for c in ("lowercase_characters", "uppercase_characters", "numbers", "symbols"))
            assert "max_password_age" not in policy, stack_id  # no forced expiry unless asked for


def test_config_knobs_are_validated(tmp_path: Path) -> None:
    from landing_zone.config import load_project
    from landing_zone.config.errors import ConfigError

    text = (ROOT / "project.yaml").read_text()
    for extra, message in (
        ("devops: {extra_services: [sagemaker, sagemaker]}", "listed twice"),
        ("devops: {extra_services: ['s3:*']}", "service prefix"),
        ("password_policy: {max_age: 0}", "greater than or equal to 1"),
        ("notifications: {emails: [nobody]}", "email"),
    ):
        path = tmp_path / "project.yaml"
        path.write_text(text + "\n" + extra + "\n")
        with pytest.raises(ConfigError) as err:
            load_project(path)
        assert message in str(err.value), (extra, str(err.value))


# --- state replication: a hardened replica per state bucket in the secondary region ---


def _by_bucket(stack: dict, kind: str, bucket_key: str) -> dict:
    found = [b for b in _resources(stack, kind).values() if b["bucket"] == f"${{aws_s3_bucket.{bucket_key}.id}}"]
    assert len(found) == 1, (kind, bucket_key)
    return found[0]


@BOTH
def test_every_state_bucket_has_a_hardened_replica(project: str) -> None:
    doc = _yaml(project)
    for account in (a["name"] for a in doc["organization"]["accounts"]):
        stack = _stacks(project)[naming.stack_id(account, "tf-backend")]
        aliases = {p.get("alias"): p["region"] for p in stack["provider"]["aws"]}
        assert aliases == {None: doc["primary_region"], doc["secondary_region"]: doc["secondary_region"]}
        buckets = {b["bucket"]: k for k, b in _resources(stack, "aws_s3_bucket").items()}
        name = naming.replica_bucket(doc["short_name"], account)
        key = buckets[name]
        replica = _resources(stack, "aws_s3_bucket")[key]
        assert replica["provider"] == f"aws.{doc['secondary_region']}"
        assert replica["lifecycle"]["prevent_destroy"] is True
        assert _by_bucket(stack, "aws_s3_bucket_versioning", key)["versioning_configuration"]["status"] == "Enabled"
        sse = _by_bucket(stack, "aws_s3_bucket_server_side_encryption_configuration", key)["rule"][0]
        assert sse["apply_server_side_encryption_by_default"]["sse_algorithm"] in ("AES256", "aws:kms")
        block = _by_bucket(stack, "aws_s3_bucket_public_access_block", key)
        assert all(block[f] is True for f in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")), account
        assert _by_bucket(stack, "aws_s3_bucket_ownership_controls", key)["rule"]["object_ownership"] == "BucketOwnerEnforced"
        policy = json.loads(_by_bucket(stack, "aws_s3_bucket_policy", key)["policy"])
        tls = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
        assert tls and tls[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert f"arn:aws:s3:::{name}/*" in tls[0]["Resource"]
        for kind in (
            "aws_s3_bucket_versioning",
            "aws_s3_bucket_server_side_encryption_configuration",
            "aws_s3_bucket_public_access_block",
            "aws_s3_bucket_ownership_controls",
            "aws_s3_bucket_policy",
        ):
            assert _by_bucket(stack, kind, key)["provider"] == replica["provider"], kind
        # replication of every version and delete marker, through a role only S3 of this account assumes
        (config,) = _resources(stack, "aws_s3_bucket_replication_configuration").values()
        assert config["bucket"] == f"${{aws_s3_bucket.{buckets[naming.state_bucket(doc['short_name'], account)]}.id}}"
        (rule,) = config["rule"]
        assert rule["status"] == "Enabled" and rule["filter"] == {} and rule["delete_marker_replication"]["status"] == "Enabled"
        assert rule["destination"]["bucket"] == f"${{aws_s3_bucket.{key}.arn}}"
        role = next(r for r in _resources(stack, "aws_iam_role").values() if r["name"] == naming.replication_role(doc["short_name"], account))
        trust = json.loads(role["assume_role_policy"])["Statement"]
        assert [s["Principal"] for s in trust] == [{"Service": "s3.amazonaws.com"}]
        assert len(role["name"]) <= 64


@cache
def _knobs(tmp: str) -> dict[str, dict]:
    """The root project with every issue-15 knob turned away from its default."""
    text = (ROOT / "project.yaml").read_text()
    text += (
        "\nstate_backend: {replication: false, kms: true}\npassword_policy: {max_age: 90}\n"
        "devops: {extra_services: [sagemaker]}\nnotifications: {emails: [alerts@example.com, soc@example.com]}\n"
    )
    path = Path(tmp) / "knobs" / "project.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return synth_stacks(path, "aws", None)


@pytest.fixture
def knobs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return _knobs(str(tmp_path_factory.getbasetemp()))


def test_knobs_reach_the_stacks(knobs: dict[str, dict]) -> None:
    for stack_id, stack in knobs.items():
        if stack_id.endswith("-tf-backend"):
            assert "aws_s3_bucket_replication_configuration" not in stack["resource"], stack_id
            assert len(_resources(stack, "aws_s3_bucket")) == 1 and len(stack["provider"]["aws"]) == 1, stack_id
        for policy in _resources(stack, "aws_iam_account_password_policy").values():
            assert policy["max_password_age"] == 90
    devops = json.loads(next(b["policy"] for b in _resources(knobs["shared-identities"], "aws_iam_role_policy").values() if b["name"] == "DevOpsAccess"))
    fenced = next(s for s in devops["Statement"] if "Condition" in s and s["Effect"] == "Allow")
    assert "sagemaker:*" in fenced["Action"]


# --- alerts that reach people ---


@BOTH
def test_root_sign_in_alarm_where_the_events_arrive(project: str) -> None:
    doc = _yaml(project)
    for account in (a["name"] for a in doc["organization"]["accounts"]):
        stack = _stacks(project)[naming.stack_id(account, "security-base")]
        providers = {p.get("alias"): p["region"] for p in stack["provider"]["aws"]}
        (rule,) = _resources(stack, "aws_cloudwatch_event_rule").values()
        (topic,) = _resources(stack, "aws_sns_topic").values()
        (key,) = _resources(stack, "aws_kms_key").values()
        (target,) = _resources(stack, "aws_cloudwatch_event_target").values()
        (policy,) = _resources(stack, "aws_sns_topic_policy").values()
        for body in (rule, topic, key, target, policy):  # all in us-east-1
            alias = body.get("provider", "aws").removeprefix("aws").removeprefix(".") or None
            assert providers[alias] == "us-east-1", (account, alias)
        assert json.loads(rule["event_pattern"])["detail"]["userIdentity"]["type"] == ["Root"]
        assert topic["kms_master_key_id"].startswith("${aws_kms_key.") and key["enable_key_rotation"] is True
        grants = json.loads(key["policy"])["Statement"]
        events = [s for s in grants if s["Principal"] == {"Service": "events.amazonaws.com"}]
        assert events and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(events[0]["Action"])
        publish = json.loads(policy["policy"])["Statement"][0]
        assert publish["Principal"] == {"Service": "events.amazonaws.com"} and publish["Action"] == "sns:Publish"
        assert publish["Condition"]["ArnEquals"]["aws:SourceArn"].startswith("${aws_cloudwatch_event_rule.")
        assert target["arn"] == "${" + topic_ref(stack) + ".arn}"


def topic_ref(stack: dict) -> str:
    (key,) = _resources(stack, "aws_sns_topic")
    return f"aws_sns_topic.{key}"


def test_notification_emails_subscribe_to_every_topic(knobs: dict[str, dict]) -> None:
    for stack_id, stack in knobs.items():
        if not stack_id.endswith("-security-base"):
            continue
        subs = _resources(stack, "aws_sns_topic_subscription").values()
        assert sorted(s["endpoint"] for s in subs) == ["alerts@example.com", "soc@example.com"], stack_id
        assert all(s["protocol"] == "email" and s["topic_arn"] == "${" + topic_ref(stack) + ".arn}" for s in subs)


# --- the reference's protection SCPs and trusted services ---


def _scp(name: str) -> dict:
    from landing_zone.constructs.service_control_policies import BUILTIN_DIR

    return json.loads((BUILTIN_DIR / f"{name}.json").read_text())


def _scp_allows(scp: dict, principal: str, action: str, context: dict[str, str]) -> bool:
    from landing_zone.access import evaluator, managed_policies

    admin = ("admin", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    scps = [[managed_policies.FULL_AWS_ACCESS_DOCUMENT], [managed_policies.FULL_AWS_ACCESS_DOCUMENT, scp]]
    return evaluator.allowed(evaluator.Principal(principal, (admin,), trust={}), action, "*", context, scps=scps)


def test_protection_scps_are_denies_that_fit() -> None:
    for name in ("delete-protection", "tag-protection"):
        doc = _scp(name)
        assert all(s["Effect"] == "Deny" for s in doc["Statement"]), name
        assert len(json.dumps(doc, separators=(",", ":"))) <= 5120, name
    exempt = {a for s in _scp("tag-protection")["Statement"] for a in s["Condition"]["StringNotLike"]["aws:PrincipalArn"]}
    assert exempt == {naming.role_arn("*", r) for r in roles.DEPLOY_ROLES}


def test_delete_protection_decisions() -> None:
    scp, admin = _scp("delete-protection"), "arn:aws:iam::111111111111:role/Admin"
    tagged = {"aws:ResourceTag/protectFromDeletion": "true"}
    assert not _scp_allows(scp, admin, "ec2:DeleteTransitGateway", tagged)
    assert not _scp_allows(scp, admin, "ec2:DeleteTransitGatewayVpcAttachment", tagged)
    assert not _scp_allows(scp, admin, "ec2:DeleteTags", {**tagged, "aws:TagKeys": "protectFromDeletion"})
    assert _scp_allows(scp, admin, "ec2:DeleteTransitGateway", {})  # untagged: ordinary rules
    assert _scp_allows(scp, admin, "ec2:DeleteTags", {**tagged, "aws:TagKeys": "Owner"})


def test_tag_protection_decisions() -> None:
    scp = _scp("tag-protection")
    admin, devops, oaar = (naming.role_arn("111111111111", r) for r in (naming.ADMIN_ROLE, naming.DEVOPS_ROLE, naming.OAAR_ROLE))
    for action in ("ec2:CreateTags", "ec2:DeleteTags", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "eks:TagResource", "eks:UntagResource"):
        assert not _scp_allows(scp, admin, action, {"aws:PrincipalArn": admin}), action
        # DevOps no longer deploys: it must not strip protectFromDeletion, the delete-protection fence
        assert not _scp_allows(scp, devops, action, {"aws:PrincipalArn": devops}), action
        assert _scp_allows(scp, oaar, action, {"aws:PrincipalArn": oaar}), action
    # tagging a new instance as it is launched stays possible for everyone
    assert _scp_allows(scp, admin, "ec2:CreateTags", {"aws:PrincipalArn": admin, "ec2:CreateAction": "RunInstances"})


def test_protection_scps_selectable_per_ou(tmp_path_factory: pytest.TempPathFactory) -> None:
    text = (
        (ROOT / "project.yaml")
        .read_text()
        .replace(
            "{name: shared,   policy: [standard], accounts: [shared]}",
            "{name: shared,   policy: [standard, aws_organizations_policy.delete_protection, tag-protection], accounts: [shared]}",
        )
    )
    assert "delete_protection" in text
    path = tmp_path_factory.mktemp("scp") / "project.yaml"
    path.write_text(text)
    org = synth_stacks(path, "aws", None)["management-organizations"]
    policies = dict(_resources(org, "aws_organizations_policy"))
    by_name = {b["name"]: k for k, b in policies.items()}
    assert {"delete-protection", "tag-protection"} <= set(by_name)
    assert json.loads(policies[by_name["delete-protection"]]["content"]) == _scp("delete-protection")
    attached = {b["policy_id"].split(".")[1] for b in _resources(org, "aws_organizations_policy_attachment").values()}
    assert {by_name["delete-protection"], by_name["tag-protection"]} <= attached


@BOTH
def test_trusted_services_include_the_references(project: str) -> None:
    org = _stacks(project)["management-organizations"]
    (body,) = _resources(org, "aws_organizations_organization").values()
    assert {
        "malware-protection.guardduty.amazonaws.com",
        "aws-artifact-account-sync.amazonaws.com",
        "fms.amazonaws.com",
        "inspector2.amazonaws.com",
        "securityhub.amazonaws.com",
        "cost-optimization-hub.bcm.amazonaws.com",
        "sso.amazonaws.com",
        "access-analyzer.amazonaws.com",
    } <= set(body["aws_service_access_principals"])


def test_standard_scp_restricts_beside_full_aws_access() -> None:
    scp, admin = _scp("standard"), "arn:aws:iam::111111111111:role/Admin"
    ctx = {"aws:PrincipalArn": admin}
    for action in ("ec2:RunInstances", "s3:CreateBucket", "iam:CreateRole", "organizations:ListAccounts", "budgets:ViewBudget"):
        assert _scp_allows(scp, admin, action, ctx), action
    for action in ("sagemaker:CreateNotebookInstance", "workspaces:CreateWorkspaces", "organizations:CreateAccount"):
        assert not _scp_allows(scp, admin, action, ctx), action
    # the regression it replaced: an Allow list beside FullAWSAccess restricts nothing
    as_allow = {**scp, "Statement": [{**scp["Statement"][0], "Effect": "Allow", "Action": scp["Statement"][0]["NotAction"]}]}
    as_allow["Statement"][0].pop("NotAction")
    assert _scp_allows(as_allow, admin, "sagemaker:CreateNotebookInstance", ctx)


@pytest.mark.parametrize("name", ["default", "standard"])
def test_audit_protections_deny_current_and_retired_action_names(name: str) -> None:
    scp, admin = _scp(name), "arn:aws:iam::111111111111:role/Admin"
    oaar = naming.role_arn("111111111111", naming.OAAR_ROLE)
    for action in (
        "guardduty:DisassociateFromAdministratorAccount",
        "guardduty:DisassociateFromMasterAccount",
        "guardduty:DeleteDetector",
        "guardduty:DisassociateMembers",
        "cloudtrail:StopLogging",
        "config:StopConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "access-analyzer:DeleteAnalyzer",
    ):
        assert not _scp_allows(scp, admin, action, {"aws:PrincipalArn": admin}), action
        assert _scp_allows(scp, oaar, action, {"aws:PrincipalArn": oaar}), action  # the deploy role keeps them
