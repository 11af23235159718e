"""`lz migrate leverage` on the emulator: a reference identities layer deployed with plain
terraform at lz's state key (tests/fixtures/leverage/identities: the reference's module
paths) is taken over in place: no destroy, no replacement, every object keeps its id, and
the reference's GPG-encrypted password still decrypts with `lz passwords show`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from landing_zone import naming
from landing_zone.config import editor
from landing_zone.deploy.tfenv import GO_RUNTIME
from landing_zone.emulator.server import EmulatorInfo
from landing_zone.settings import EMULATOR_SECRET, emulator_access_key
from tests.conftest import ROOT, provider_mirror
from tests.deployment import run_lz
from tests.synth_helpers import gnupghome, prepare_project

pytestmark = [pytest.mark.integration, pytest.mark.own_deployment(minutes=10)]

MANAGEMENT_ID = "555566667777"  # this test's own account on the shared emulator
STACK = naming.stack_id(naming.MANAGEMENT, "identities")
FIXTURE = Path(__file__).parent / "fixtures" / "leverage" / "identities"
MACHINE_USER = "ci-bot"


def _ref_name(doc: dict[str, Any], value: str) -> str:
    """`${aws_iam_user.X.name}` → that user's name."""
    match = re.fullmatch(r"\$\{(\w+)\.([\w-]+)\.\w+\}", value)
    assert match, value
    return str(doc["resource"][match.group(1)][match.group(2)]["name"])


def reference_layer(doc: dict[str, Any], dest: Path) -> None:
    """The reference's identities layer for the users, admins group and OAAR role lz's stack has,
    with lz's own provider and backend blocks (so it writes its state at lz's key)."""
    shutil.copytree(FIXTURE / "modules", dest / "modules")
    users = {_ref_name(doc, p["user"]): p["pgp_key"] for p in doc["resource"]["aws_iam_user_login_profile"].values()}
    (admins,) = [m for m in doc["resource"]["aws_iam_group_membership"].values() if m["name"] == "admins-members"]
    alias = next(iter(doc["resource"]["aws_iam_account_alias"].values()))["account_alias"]
    some_key = next(iter(users.values()))
    layer = {
        "terraform": {"backend": doc["terraform"]["backend"], "required_providers": doc["terraform"]["required_providers"]},
        "provider": {"aws": [{k: v for k, v in doc["provider"]["aws"][0].items() if k != "default_tags"}]},
        "module": {
            "user": {"source": "./modules/iam-user", "for_each": users, "name": "${each.key}", "pgp_key": "${each.value}"},
            "machine_user": {
                "source": "./modules/iam-user",
                "for_each": {MACHINE_USER: some_key},
                "name": "${each.key}",
                "pgp_key": "${each.value}",
                "create_iam_user_login_profile": False,
                "create_iam_access_key": True,
            },
            "iam_group_admins": {
                "source": "./modules/iam-group-with-policies",
                "name": "admins",
                "group_users": [_ref_name(doc, u) for u in admins["users"]],
                "custom_group_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                "depends_on": ["module.user"],
            },
            "iam_assumable_role_oaar": {
                "source": "./modules/iam-assumable-role",
                "role_name": naming.OAAR_ROLE,
                "trusted_role_arns": [naming.root_arn(MANAGEMENT_ID)],
            },
            "aws_iam_account_config": {"source": "./modules/iam-account", "account_alias": alias},
        },
    }
    (dest / "main.tf.json").write_text(json.dumps(layer, indent=2))


def ids(iam: Any) -> dict[str, str]:
    """What AWS made up for each object: a recreated one would have a new id."""
    found = {f"user:{u['UserName']}": u["UserId"] for u in iam.list_users()["Users"]}
    found |= {f"group:{g['GroupName']}": g["GroupId"] for g in iam.list_groups()["Groups"]}
    found |= {f"role:{r['RoleName']}": r["RoleId"] for r in iam.list_roles()["Roles"] if not r["RoleName"].startswith("AWSServiceRole")}
    found |= {f"key:{k['AccessKeyId']}": k["UserName"] for k in iam.list_access_keys(UserName=MACHINE_USER)["AccessKeyMetadata"]}
    found |= {
        f"login:{u}": str(iam.get_login_profile(UserName=u[len("user:") :])["LoginProfile"]["CreateDate"])
        for u in list(found)
        if u.startswith("user:") and u != f"user:{MACHINE_USER}"
    }
    return found


class Harness:
    """A prepared copy of the root project whose management account is `management_id`, its
    state bucket and lock table made beforehand (as the reference's tf-backend layer left them),
    `lz` run as a subprocess against the shared emulator, and plain terraform for the reference."""

    def __init__(self, emulator: EmulatorInfo, tmp_path: Path, management_id: str, short: str, *, make_backend: bool = True) -> None:
        self.tmp_path = tmp_path
        self.config = prepare_project(ROOT / "project.yaml", tmp_path / "project")
        # Its own short name: bucket names are global on the shared emulator.
        self.config.write_text(editor.set_scalar(editor.with_management_id(self.config.read_text(), management_id), (), "short_name", short))
        self.creds = {
            "aws_access_key_id": emulator_access_key(management_id),
            "aws_secret_access_key": EMULATOR_SECRET,
            "region_name": "us-east-1",
            "endpoint_url": emulator.endpoint,
        }
        self.bucket, table = naming.state_bucket(short, naming.MANAGEMENT), naming.lock_table(short, naming.MANAGEMENT)
        if make_backend:
            boto3.client("s3", **self.creds).create_bucket(Bucket=self.bucket)
            boto3.client("dynamodb", **self.creds).create_table(
                TableName=table,
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("LZ_", "AWS_"))}
        self.env.update(
            LZ_CONFIG=str(self.config),
            LZ_WORK_DIR=str(tmp_path / ".lz"),
            LZ_OUT_DIR=str(tmp_path / "cdktf.out"),
            LZ_EMULATOR_ENDPOINT=emulator.endpoint,
            AWS_EC2_METADATA_DISABLED="true",
            GNUPGHOME=str(gnupghome()),
        )
        self.mirror = provider_mirror()
        if self.mirror:
            self.env["LZ_PROVIDER_MIRROR"] = self.mirror

    def lz(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        return run_lz(self.tmp_path, self.env, *args, code=code)

    def synth(self, *stacks: str) -> dict[str, Any]:
        """The stacks' synthesized JSON (the first's when one is asked for, else by stack)."""
        self.lz("synth", *(a for s in stacks for a in ("--stack", s)))
        docs = {s: json.loads((self.tmp_path / "cdktf.out" / "stacks" / s / "cdk.tf.json").read_text()) for s in stacks}
        return docs[stacks[0]] if len(stacks) == 1 else docs

    def terraform(self, layer: Path, *commands: list[str]) -> None:
        """Plain terraform in `layer`, offline from the provider mirror: each command must succeed."""
        rc = self.tmp_path / "terraformrc"
        rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{self.mirror}"\n  }}\n}}\n' if self.mirror else "")
        tf_env = {**self.env, **GO_RUNTIME, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": str(rc)}
        # As lz runs terraform: account-level S3 calls (<id>.127.0.0.1) through the emulator as a proxy.
        tf_env["HTTP_PROXY"] = tf_env["http_proxy"] = self.env["LZ_EMULATOR_ENDPOINT"]
        for args in commands:
            proc = subprocess.run(["terraform", *args], cwd=layer, env=tf_env, capture_output=True, text=True, check=False)
            assert proc.returncode == 0, proc.stdout + proc.stderr

    def deploy_reference(self, layer: Path) -> None:
        """`terraform init` and `apply` of the reference's layer in `layer`."""
        self.terraform(layer, ["init", "-input=false"], ["apply", "-auto-approve", "-input=false"])

    def last_plan(self, stack: str) -> str:
        """The output of the stack's last `terraform plan` in lz's log."""
        log = (self.tmp_path / ".lz" / "logs" / f"{stack}.log").read_text()
        return log[log.rindex("terraform plan") :]


def test_a_reference_identities_layer_is_taken_over_in_place(emulator: EmulatorInfo, tmp_path: Path) -> None:
    h = Harness(emulator, tmp_path, MANAGEMENT_ID, "mgi")
    config, creds, bucket, lz = h.config, h.creds, h.bucket, h.lz
    doc = h.synth(STACK)
    layer = tmp_path / "reference-identities"
    reference_layer(doc, layer)
    h.deploy_reference(layer)
    iam = boto3.client("iam", **creds)
    before = ids(iam)
    assert f"user:{MACHINE_USER}" in before and any(k.startswith("key:") for k in before) and "role:OrganizationAccountAccessRole" in before

    refused = lz("plan", "--stack", STACK, code=1)
    assert f"`lz migrate leverage --stack {STACK}`" in refused.stderr

    dry = lz("migrate", "leverage", "--stack", STACK)
    assert 'module.user["kit.walker"].aws_iam_user_login_profile.this[0] -> aws_iam_user_login_profile.iam_login-kitwalker_' in dry.stdout
    assert f'module.machine_user["{MACHINE_USER}"].aws_iam_access_key.this[0] forgotten' in dry.stdout
    preview = re.search(r"plan with the migration: (.*); (\d+) replaced, (\d+) destroyed", dry.stdout)
    assert preview and preview.groups()[1:] == ("0", "0") and "to destroy" not in preview.group(1), dry.stdout
    migrations = config.parent / naming.MIGRATIONS_DIR / f"{STACK}.json"
    assert not migrations.exists()  # a dry run writes nothing

    lz("migrate", "leverage", "--stack", STACK, "--apply")
    assert json.loads(migrations.read_text())["moved"]

    lz("plan", "--stack", STACK)
    plan = h.last_plan(STACK)
    summary = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy", plan)
    assert summary and summary.group(3) == "0", plan[-3000:]
    assert "must be replaced" not in plan and "will be destroyed" not in plan, plan[-3000:]
    assert "has moved to" in plan

    lz("up", "--stack", STACK)
    after = ids(iam)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing recreated, the forgotten machine user kept
    shown = lz("passwords", "show", "kit.walker")
    assert len(shown.stdout.strip()) >= 20  # the reference's encrypted password, decrypted
    state = json.loads(boto3.client("s3", **creds).get_object(Bucket=bucket, Key=naming.state_key(naming.MANAGEMENT, "identities"))["Body"].read())
    assert state["outputs"][naming.STACK_MARKER_OUTPUT]["value"] == STACK  # lz's from now on
    assert not [r for r in state["resources"] if r.get("module")]  # nothing left at the reference's addresses

    lz("plan", "--stack", STACK)
    assert "No changes." in h.last_plan(STACK)


ORG_MANAGEMENT_ID = "555566668888"  # the organizations test's own organization on the shared emulator
ORG_STACK = naming.stack_id(naming.MANAGEMENT, "organizations")
MEMBERS = {"security": "myexample-aws+security@example.com", "shared": "myexample-aws+shared@example.com"}


def test_a_pre_2023_organizations_layer_is_taken_over_in_place(emulator: EmulatorInfo, tmp_path: Path) -> None:
    """The reference's per-name addresses of before mid-2023 (`aws_organizations_account.security`,
    `aws_organizations_organizational_unit.security`), shipped without moved blocks."""
    h = Harness(emulator, tmp_path, ORG_MANAGEMENT_ID, "mgo")
    creds, lz = h.creds, h.lz
    doc = h.synth(ORG_STACK)
    layer = tmp_path / "reference-organizations"
    layer.mkdir()
    resources: dict[str, Any] = {
        "aws_organizations_organization": {
            "main": {
                "feature_set": "ALL",
                "aws_service_access_principals": ["access-analyzer.amazonaws.com"],
                "enabled_policy_types": ["SERVICE_CONTROL_POLICY"],
            }
        },
        "aws_organizations_organizational_unit": {ou: {"name": ou, "parent_id": "${aws_organizations_organization.main.roots[0].id}"} for ou in MEMBERS},
        "aws_organizations_account": {
            name: {
                "name": f"bb-{name}",
                "email": email,
                "parent_id": f"${{aws_organizations_organizational_unit.{name}.id}}",
                "lifecycle": {"ignore_changes": ["role_name", "iam_user_access_to_billing"]},
            }
            for name, email in MEMBERS.items()
        },
    }
    (layer / "main.tf.json").write_text(
        json.dumps(
            {
                "terraform": {"backend": doc["terraform"]["backend"], "required_providers": doc["terraform"]["required_providers"]},
                "provider": {"aws": [{k: v for k, v in doc["provider"]["aws"][0].items() if k != "default_tags"}]},
                "resource": resources,
            },
            indent=2,
        )
    )
    h.deploy_reference(layer)
    orgs = boto3.client("organizations", **creds)
    before = {a["Email"]: a["Id"] for a in orgs.list_accounts()["Accounts"]}
    units = {u["Name"]: u["Id"] for u in orgs.list_organizational_units_for_parent(ParentId=orgs.list_roots()["Roots"][0]["Id"])["OrganizationalUnits"]}
    organization = orgs.describe_organization()["Organization"]["Id"]

    lz("plan", "--stack", ORG_STACK, code=1)  # the guard: the reference's state
    dry = lz("migrate", "leverage", "--stack", ORG_STACK)
    assert "aws_organizations_account.security -> aws_organizations_account.org_account-security_" in dry.stdout, dry.stdout
    assert "aws_organizations_organizational_unit.shared -> aws_organizations_organizational_unit.org_ou-shared_" in dry.stdout, dry.stdout
    preview = re.search(r"plan with the migration: (.*); (\d+) replaced, (\d+) destroyed", dry.stdout)
    assert preview and preview.groups()[1:] == ("0", "0"), dry.stdout
    lz("migrate", "leverage", "--stack", ORG_STACK, "--apply")
    lz("plan", "--stack", ORG_STACK)
    plan = h.last_plan(ORG_STACK)
    assert "must be replaced" not in plan and "will be destroyed" not in plan, plan[-3000:]
    assert "(moved from aws_organizations_account.security)" in plan and "(moved from aws_organizations_organization.main)" in plan
    assert re.search(r"Plan: \d+ to import, \d+ to add, \d+ to change, 0 to destroy|Plan: \d+ to add, \d+ to change, 0 to destroy", plan), plan[-3000:]

    lz("up", "--stack", ORG_STACK)
    after = {a["Email"]: a["Id"] for a in orgs.list_accounts()["Accounts"]}
    assert {e: after.get(e) for e in before} == before
    assert orgs.describe_organization()["Organization"]["Id"] == organization
    for name, ou in units.items():
        assert orgs.describe_organizational_unit(OrganizationalUnitId=ou)["OrganizationalUnit"]["Name"] == name  # the same OUs
    lz("plan", "--stack", ORG_STACK)
    assert "No changes." in h.last_plan(ORG_STACK)


CURRENT_MANAGEMENT_ID = "555566669999"  # the current-scheme test's own organization on the shared emulator
LAYERS = ("tf-backend", "organizations", "security-base")
FIXTURES = Path(__file__).parent / "fixtures" / "leverage"
SCP_TARGETS = {"security": "default", "shared": "standard"}  # OU → the reference's SCP, as project.yaml attaches them
ROOT_LOGIN_TOPIC = f"arn:aws:sns:us-east-1:{CURRENT_MANAGEMENT_ID}:sns-topic-slack-notify-monitoring-sec"


def _settings(doc: dict[str, Any], *, backend: bool = True) -> dict[str, Any]:
    """lz's backend (the reference's state at lz's key) and providers for a reference layer; the
    second region's provider is the tfstate-backend module's `aws.secondary`."""
    providers = [{k: v for k, v in p.items() if k != "default_tags"} | ({"alias": "secondary"} if p.get("alias") else {}) for p in doc["provider"]["aws"]]
    terraform = {"required_providers": doc["terraform"]["required_providers"]} | ({"backend": doc["terraform"]["backend"]} if backend else {})
    return {"terraform": terraform, "provider": {"aws": providers}}


def current_reference(docs: dict[str, dict[str, Any]], root: Path, bucket: str, organization: str) -> dict[str, Path]:
    """The reference's tf-backend, organizations (after mid-2023: `management`, `accounts["<name>"]`,
    `units["<ou>"]`) and security-base layers, one directory each. The organization, made
    beforehand as when the management account was opened, is imported, and its account with it."""
    layers = {layer: root / layer for layer in LAYERS}
    for layer, path in layers.items():
        path.mkdir(parents=True)
        if (FIXTURES / layer / "modules").is_dir():
            shutil.copytree(FIXTURES / layer / "modules", path / "modules")
    backend = _settings(docs[naming.stack_id(naming.MANAGEMENT, "tf-backend")], backend=False)  # local first: its bucket does not exist yet
    backend["module"] = {
        "terraform_backend": {
            "source": "./modules/terraform-backend",
            "bucket": bucket,
            "providers": {"aws": "aws", "aws.secondary": "aws.secondary"},
        }
    }
    root_id = "${aws_organizations_organization.main.roots[0].id}"
    organizations = _settings(docs[ORG_STACK]) | {
        "import": [
            {"to": "aws_organizations_organization.main", "id": organization},
            {"to": "aws_organizations_account.management", "id": CURRENT_MANAGEMENT_ID},
        ],
        "resource": {
            "aws_organizations_organization": {
                "main": {
                    "feature_set": "ALL",
                    "aws_service_access_principals": ["access-analyzer.amazonaws.com"],
                    "enabled_policy_types": ["SERVICE_CONTROL_POLICY"],
                }
            },
            # The name and email AWS has for the management account (the emulator's).
            "aws_organizations_account": {
                "management": {
                    "name": "master",
                    "email": "master@example.com",
                    "parent_id": root_id,
                    "lifecycle": {"ignore_changes": ["role_name", "iam_user_access_to_billing"]},
                },
                "accounts": {
                    "for_each": MEMBERS,
                    "name": "bb-${each.key}",
                    "email": "${each.value}",
                    "parent_id": "${aws_organizations_organizational_unit.units[each.key].id}",
                    "lifecycle": {"ignore_changes": ["role_name", "iam_user_access_to_billing"]},
                },
            },
            "aws_organizations_organizational_unit": {"units": {"for_each": MEMBERS, "name": "${each.key}", "parent_id": root_id}},
            "aws_organizations_policy": {
                name: {"name": name, "content": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})}
                for name in ("default", "standard")
            },
            "aws_organizations_policy_attachment": {
                "policy_attachments": {
                    "for_each": {ou: f"${{aws_organizations_policy.{scp}.id}}" for ou, scp in SCP_TARGETS.items()},
                    "policy_id": "${each.value}",
                    "target_id": "${aws_organizations_organizational_unit.units[each.key].id}",
                }
            },
            "aws_organizations_delegated_administrator": {
                "delegated_administrator": {
                    "for_each": '${toset(["access-analyzer.amazonaws.com"])}',
                    "account_id": '${aws_organizations_account.accounts["security"].id}',
                    "service_principal": "${each.key}",
                }
            },
        },
    }
    security = _settings(docs[naming.stack_id(naming.MANAGEMENT, "security-base")]) | {
        "resource": {
            "aws_ebs_encryption_by_default": {"main": {"enabled": True}},
            "aws_s3_account_public_access_block": {"main": {"account_id": CURRENT_MANAGEMENT_ID, "block_public_acls": True, "block_public_policy": True}},
        },
        "module": {"root-login-notifications": {"source": "./modules/root-login-notifications", "sns_topic_arn": ROOT_LOGIN_TOPIC}},
    }
    for layer, doc in zip(LAYERS, (backend, organizations, security), strict=True):
        (layers[layer] / "main.tf.json").write_text(json.dumps(doc, indent=2))
    return layers


SSO_STACK = naming.stack_id(naming.MANAGEMENT, "sso")
_REF = re.compile(r"^\$\{(\w+)\.([\w-]+)\.\w+\}$")


def _target(value: str) -> str:
    """`${aws_identitystore_group.X.group_id}` → X."""
    match = _REF.match(value)
    assert match, value
    return match.group(2)


def _literal(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("//", "identity_store_id", "instance_arn", "user_type") and "${" not in json.dumps(v)}


def sso_reference(doc: dict[str, Any], path: Path) -> dict[str, str]:
    """The reference's sso layer for one group assignment of lz's sso stack: that permission set
    with one managed policy, the group, one of its users and that membership, at the reference's
    addresses (`default["<u>"]`, `module.permission_sets`, `module.account_assignments`).
    Returns what each object is named (the addresses the output then names)."""
    res = doc["resource"]
    for assignment in res["aws_ssoadmin_account_assignment"].values():
        group, pset = _target(assignment["principal_id"]), _target(assignment["permission_set_arn"])
        members = [m for m in res["aws_identitystore_group_membership"].values() if _target(m["group_id"]) == group]
        policies = [a["managed_policy_arn"] for a in res["aws_ssoadmin_managed_policy_attachment"].values() if _target(a["permission_set_arn"]) == pset]
        if assignment["principal_type"] == "GROUP" and members and policies:
            break
    else:
        raise AssertionError("lz's sso stack has no group assignment with a member and a managed policy")
    user = res["aws_identitystore_user"][_target(members[0]["member_id"])]
    group_name = res["aws_identitystore_group"][group]["display_name"]
    ps = res["aws_ssoadmin_permission_set"][pset]
    account = assignment["target_id"]
    names = {"user": user["user_name"], "group": group_name, "ps": ps["name"], "policy": policies[0], "account": account}
    shutil.copytree(FIXTURES / "sso" / "modules", path / "modules")
    store, instance = "${element(data.aws_ssoadmin_instances.main.identity_store_ids, 0)}", "${element(data.aws_ssoadmin_instances.main.arns, 0)}"
    layer = _settings(doc) | {
        "data": {"aws_ssoadmin_instances": {"main": {}}},
        "resource": {
            "aws_identitystore_user": {"default": {"for_each": {names["user"]: names["user"]}, "identity_store_id": store} | _literal(user)},
            "aws_identitystore_group": {"default": {"for_each": {group_name: group_name}, "display_name": "${each.key}", "identity_store_id": store}},
            "aws_identitystore_group_membership": {
                "default": {
                    "for_each": {f"{names['user']}_{group_name}": {"user": names["user"], "group": group_name}},
                    "identity_store_id": store,
                    "group_id": "${aws_identitystore_group.default[each.value.group].group_id}",
                    "member_id": "${aws_identitystore_user.default[each.value.user].user_id}",
                }
            },
        },
        "module": {
            "permission_sets": {
                "source": "./modules/permission-sets",
                "instance_arn": instance,
                "permission_sets": {
                    ps["name"]: {
                        "description": ps.get("description", ""),
                        "session_duration": ps.get("session_duration", "PT1H"),
                        "managed_policies": policies[:1],
                    }
                },
            },
            "account_assignments": {
                "source": "./modules/account-assignments",
                "instance_arn": instance,
                "assignments": {
                    f"{account}-G-{group_name}-{ps['name']}": {
                        "permission_set_arn": f'${{module.permission_sets.arns["{ps["name"]}"]}}',
                        "principal_id": f'${{aws_identitystore_group.default["{group_name}"].group_id}}',
                        "account_id": account,
                    }
                },
            },
        },
    }
    (path / "main.tf.json").write_text(json.dumps(layer, indent=2))
    return names


def sso_ids(creds: dict[str, str]) -> dict[str, str]:
    """What Identity Center made up for the users, groups and permission sets (and the assignments)."""
    admin, store = boto3.client("sso-admin", **creds), boto3.client("identitystore", **creds)
    instance = admin.list_instances()["Instances"][0]
    found = {f"sso-user:{u['UserName']}": u["UserId"] for u in store.list_users(IdentityStoreId=instance["IdentityStoreId"])["Users"]}
    found |= {f"sso-group:{g['DisplayName']}": g["GroupId"] for g in store.list_groups(IdentityStoreId=instance["IdentityStoreId"])["Groups"]}
    for arn in admin.list_permission_sets(InstanceArn=instance["InstanceArn"])["PermissionSets"]:
        found[f"ps:{admin.describe_permission_set(InstanceArn=instance['InstanceArn'], PermissionSetArn=arn)['PermissionSet']['Name']}"] = arn
    return found


def current_ids(creds: dict[str, str], bucket: str) -> dict[str, str]:
    """What AWS made up for each object of the three layers: a recreated one would have another."""
    orgs, s3 = boto3.client("organizations", **creds), boto3.client("s3", **creds)
    root = orgs.list_roots()["Roots"][0]["Id"]
    found = {f"account:{a['Email']}": a["Id"] for a in orgs.list_accounts()["Accounts"]}
    found |= {f"ou:{u['Name']}": u["Id"] for u in orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]}
    found |= {f"scp:{p['Name']}": p["Id"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    found["organization"] = orgs.describe_organization()["Organization"]["Id"]
    found |= {f"bucket:{b['Name']}": str(b["CreationDate"]) for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(bucket)}
    table = boto3.client("dynamodb", **creds).describe_table(TableName=bucket)["Table"]
    found["table"] = f"{table['TableArn']} {table['CreationDateTime']}"
    found["rule:iam-root-login"] = boto3.client("events", **creds).describe_rule(Name="iam-root-login")["Arn"]  # forgotten, kept
    return found


def test_a_current_reference_deployment_is_taken_over_in_place(emulator: EmulatorInfo, tmp_path: Path) -> None:
    """Today's address scheme across the tf-backend, organizations, security-base and sso layers:
    one plain-terraform deployment, then one `lz migrate leverage --apply`, up and a plan after it over
    all four stacks. No member id is recorded before the migration: the sso stack needs
    them all, and migrate finds them in the organization."""
    h = Harness(emulator, tmp_path, CURRENT_MANAGEMENT_ID, "mgc", make_backend=False)
    stacks = [naming.stack_id(naming.MANAGEMENT, layer) for layer in LAYERS]
    selected = [a for s in stacks for a in ("--stack", s)]
    docs = h.synth(*stacks)
    organization = boto3.client("organizations", **h.creds).create_organization(FeatureSet="ALL")["Organization"]["Id"]
    layers = current_reference(docs, tmp_path / "reference", h.bucket, organization)
    # As the reference bootstraps: tf-backend with local state, then its state into its own bucket.
    h.deploy_reference(layers["tf-backend"])
    settings = json.loads((layers["tf-backend"] / "main.tf.json").read_text())
    settings["terraform"]["backend"] = docs[stacks[0]]["terraform"]["backend"]
    (layers["tf-backend"] / "main.tf.json").write_text(json.dumps(settings, indent=2))
    # Nothing else uses that state yet; a lock call retried on a loaded machine would find its own lock.
    h.terraform(layers["tf-backend"], ["init", "-input=false", "-migrate-state", "-force-copy", "-lock=false"])
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(h.deploy_reference, (layers["organizations"], layers["security-base"])))
    # The reference's sso layer names the member accounts the organizations layer made: lz's sso
    # stack for those ids, synthesized aside (this project's work dir must not learn them: migrate finds them).
    members = {a["Email"]: a["Id"] for a in boto3.client("organizations", **h.creds).list_accounts()["Accounts"]}
    aside = tmp_path / "aside"
    aside.mkdir()
    (aside / "account_ids.json").write_text(json.dumps({name: members[email] for name, email in MEMBERS.items()}))
    env = {**h.env, "LZ_WORK_DIR": str(aside), "LZ_OUT_DIR": str(aside / "out")}
    run_lz(tmp_path, env, "synth", "--stack", SSO_STACK)
    sso_layer = tmp_path / "reference" / "sso"
    sso_layer.mkdir()
    names = sso_reference(json.loads((aside / "out" / "stacks" / SSO_STACK / "cdk.tf.json").read_text()), sso_layer)
    h.deploy_reference(sso_layer)
    assert not (tmp_path / ".lz" / "account_ids.json").exists()
    before = current_ids(h.creds, h.bucket) | sso_ids(h.creds)
    assert {"account:master@example.com", "account:myexample-aws+security@example.com", "ou:shared", "scp:standard", f"bucket:{h.bucket}-replica"} <= set(
        before
    )
    assert {f"sso-user:{names['user']}", f"sso-group:{names['group']}", f"ps:{names['ps']}"} <= set(before)
    stacks.append(SSO_STACK)
    selected += ["--stack", SSO_STACK]

    applied = h.lz("migrate", "leverage", *selected, "--apply")
    out = applied.stdout
    assert out.count("; 0 replaced, 0 destroyed") == len(stacks), out
    assert f'aws_identitystore_user.default["{names["user"]}"] -> aws_identitystore_user.identity-center_user-' in out, out
    assert f'module.permission_sets.aws_ssoadmin_managed_policy_attachment.this["{names["ps"]}.{names["policy"]}"] -> ' in out, out
    assignment = f'module.account_assignments.aws_ssoadmin_account_assignment.this["{names["account"]}-G-{names["group"]}-{names["ps"]}"] -> '
    assert assignment + "aws_ssoadmin_account_assignment.identity-center_assign-" in out, out
    assert "aws_organizations_account.management -> aws_organizations_account.org_account-management_" in out, out
    assert 'aws_organizations_account.accounts["shared"] -> aws_organizations_account.org_account-shared_' in out, out
    assert 'aws_organizations_organizational_unit.units["security"] -> aws_organizations_organizational_unit.org_ou-security_' in out, out
    assert "module.terraform_backend.aws_s3_bucket.default -> aws_s3_bucket.state_bucket_" in out, out
    assert "module.terraform_backend.aws_dynamodb_table.without_server_side_encryption[0] -> aws_dynamodb_table.state_lock-table_" in out, out
    assert "module.terraform_backend.aws_s3_bucket.replication_bucket[0] -> aws_s3_bucket.state_replica-bucket_" in out, out
    assert "module.terraform_backend.aws_iam_policy_attachment.bucket_replication[0] forgotten" in out, out
    assert "aws_ebs_encryption_by_default.main -> aws_ebs_encryption_by_default.baseline_ebs-encryption_" in out, out
    assert "module.root-login-notifications.aws_cloudwatch_metric_alarm.alarm_cwe_triggered forgotten" in out, out

    # The documented `lz plan` before `lz up` is the single-stack tests' (above): here the plan
    # `lz up` applies is read from its log, each stack's last plan (its apply follows it).
    h.lz("up", *selected)
    for stack in stacks:
        plan = h.last_plan(stack)
        assert "must be replaced" not in plan and "will be destroyed" not in plan, plan[-3000:]
        assert re.search(r"Plan: (\d+ to import, )?\d+ to add, \d+ to change, 0 to destroy", plan), plan[-3000:]
        assert "has moved to" in plan, stack
    after = current_ids(h.creds, h.bucket) | sso_ids(h.creds)
    assert {k: after.get(k) for k in before} == before  # nothing recreated, what lz forgot kept
    for stack in stacks:
        key = naming.state_key(naming.MANAGEMENT, stack.removeprefix(f"{naming.MANAGEMENT}-"))
        state = json.loads(boto3.client("s3", **h.creds).get_object(Bucket=h.bucket, Key=key)["Body"].read())
        assert state["outputs"][naming.STACK_MARKER_OUTPUT]["value"] == stack  # lz's from now on
        assert not [r for r in state["resources"] if r.get("module") or r["name"] in ("main", "management", "accounts", "units", "default")], stack
    h.lz("plan", *selected)
    for stack in stacks:
        assert "No changes." in h.last_plan(stack), (stack, h.last_plan(stack)[-3000:])
