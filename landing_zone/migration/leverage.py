"""Map a Leverage reference layer's state onto the addresses an lz stack generates.

The reference renamed its addresses over the years (per-name accounts before mid-2023, `root`
vs `management`, `with_`/`without_server_side_encryption`), and a deployment's `for_each` keys
are its own, so no address is assumed: each resource instance in the pulled state is matched
to the stack's resource of the same type whose identifying attributes (name, bucket, email,
user/role/group it belongs to, the ids of the objects it links) are the same. The result is
`moved` blocks (terraform keeps each object and every attribute, a login profile's
`encrypted_password` too) and `removed { lifecycle { destroy = false } }` blocks for what lz
does not manage (the objects stay in AWS). An instance that cannot be placed stops the whole
stack (`Unmappable`): a half-mapped state would plan destroys.

Both sides are compared in one canonical form: a reference to a named object (an IAM user,
group or role, a bucket, a table) is its name; a reference to an object whose id AWS made
up (an OU, an account, an SCP, a permission set, an ARN) is the lz address the object maps
to. On the state side such ids are turned into addresses once the object they name is mapped,
so the mapping runs until nothing new is placed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Per type: the attributes that say which object an instance is, and whether an instance lz
# does not generate stops the migration (people's users and accounts are never just forgotten:
# project.yaml should name them) or is forgotten (it stays in AWS, listed to the user).
# `None`: lz never takes over that kind of object from the reference.


@dataclass(frozen=True)
class Kind:
    key: tuple[str, ...] | None
    precious: bool = False


KINDS: dict[str, Kind] = {
    # identities
    # A user is a person when it signs in (a login profile, precious); else a machine user, forgotten.
    "aws_iam_user": Kind(("name",)),
    "aws_iam_user_login_profile": Kind(("user",), precious=True),
    "aws_iam_access_key": Kind(("user",)),
    "aws_iam_user_policy_attachment": Kind(("user", "policy_arn")),
    "aws_iam_group": Kind(("name",)),
    # Its `name` forces a replacement and is the group's name in the reference; lz writes its own.
    "aws_iam_group_membership": Kind(None),
    "aws_iam_group_policy": Kind(("group", "name")),
    "aws_iam_group_policy_attachment": Kind(("group", "policy_arn")),
    "aws_iam_policy": Kind(("name",)),
    "aws_iam_role": Kind(("name",)),
    "aws_iam_role_policy": Kind(("role", "name")),
    "aws_iam_role_policy_attachment": Kind(("role", "policy_arn")),
    "aws_iam_account_alias": Kind(()),
    "aws_iam_account_password_policy": Kind(()),
    # tf-backend
    "aws_s3_bucket": Kind(("bucket",)),
    "aws_s3_bucket_server_side_encryption_configuration": Kind(("bucket",)),
    "aws_s3_bucket_versioning": Kind(("bucket",)),
    "aws_s3_bucket_public_access_block": Kind(("bucket",)),
    "aws_s3_bucket_policy": Kind(("bucket",)),
    "aws_s3_bucket_ownership_controls": Kind(("bucket",)),
    "aws_s3_bucket_replication_configuration": Kind(("bucket",)),
    "aws_dynamodb_table": Kind(("name",)),
    "aws_iam_policy_attachment": Kind(None),  # exclusive attachment; cannot be imported either
    "time_sleep": Kind(None),
    "null_resource": Kind(None),
    # organizations
    "aws_organizations_organization": Kind((), precious=True),
    "aws_organizations_account": Kind(("email",), precious=True),
    "aws_organizations_organizational_unit": Kind(("name",)),
    "aws_organizations_policy": Kind(("name",)),
    "aws_organizations_policy_attachment": Kind(("target_id", "policy_id")),
    "aws_organizations_delegated_administrator": Kind(("account_id", "service_principal")),
    "aws_cloudtrail_organization_delegated_admin_account": Kind(()),
    "aws_iam_service_linked_role": Kind(("aws_service_name",)),
    # security-base
    "aws_ebs_encryption_by_default": Kind(()),
    "aws_s3_account_public_access_block": Kind(()),
    "aws_accessanalyzer_analyzer": Kind(("analyzer_name",)),
    "aws_cloudwatch_event_rule": Kind(("name",)),
    "aws_cloudwatch_event_target": Kind(("rule", "target_id")),
    "aws_cloudwatch_metric_alarm": Kind(("alarm_name",)),
    # sso
    "aws_identitystore_user": Kind(("user_name",), precious=True),
    "aws_identitystore_group": Kind(("display_name",)),
    "aws_identitystore_group_membership": Kind(("group_id", "member_id")),
    "aws_ssoadmin_permission_set": Kind(("name",)),
    "aws_ssoadmin_permission_set_inline_policy": Kind(("permission_set_arn",)),
    "aws_ssoadmin_managed_policy_attachment": Kind(("permission_set_arn", "managed_policy_arn")),
    "aws_ssoadmin_account_assignment": Kind(("permission_set_arn", "principal_id", "target_id")),
    "aws_ssoadmin_application": Kind(None),
    "aws_ssoadmin_application_assignment": Kind(None),
}

# Types whose id is their name: a reference to one compares as that name.
NAMED: dict[str, str] = {
    "aws_iam_user": "name",
    "aws_iam_group": "name",
    "aws_iam_role": "name",
    "aws_s3_bucket": "bucket",
    "aws_dynamodb_table": "name",
    "aws_cloudwatch_event_rule": "name",
}
# Ids AWS made up, by the attributes other resources link them with.
_GENERATED_IDS: dict[str, tuple[str, ...]] = {
    "aws_organizations_account": ("id",),
    "aws_organizations_organizational_unit": ("id", "arn"),
    "aws_organizations_policy": ("id", "arn"),
    "aws_iam_policy": ("id", "arn"),
    "aws_iam_role": ("arn", "unique_id"),
    "aws_iam_user": ("arn", "unique_id"),
    "aws_iam_group": ("arn", "unique_id"),
    "aws_identitystore_user": ("user_id",),
    "aws_identitystore_group": ("group_id",),
    "aws_ssoadmin_permission_set": ("arn",),
}
ROOTS = ".roots"  # an organization's root: policies attach to it by its own id
_REFERENCE = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([^}]+)\}$")
_PENDING = object()  # a state value naming an object that is not mapped yet
SHOWN = 5


class MigrationError(Exception):
    """A migration that cannot go ahead: one line for the operator, nothing written."""


class Unmappable(MigrationError):
    """An instance of the reference's state that no resource of the stack is, and lz would not just forget."""


@dataclass(frozen=True)
class Instance:
    """One managed resource instance of a pulled state."""

    address: str  # as `terraform state list` prints it
    type: str
    config_address: str  # without module or instance keys: what a `removed` block names
    attributes: dict[str, Any]
    aliased: bool = False  # written through an aliased provider (another region, which one the state does not say)


@dataclass(frozen=True)
class Migration:
    stack: str
    moved: tuple[tuple[str, str], ...]  # (reference address, lz address)
    forgotten: tuple[str, ...]  # reference addresses lz forgets (the objects stay in AWS)
    unchanged: tuple[str, ...] = ()  # already at lz's address

    def blocks(self) -> dict[str, list[dict[str, Any]]]:
        """The `moved` and `removed` blocks, as a stack's JSON holds them."""
        removed = sorted({_config_address(a) for a in self.forgotten})
        return {
            "moved": [{"from": src, "to": dst} for src, dst in self.moved],
            "removed": [{"from": a, "lifecycle": {"destroy": False}} for a in removed],
        }


def _key_text(key: Any) -> str:
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"


_KEYS = re.compile(r"\[[^\]]*\]")


def _config_address(address: str) -> str:
    # `removed` takes no instance keys (module.user["a"].aws_iam_user.this[0] → module.user.aws_iam_user.this).
    return _KEYS.sub("", address)


def state_instances(state: dict[str, Any]) -> list[Instance]:
    """The managed resource instances of a `terraform state pull` document."""
    found = []
    for res in state.get("resources", []):
        if res.get("mode") != "managed":
            continue
        module = res.get("module") or ""
        base = (f"{module}." if module else "") + f"{res['type']}.{res['name']}"
        for inst in res.get("instances") or []:
            key = inst.get("index_key")
            address = base if key is None else base + _key_text(key)
            provider = str(res.get("provider") or "]")
            aliased = not provider.endswith("]")  # provider["…/aws"].secondary
            found.append(Instance(address, res["type"], _config_address(base), inst.get("attributes") or {}, aliased))
    return found


@dataclass(frozen=True)
class _Ref:
    address: str


def _lz_value(doc: dict[str, Any], value: Any) -> Any:
    """A stack attribute in canonical form: a literal, a named object's name, or a reference (None: not comparable)."""
    if not isinstance(value, str):
        return None
    match = _REFERENCE.match(value)
    if not match:
        return None if "${" in value else value
    rtype, name, attr = match.groups()
    if attr.startswith("roots"):
        return _Ref(f"{rtype}.{name}{ROOTS}")
    if rtype in NAMED and attr in ("id", "name", NAMED[rtype]):
        target = doc.get("resource", {}).get(rtype, {}).get(name, {})
        literal = target.get(NAMED[rtype])
        return literal if isinstance(literal, str) and "${" not in literal else _Ref(f"{rtype}.{name}")
    return _Ref(f"{rtype}.{name}")


def _lz_regions(doc: dict[str, Any]) -> dict[str, str | None]:
    """Each resource's region: its provider's (one stack has a provider per region)."""
    providers = doc.get("provider", {}).get("aws", [])
    providers = providers if isinstance(providers, list) else [providers]
    by_alias = {p.get("alias"): p.get("region") for p in providers if isinstance(p, dict)}
    regions: dict[str, str | None] = {}
    for rtype, resources in doc.get("resource", {}).items():
        for name, body in resources.items():
            provider = str(body.get("provider") or "aws")
            regions[f"{rtype}.{name}"] = by_alias.get(provider.split(".", 1)[1] if "." in provider else None)
    return regions


def _state_region(inst: Instance, primary: str | None) -> str | None:
    """An instance's region: its ARN's, else the default provider's (the stack's primary); None: unknown."""
    arn = inst.attributes.get("arn")
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) > 3 and parts[3]:
        return parts[3]
    return None if inst.aliased else primary


def _lz_keys(doc: dict[str, Any]) -> dict[str, dict[str, tuple[Any, ...] | None]]:
    """Per type: each generated resource's address and its canonical key."""
    keys: dict[str, dict[str, tuple[Any, ...] | None]] = {}
    for rtype, resources in doc.get("resource", {}).items():
        kind = KINDS.get(rtype)
        for name, body in resources.items():
            values = None if kind is None or kind.key is None else tuple(_lz_value(doc, body.get(a)) for a in kind.key)
            keys.setdefault(rtype, {})[f"{rtype}.{name}"] = None if values is None or None in values else values
    return keys


class _StateIds:
    """Which state instance a value found in another instance names (ids AWS made up)."""

    def __init__(self, instances: list[Instance]) -> None:
        self.by_value: dict[str, tuple[str, str]] = {}
        for inst in instances:
            for attr in _GENERATED_IDS.get(inst.type, ()):
                value = inst.attributes.get(attr)
                if isinstance(value, str) and value:
                    self.by_value[value] = (inst.address, "")
            if inst.type == "aws_organizations_organization":
                for root in inst.attributes.get("roots") or []:
                    if isinstance(root, dict) and root.get("id"):
                        self.by_value[str(root["id"])] = (inst.address, ROOTS)

    def canonical(self, value: Any, own: str, mapped: dict[str, str]) -> Any:
        if not isinstance(value, str):
            return None
        hit = self.by_value.get(value)
        if hit is None or hit[0] == own:
            return value
        address, suffix = hit
        return _Ref(mapped[address] + suffix) if address in mapped else _PENDING


def plan_migration(stack: str, doc: dict[str, Any], state: dict[str, Any]) -> Migration:
    """Map every managed instance of `state` onto `doc`'s resources; raise Unmappable when one cannot be placed."""
    instances = state_instances(state)
    lz = _lz_keys(doc)
    generated = {address for per_type in lz.values() for address in per_type}
    ids = _StateIds(instances)
    regions = _lz_regions(doc)
    primary = _lz_regions({"provider": doc.get("provider", {}), "resource": {"x": {"y": {}}}})["x.y"]
    mapped: dict[str, str] = {}  # reference address → lz address
    unchanged = [i.address for i in instances if i.address in generated]
    mapped.update({a: a for a in unchanged})
    claimed: dict[str, str] = {a: a for a in unchanged}  # lz address → reference address
    problems: list[str] = []
    # An object lz imports by its id (the management account) is the state's instance with that
    # id, whatever its other attributes (AWS's email and name for the account, not project.yaml's).
    for block in doc.get("import") or []:
        target, wanted = str(block.get("to", "")), block.get("id")
        for inst in instances:
            if inst.address not in mapped and target.startswith(f"{inst.type}.") and target not in claimed and inst.attributes.get("id") == wanted:
                mapped[inst.address], claimed[target] = target, inst.address
    todo = [i for i in instances if i.address not in mapped and (KINDS.get(i.type) or Kind(None)).key is not None]
    final = False
    while todo:
        left = []
        for inst in todo:
            key_attrs = KINDS[inst.type].key or ()
            values = tuple(ids.canonical(inst.attributes.get(a), inst.address, mapped) for a in key_attrs)
            if _PENDING in values and not final:
                left.append(inst)
                continue
            region = _state_region(inst, primary)
            matches = [a for a, k in lz.get(inst.type, {}).items() if k is not None and k == values and (region is None or regions[a] in (None, region))]
            if len(matches) > 1:
                problems.append(f"{inst.address} is any of {', '.join(sorted(matches))}")
            elif matches and matches[0] in claimed:
                problems.append(f"{inst.address} and {claimed[matches[0]]} are both {matches[0]}")
            elif matches:
                mapped[inst.address] = matches[0]
                claimed[matches[0]] = inst.address
        if len(left) == len(todo):
            final = True  # nothing more resolves: what still names an unmapped object compares as itself
        todo = left
    forgotten, moved = [], []
    people = {i.attributes.get("user") for i in instances if i.type == "aws_iam_user_login_profile"}
    for inst in instances:
        if inst.address in mapped:
            if mapped[inst.address] != inst.address:
                moved.append((inst.address, mapped[inst.address]))
            continue
        kind = KINDS.get(inst.type)
        if kind is None:
            problems.append(f"{inst.address}: lz knows no {inst.type} of the reference")
        elif kind.precious or (inst.type == "aws_iam_user" and inst.attributes.get("name") in people):
            what = ", ".join(f"{a}={inst.attributes.get(a)!r}" for a in kind.key or ())
            problems.append(f"{inst.address} ({what or inst.type}) is nothing this stack generates")
        else:
            forgotten.append(inst.address)
    clash = sorted({_config_address(a) for a in forgotten} & generated)
    problems += [f"{a} is an address lz generates and one the reference's state forgets" for a in clash]
    if problems:
        shown = "; ".join(problems[:SHOWN]) + (f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")
        raise Unmappable(f"{stack}: {len(problems)} of the state's resources cannot be mapped, nothing written: {shown}")
    return Migration(stack, tuple(moved), tuple(forgotten), tuple(unchanged))
