"""Behaviour the AWS provider needs that moto lacks, patched onto moto's classes.

`install()` runs in the emulator process before it serves; each patch is small and
covered by tests/test_emulator_handlers.py (or test_emulator_gaps.py). IAM Access Analyzer,
which moto lacks entirely, is a minimal service of its own in emulator/accessanalyzer.py.
tests/test_emulator_terraform.py applies the resource types these patches serve.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from landing_zone.settings import EMULATOR_KEY_PREFIX, EMULATOR_KEY_SUFFIX


def _never_matches_on_loopback(statement: dict[str, Any]) -> bool:
    """A statement conditioned on aws:SecureTransport=false.

    moto evaluates bucket policies but ignores conditions, so a TLS-only policy would deny
    every request. The emulator serves plain HTTP on 127.0.0.1 and stands in for TLS:
    its requests count as secure transport, so such a statement never applies.
    """
    cond = statement.get("Condition") or {}
    flag = (cond.get("Bool") or {}).get("aws:SecureTransport")
    return str(flag).lower() == "false"


def _patch_s3_secure_transport() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(self.policy.decode())
        statements = doc.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        doc["Statement"] = [s for s in statements if not _never_matches_on_loopback(s)]
        if not doc["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(doc)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def _patch_account_from_access_key() -> None:
    """An access key made by `emulator_access_key(id)` selects account `id`.

    The organization's management account is the account that creates it; with this the
    emulator's management account is the id in project.yaml, so it can be adopted by id.
    Keys moto issued (assume-role sessions) keep mapping to their own accounts.
    """
    import moto.iam.models as iam_models

    original = iam_models.get_account_id_from
    pattern = re.compile(rf"^{EMULATOR_KEY_PREFIX}(\d{{12}}){EMULATOR_KEY_SUFFIX}$")

    def get_account_id_from(access_key: str) -> str:
        match = pattern.match(access_key)
        return match.group(1) if match else original(access_key)

    iam_models.get_account_id_from = get_account_id_from


OAAR_ROLE = "OrganizationAccountAccessRole"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"


def _patch_iam_aws_managed_policies() -> None:
    """AWS-managed policies (AdministratorAccess, ReadOnlyAccess, ...) exist in every account.

    moto only loads them when MOTO_IAM_LOAD_MANAGED_POLICIES is set, so attaching
    `arn:aws:iam::aws:policy/...` to a role, user or group fails with NoSuchEntity.
    Loaded for the `aws` partition only: moto creates an IAM backend per partition for
    every account it looks up a session key in, and each load costs ~0.15 s.
    """
    import moto.iam.models as iam_models

    original = iam_models.IAMBackend._init_aws_policies

    def _init_aws_policies(self: iam_models.IAMBackend) -> list[iam_models.ManagedPolicy]:
        return original(self) if self.partition == "aws" else []

    iam_models.load_iam_aws_managed_policies = lambda: True
    iam_models.IAMBackend._init_aws_policies = _init_aws_policies  # type: ignore[method-assign]


def _patch_iam_service_specific_credentials() -> None:
    """IAM ListServiceSpecificCredentials: always an empty list for an existing user.

    moto lacks it, and the provider calls it when deleting an `aws_iam_user` with
    `force_destroy = true`. moto cannot create such credentials, so none ever exist.
    """
    from moto.core.responses import ActionResult
    from moto.iam.responses import IamResponse

    def list_service_specific_credentials(self: IamResponse) -> ActionResult:
        self.backend.get_user(self._get_param("UserName"))  # NoSuchEntity for an unknown user
        return ActionResult({"ServiceSpecificCredentials": []})

    IamResponse.list_service_specific_credentials = list_service_specific_credentials  # type: ignore[attr-defined]


def _sso_taggable(backend: Any, instance_arn: str, resource_arn: str) -> Any:
    """The permission set or instance `resource_arn` names; its `.tags` is a list of Key/Value dicts."""
    from moto.ssoadmin.exceptions import ResourceNotFoundException

    for instance in backend.instances:
        if instance.instance_arn == resource_arn:
            return instance
    for permission_set in backend.permission_sets:
        if permission_set.permission_set_arn == resource_arn and permission_set.instance_arn == instance_arn:
            return permission_set
    raise ResourceNotFoundException(f"Could not find resource {resource_arn}")


def _patch_ssoadmin_tags() -> None:
    """SSO-Admin ListTagsForResource, TagResource, UntagResource (moto lacks all three).

    The provider reads a permission set's tags after creating it (and on every refresh),
    so every `aws_ssoadmin_permission_set` fails without them. Tags given to
    CreatePermissionSet are the starting set.
    """
    from moto.ssoadmin.responses import SSOAdminResponse

    def _target(self: SSOAdminResponse) -> Any:
        params = json.loads(self.body or "{}")
        target = _sso_taggable(self.ssoadmin_backend, params.get("InstanceArn"), params.get("ResourceArn"))
        if getattr(target, "tags", None) is None:
            target.tags = []
        return target

    def list_tags_for_resource(self: SSOAdminResponse) -> str:
        return json.dumps({"Tags": list(_target(self).tags)})

    def tag_resource(self: SSOAdminResponse) -> str:
        target = _target(self)
        new = {t["Key"]: t.get("Value", "") for t in json.loads(self.body).get("Tags", [])}
        kept = [t for t in target.tags if t["Key"] not in new]
        target.tags = kept + [{"Key": k, "Value": v} for k, v in new.items()]
        return "{}"

    def untag_resource(self: SSOAdminResponse) -> str:
        target = _target(self)
        keys = set(json.loads(self.body).get("TagKeys", []))
        target.tags = [t for t in target.tags if t["Key"] not in keys]
        return "{}"

    SSOAdminResponse.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    SSOAdminResponse.tag_resource = tag_resource  # type: ignore[attr-defined]
    SSOAdminResponse.untag_resource = untag_resource  # type: ignore[attr-defined]


def _patch_ssoadmin_provisioning_status() -> None:
    """SSO-Admin DescribePermissionSetProvisioningStatus (moto lacks it).

    ProvisionPermissionSet succeeds at once in moto but the provider then polls this
    call (managed-policy attachments, inline policies). Statuses ProvisionPermissionSet
    returned are remembered per backend and returned here; unknown ids are not found.
    """
    from moto.ssoadmin.exceptions import ResourceNotFoundException
    from moto.ssoadmin.responses import SSOAdminResponse

    original = SSOAdminResponse.provision_permission_set

    def _statuses(self: SSOAdminResponse) -> dict[str, Any]:
        backend: Any = self.ssoadmin_backend  # the statuses are our own attribute on moto's backend
        if not hasattr(backend, "provisioning_statuses"):
            backend.provisioning_statuses = {}
        return backend.provisioning_statuses

    def provision_permission_set(self: SSOAdminResponse) -> str:
        body = original(self)
        status = json.loads(body)["PermissionSetProvisioningStatus"]
        _statuses(self)[status["RequestId"]] = status
        return body

    def describe_permission_set_provisioning_status(self: SSOAdminResponse) -> str:
        request_id = json.loads(self.body or "{}").get("ProvisionPermissionSetRequestId")
        status = _statuses(self).get(request_id)
        if status is None:
            raise ResourceNotFoundException(f"Could not find provisioning request {request_id}")
        return json.dumps({"PermissionSetProvisioningStatus": status})

    SSOAdminResponse.provision_permission_set = provision_permission_set  # type: ignore[method-assign]
    SSOAdminResponse.describe_permission_set_provisioning_status = describe_permission_set_provisioning_status  # type: ignore[attr-defined]


def _patch_ssoadmin_idempotent_assignments() -> None:
    """SSO-Admin CreateAccountAssignment of an assignment that exists adds no second one.

    moto appends a duplicate; AWS keeps one. On a loaded machine the provider's SDK retries
    a create whose answer came late, and the duplicate then fails its read ("too many
    results: wanted 1, got 2", seen in a full-suite run at load 15).
    """
    from moto.ssoadmin.models import SSOAdminBackend

    original = SSOAdminBackend.create_account_assignment

    def create_account_assignment(
        self: SSOAdminBackend, instance_arn: str, target_id: str, target_type: str, permission_set_arn: str, principal_type: str, principal_id: str
    ) -> dict[str, Any]:
        wanted = (instance_arn, target_id, target_type, permission_set_arn, principal_type, principal_id)
        for existing in self.account_assignments:
            have = (
                existing.instance_arn,
                existing.target_id,
                existing.target_type,
                existing.permission_set_arn,
                existing.principal_type,
                existing.principal_id,
            )
            if have == wanted:
                return existing.to_json(include_creation_date=True, include_request_id=True)
        return original(self, *wanted)

    SSOAdminBackend.create_account_assignment = create_account_assignment  # type: ignore[method-assign]


def _patch_organizations_oaar_permissions() -> None:
    """CreateAccount gives the member's OrganizationAccountAccessRole AdministratorAccess.

    moto creates the role (trusting the management account's root) but attaches nothing;
    real AWS attaches AdministratorAccess. The identities stack adopts the role with an
    import block, so it must look as it does in AWS.
    """
    from moto.iam.models import iam_backends
    from moto.organizations.models import OrganizationsBackend

    original = OrganizationsBackend.create_account

    def create_account(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
        status = original(self, **kwargs)
        account_id = status["CreateAccountStatus"]["AccountId"]
        iam = iam_backends[account_id][self.partition]
        role = kwargs.get("RoleName") or OAAR_ROLE
        iam.attach_role_policy(ADMINISTRATOR_ACCESS.replace("arn:aws:", f"arn:{self.partition}:"), role)
        return status

    OrganizationsBackend.create_account = create_account  # type: ignore[method-assign]


def _patch_ssoadmin_managed_policy_paths() -> None:
    """SSO-Admin accepts AWS managed policies under a path (`job-function/Billing`, `ViewOnlyAccess`).

    moto reads the policy's `path` key, but its policy data spells it `Path`, so every
    policy outside `/` is reported missing and AttachManagedPolicyToPermissionSet fails.
    """
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.ssoadmin.exceptions import ResourceNotFoundException
    from moto.ssoadmin.models import ManagedPolicy, SSOAdminBackend

    def _find_managed_policy(self: SSOAdminBackend, managed_policy_arn: str) -> ManagedPolicy:
        if self.aws_managed_policies is None:
            self.aws_managed_policies = json.loads(aws_managed_policies_data)
        name = managed_policy_arn.split("/")[-1]
        policy = self.aws_managed_policies.get(name)
        if policy is not None:
            path = policy.get("Path") or policy.get("path") or "/"
            if managed_policy_arn == f"arn:{self.partition}:iam::aws:policy{path}{name}":
                return ManagedPolicy(managed_policy_arn, name)
        raise ResourceNotFoundException(f"Policy does not exist with ARN: {managed_policy_arn}")

    SSOAdminBackend._find_managed_policy = _find_managed_policy  # type: ignore[method-assign]


def _patch_iam_login_profile_reset() -> None:
    """IAM CreateLoginProfile keeps PasswordResetRequired (moto drops it and reports False).

    The identities layer requires a password change at first sign-in; without this the
    emulator cannot show that it was asked for.
    """
    from moto.iam.responses import IamResponse

    original = IamResponse.create_login_profile

    def create_login_profile(self: IamResponse) -> Any:
        result: Any = original(self)
        if str(self._get_param("PasswordResetRequired")).lower() == "true":
            user = self.backend.get_user(self._get_param("UserName"))
            user.password_reset_required = True
            result.result["LoginProfile"]["PasswordResetRequired"] = True
        return result

    IamResponse.create_login_profile = create_login_profile  # type: ignore[method-assign]


def _patch_s3_replication_rules() -> None:
    """GetBucketReplication answers with the rules PutBucketReplication stored.

    moto answers every rule with DeleteMarkerReplication Disabled and a Prefix filter, whatever
    was put, so terraform plans the state bucket's replication rule again on every run.
    """
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.s3.responses import S3Response

    def get_bucket_replication(self: S3Response) -> Any:
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        rules = []
        for rule in replication["Rule"]:
            out = {key: rule[key] for key in ("ID", "Priority", "Status", "Destination")}
            out["DeleteMarkerReplication"] = rule.get("DeleteMarkerReplication") or {"Status": "Disabled"}
            out["Filter"] = rule.get("Filter") or {}  # <Filter/> parses to None
            if rule.get("SourceSelectionCriteria"):
                out["SourceSelectionCriteria"] = rule["SourceSelectionCriteria"]
            rules.append(out)
        return self.serialized(ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}}))

    S3Response.get_bucket_replication = get_bucket_replication  # type: ignore[method-assign]


def _patch_events_sns_targets() -> None:
    """EventBridge rules deliver matched events to SNS topic targets.

    moto delivers only to log groups, SQS queues, archives, event buses and API destinations;
    an SNS target (the root sign-in alert) silently receives nothing. Published as EventBridge
    does: the event JSON as the message, in the topic's account and region.
    """
    from moto.events.models import Rule
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    original = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        topics = [t["Arn"] for t in self.targets if parse_arn(t["Arn"]).service == "sns"]
        if len(topics) < len(self.targets):  # moto's own targets, on a copy without the topics it rejects
            others = copy.copy(self)
            others.targets = [t for t in self.targets if t["Arn"] not in topics]
            original(others, original_event, transform_input)
        if topics and self.event_pattern.matches_event(original_event):
            for topic in topics:
                arn = parse_arn(topic)
                sns_backends[arn.account][arn.region].publish(message=json.dumps(original_event), arn=topic)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


# Trusted services AWS accepts that moto 5.2's list lacks.
_MISSING_TRUSTED_SERVICES = ("cost-optimization-hub.bcm.amazonaws.com", "malware-protection.guardduty.amazonaws.com")


def _patch_organizations_trusted_services() -> None:
    """EnableAWSServiceAccess accepts every service the organizations layer trusts.

    moto checks principals against a list that lags AWS, and refuses the two above.
    """
    from moto.organizations.models import FakeServiceAccess

    FakeServiceAccess.TRUSTED_SERVICES = [*FakeServiceAccess.TRUSTED_SERVICES, *_MISSING_TRUSTED_SERVICES]


def _patch_dynamodb_retried_put() -> None:
    """A conditional PutItem whose item is already stored, identical, succeeds.

    The Go SDK in terraform sometimes retries a PutItem the emulator has already answered
    (seen on an idle machine too): the retry of a state lock then fails its own
    attribute_not_exists(LockID) check, and terraform waits out the whole -lock-timeout
    (120 s) on a lock it holds. Identical attributes mean the same request (a lock's Info
    carries its random ID and time), so the emulator answers it as DynamoDB answered the first.
    """
    from moto.dynamodb.exceptions import ConditionalCheckFailed
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.put_item

    def put_item(self: DynamoDBBackend, table_name: str, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, table_name, item_attrs, *args, **kwargs)
        except ConditionalCheckFailed:
            stored = self.get_item(table_name, item_attrs)
            if stored is not None and stored.to_json()["Attributes"] == item_attrs:
                return stored
            raise

    DynamoDBBackend.put_item = put_item  # type: ignore[method-assign]


def _patch_organizations_retried_enable_policy_type() -> None:
    """EnablePolicyType of a type the root already has enabled succeeds.

    The same SDK retry as above: the provider enables each policy type once, right after
    CreateOrganization, and on a loaded machine its retry of an EnablePolicyType the emulator
    had answered failed the whole first apply with PolicyTypeAlreadyEnabledException. The
    request names nothing but the root and the type, so a retry and a repeat are the same;
    lz never relies on the error.
    """
    from moto.organizations.models import FakeRoot

    original = FakeRoot.add_policy_type

    def add_policy_type(self: FakeRoot, policy_type: str) -> None:
        if any(t["Type"] == policy_type for t in self.policy_types):
            return
        original(self, policy_type)

    FakeRoot.add_policy_type = add_policy_type  # type: ignore[method-assign]


def _upper_first(path: str) -> str:
    return path[:1].upper() + path[1:]


def _patch_identitystore_updates() -> None:
    """IdentityStore UpdateUser and UpdateGroup (moto lacks both).

    The provider updates a user or group in place through them: an adopted one gets lz's
    attributes (a user's type, a group's description). Each operation sets one attribute
    path (`displayName`, `name.givenName`, `emails`…); no value removes it.
    """
    from moto.identitystore.exceptions import ResourceNotFoundException
    from moto.identitystore.models import Name
    from moto.identitystore.responses import IdentityStoreResponse

    def _store(self: IdentityStoreResponse) -> Any:
        return self.identitystore_backend._IdentityStoreBackend__get_identity_store(self._get_param("IdentityStoreId"))  # type: ignore[attr-defined]  # moto's private lookup

    def _value(value: Any) -> Any:  # list attributes come as camelCase documents; moto keeps PascalCase
        if isinstance(value, list):
            return [{_upper_first(k): v for k, v in item.items()} if isinstance(item, dict) else item for item in value]
        return value

    def update_user(self: IdentityStoreResponse) -> str:
        users = _store(self).users
        user_id = self._get_param("UserId")
        if user_id not in users:
            raise ResourceNotFoundException(message="USER not found.", resource_type="USER")
        user = users[user_id]
        for op in self._get_param("Operations") or []:
            path, value = op["AttributePath"], op.get("AttributeValue")
            if path.startswith("name."):
                name = (user.Name or Name(None, None, None, None, None, None))._replace(**{_upper_first(path[5:]): value})
                user = user._replace(Name=name)
            else:
                user = user._replace(**{_upper_first(path): _value(value)})
        users[user_id] = user
        return "{}"

    def update_group(self: IdentityStoreResponse) -> str:
        groups = _store(self).groups
        group_id = self._get_param("GroupId")
        if group_id not in groups:
            raise ResourceNotFoundException(message="GROUP not found.", resource_type="GROUP")
        for op in self._get_param("Operations") or []:
            groups[group_id] = groups[group_id]._replace(**{_upper_first(op["AttributePath"]): op.get("AttributeValue")})
        return "{}"

    IdentityStoreResponse.update_user = update_user  # type: ignore[attr-defined]
    IdentityStoreResponse.update_group = update_group  # type: ignore[attr-defined]


def _patch_dynamodb_update_sse() -> None:
    """DynamoDB UpdateTable applies its SSESpecification (moto ignores it).

    A lock table made without server-side encryption (the Leverage reference's) and taken
    over by lz is switched to it in place; without this every later plan shows it again.
    """
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.update_table

    def update_table(self: DynamoHandler) -> Any:
        spec = self.body.get("SSESpecification")
        if isinstance(spec, dict) and "Enabled" in spec:
            table = self.dynamodb_backend.get_table(self.body["TableName"])
            wanted = dict(spec)
            if wanted["Enabled"] and "KMSMasterKeyId" not in wanted:
                wanted["KMSMasterKeyId"] = table._get_default_encryption_key(table.account_id, table.region_name)
            table.sse_specification = wanted if wanted["Enabled"] else None
        return original(self)

    DynamoHandler.update_table = update_table  # type: ignore[method-assign]


def install() -> None:
    """Patch moto in this process (the emulator server) before it serves requests."""
    from landing_zone.emulator import accessanalyzer, cloudtrail, guardduty, retries, scanner_reads, sso_portal

    _patch_s3_secure_transport()
    _patch_account_from_access_key()
    _patch_iam_aws_managed_policies()
    _patch_iam_service_specific_credentials()
    _patch_ssoadmin_tags()
    _patch_identitystore_updates()
    _patch_ssoadmin_provisioning_status()
    _patch_ssoadmin_managed_policy_paths()
    _patch_ssoadmin_idempotent_assignments()
    _patch_iam_login_profile_reset()
    _patch_organizations_oaar_permissions()
    _patch_s3_replication_rules()
    _patch_events_sns_targets()
    _patch_dynamodb_update_sse()
    _patch_organizations_trusted_services()
    _patch_dynamodb_retried_put()
    _patch_organizations_retried_enable_policy_type()
    accessanalyzer.register()
    cloudtrail.install()
    guardduty.install()
    scanner_reads.install()
    sso_portal.install()  # after the idempotent-assignment patch, which it wraps
    retries.install()  # last: in front of every other wrapper of the dispatcher
