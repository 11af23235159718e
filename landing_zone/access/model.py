"""The access model: every identity, role, permission set and SCP of the synthesized stacks.

Built from the JSON terraform gets (nothing from project.yaml), with the references between
resources resolved (`${aws_iam_group.x.name}` → the group's name).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from landing_zone import layers, naming
from landing_zone.access import managed_policies
from landing_zone.access.terraform import Json, Stacks, imported, policy_document, provider, ref, resources, tags

Policies = tuple[tuple[str, Json], ...]  # (policy name or managed ARN, document)


@dataclass(frozen=True)
class Account:
    name: str
    id: str
    region: str
    # SCP names per level of the organization (root, OUs top-down, account); None: management
    scp_levels: tuple[tuple[str, ...], ...] | None


@dataclass(frozen=True)
class IamGroup:
    account: str
    name: str
    policies: Policies
    members: tuple[str, ...]


@dataclass(frozen=True)
class IamUser:
    account: str
    name: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class IamRole:
    account: str
    name: str
    trust: Json
    policies: Policies
    adopted: bool


@dataclass(frozen=True)
class PermissionSet:
    name: str
    policies: Policies
    # (Identity Center group display name, account name) per assignment
    assignments: tuple[tuple[str, str], ...]


@dataclass
class AccessModel:
    project: str
    short_name: str
    accounts: dict[str, Account] = field(default_factory=dict)
    scps: dict[str, Json] = field(default_factory=dict)
    groups: dict[tuple[str, str], IamGroup] = field(default_factory=dict)
    users: dict[tuple[str, str], IamUser] = field(default_factory=dict)
    roles: dict[tuple[str, str], IamRole] = field(default_factory=dict)
    permission_sets: dict[str, PermissionSet] = field(default_factory=dict)
    sso_members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group display name → user names
    # A delegation policy lets member accounts manage Organizations policies (none by default).
    organizations_delegated: bool = False
    # OIDC identity providers (the ci layer's GitHub issuer): ARN → the audiences (client ids) IAM accepts
    oidc_providers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def account_of(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.id == account_id), None)

    def scp_documents(self, account: str) -> list[list[Json]] | None:
        levels = self.accounts[account].scp_levels
        return None if levels is None else [[self.scps[name] for name in level] for level in levels]

    def scp_names(self, account: str) -> tuple[str, ...]:
        """The SCPs of the landing zone that apply to `account` (FullAWSAccess left out)."""
        levels = self.accounts[account].scp_levels or ()
        return tuple(dict.fromkeys(n for level in levels for n in level if n != managed_policies.FULL_AWS_ACCESS))


def _managed(arn: str) -> tuple[str, Json]:
    return arn, managed_policies.document(arn)


def stack_account(stack_id: str, stack: Json) -> str:
    """The account a synthesized stack deploys into: its default tag, else its id's account part."""
    return tags(stack).get("Account") or layers.parse_stack_id(stack_id)[0]


def build(stacks: Stacks, known_ids: dict[str, str] | None = None) -> AccessModel:
    """`known_ids` (account name → id) fills in ids the stacks do not carry: an MFA-mode synth
    of a release before stacks recorded theirs (`lz plan` compares it with today's)."""
    first = next(iter(stacks.values()))
    model = AccessModel(project=tags(first).get("Project", ""), short_name=_short_name(stacks))
    _accounts(model, stacks, known_ids or {})
    for stack_id, stack in stacks.items():
        account = stack_account(stack_id, stack)
        _iam(model, account, stack)
        if "aws_ssoadmin_permission_set" in (stack.get("resource") or {}):
            _sso(model, stack)
    return model


def _short_name(stacks: Stacks) -> str:
    # The state bucket is `<short>-<account>-terraform-backend` (naming.state_bucket).
    for stack_id, stack in stacks.items():
        bucket = ((stack.get("terraform") or {}).get("backend") or {}).get("s3", {}).get("bucket", "")
        suffix = naming.state_bucket("", stack_account(stack_id, stack)).removeprefix("-")
        if bucket.endswith(suffix):
            return bucket.removesuffix(f"-{suffix}")
    return ""


def _accounts(model: AccessModel, stacks: Stacks, known_ids: dict[str, str]) -> None:
    ids: dict[str, str] = {}
    regions: dict[str, str] = {}
    org: Json | None = None
    for stack_id, stack in stacks.items():
        account = stack_account(stack_id, stack)
        regions.setdefault(account, provider(stack).get("region", ""))
        role = (provider(stack).get("assume_role") or [{}])[0].get("role_arn", "")
        if role:  # member stacks reach their account through its OAAR (or a ci role)
            ids[account] = role.split(":")[4]
        elif recorded := ((stack.get("//") or {}).get(naming.STACK_METADATA) or {}).get("account_id"):
            ids[account] = str(recorded)  # MFA mode: the provider assumes no role (stacks/base.py)
        if "aws_organizations_organization" in (stack.get("resource") or {}):
            org = stack
    ids = {a: known_ids[a] for a in regions if a in known_ids and a != naming.MANAGEMENT} | ids
    if naming.MANAGEMENT in regions and naming.MANAGEMENT not in ids:  # its stacks assume no role
        ids[naming.MANAGEMENT] = _management_id(stacks)
    if org is None:  # stacks deployed before the organization: no SCPs known
        for account, account_id in ids.items():
            model.accounts[account] = Account(account, account_id, regions[account], None)
        return
    management_import = {b["to"].split(".", 1)[1]: b["id"] for b in org.get("import", []) if b["to"].startswith("aws_organizations_account.")}
    model.organizations_delegated = bool((org.get("resource") or {}).get("aws_organizations_resource_policy"))
    model.scps = {name: policy_document(body["content"]) for name, body in _named(org, "aws_organizations_policy")}
    model.scps[managed_policies.FULL_AWS_ACCESS] = managed_policies.FULL_AWS_ACCESS_DOCUMENT
    attached: dict[str, list[str]] = {}
    policy_names = {key: body["name"] for key, body in resources(org, "aws_organizations_policy")}
    for _, body in resources(org, "aws_organizations_policy_attachment"):
        target = (
            ref("aws_organizations_organizational_unit", body["target_id"]) or ref("aws_organizations_account", body["target_id"]) or str(body["target_id"])
        )
        attached.setdefault(target, []).append(policy_names[ref("aws_organizations_policy", body["policy_id"]) or ""])
    ous = dict(resources(org, "aws_organizations_organizational_unit"))

    def levels(parent: str, own: str) -> tuple[tuple[str, ...], ...]:
        chain: list[str] = []
        ou = ref("aws_organizations_organizational_unit", parent)
        while ou:
            chain.insert(0, ou)
            ou = ref("aws_organizations_organizational_unit", ous[ou]["parent_id"])
        full = managed_policies.FULL_AWS_ACCESS
        return ((full,), *((full, *sorted(attached.get(o, []))) for o in chain), (full, *sorted(attached.get(own, []))))

    prefix = naming.org_account_name(model.project, "")
    for key, body in resources(org, "aws_organizations_account"):
        name = body["name"].removeprefix(prefix)
        if key in management_import:
            model.accounts[name] = Account(name, management_import[key], regions.get(name, ""), None)
        elif name in ids:  # an account whose id is not known yet has no stacks
            model.accounts[name] = Account(name, ids[name], regions.get(name, ""), levels(body["parent_id"], key))


def _management_id(stacks: Stacks) -> str:
    """The management account's id without the organizations stack: every OAAR trusts its root."""
    for stack in stacks.values():
        for _, body in resources(stack, "aws_iam_role"):
            if body.get("name") == naming.OAAR_ROLE:
                principals = policy_document(body["assume_role_policy"])["Statement"][0]["Principal"]["AWS"]
                return str(principals[0] if isinstance(principals, list) else principals).split(":")[4]
    return "000000000000"


def _named(stack: Json, kind: str) -> list[tuple[str, Json]]:
    return [(body["name"], body) for _, body in resources(stack, kind)]


def _iam(model: AccessModel, account: str, stack: Json) -> None:
    groups = {key: body["name"] for key, body in resources(stack, "aws_iam_group")}
    users = {key: body["name"] for key, body in resources(stack, "aws_iam_user")}
    group_policies: dict[str, list[tuple[str, Json]]] = {g: [] for g in groups.values()}
    members: dict[str, list[str]] = {g: [] for g in groups.values()}
    for _, body in resources(stack, "aws_iam_group_policy"):
        group_policies[groups[ref("aws_iam_group", body["group"]) or ""]].append((body["name"], policy_document(body["policy"])))
    for _, body in resources(stack, "aws_iam_group_policy_attachment"):
        group_policies[groups[ref("aws_iam_group", body["group"]) or ""]].append(_managed(body["policy_arn"]))
    for _, body in resources(stack, "aws_iam_group_membership"):
        members[groups[ref("aws_iam_group", body["group"]) or ""]] += [users[ref("aws_iam_user", u) or ""] for u in body["users"]]
    for group, docs in group_policies.items():
        model.groups[(account, group)] = IamGroup(account, group, tuple(docs), tuple(sorted(members[group])))
    for user in users.values():
        model.users[(account, user)] = IamUser(account, user, tuple(sorted(g for g, m in members.items() if user in m)))

    owner = model.accounts.get(account)
    for _, body in resources(stack, "aws_iam_openid_connect_provider"):
        if owner:
            issuer = str(body["url"]).removeprefix("https://")
            model.oidc_providers[f"arn:aws:iam::{owner.id}:oidc-provider/{issuer}"] = tuple(body.get("client_id_list") or ())
    roles = dict(resources(stack, "aws_iam_role"))
    attached: dict[str, list[tuple[str, Json]]] = {key: [] for key in roles}
    for _, body in resources(stack, "aws_iam_role_policy_attachment"):
        attached[ref("aws_iam_role", body["role"]) or ""].append(_managed(body["policy_arn"]))
    for _, body in resources(stack, "aws_iam_role_policy"):  # inline policies
        attached[ref("aws_iam_role", body["role"]) or ""].append((body["name"], policy_document(body["policy"])))
    adopted = imported(stack)
    for key, body in roles.items():
        model.roles[(account, body["name"])] = IamRole(
            account, body["name"], policy_document(body["assume_role_policy"]), tuple(attached[key]), f"aws_iam_role.{key}" in adopted
        )


def _sso(model: AccessModel, stack: Json) -> None:
    groups = {key: body["display_name"] for key, body in resources(stack, "aws_identitystore_group")}
    people = {key: body["user_name"] for key, body in resources(stack, "aws_identitystore_user")}
    members: dict[str, list[str]] = {g: [] for g in groups.values()}
    for _, body in resources(stack, "aws_identitystore_group_membership"):
        members[groups[ref("aws_identitystore_group", body["group_id"]) or ""]].append(people[ref("aws_identitystore_user", body["member_id"]) or ""])
    model.sso_members = {g: tuple(sorted(m)) for g, m in members.items()}
    sets = {key: body["name"] for key, body in resources(stack, "aws_ssoadmin_permission_set")}
    docs: dict[str, list[tuple[str, Json]]] = {name: [] for name in sets.values()}
    assignments: dict[str, list[tuple[str, str]]] = {name: [] for name in sets.values()}
    for _, body in resources(stack, "aws_ssoadmin_managed_policy_attachment"):
        docs[sets[ref("aws_ssoadmin_permission_set", body["permission_set_arn"]) or ""]].append(_managed(body["managed_policy_arn"]))
    for key, body in resources(stack, "aws_ssoadmin_permission_set_inline_policy"):
        docs[sets[ref("aws_ssoadmin_permission_set", body["permission_set_arn"]) or ""]].append((key, policy_document(body["inline_policy"])))
    for _, body in resources(stack, "aws_ssoadmin_account_assignment"):
        pset = sets[ref("aws_ssoadmin_permission_set", body["permission_set_arn"]) or ""]
        target = model.account_of(str(body["target_id"]))
        group = groups[ref("aws_identitystore_group", body["principal_id"]) or ""]
        assignments[pset].append((group, target.name if target else str(body["target_id"])))
    for name in sets.values():
        model.permission_sets[name] = PermissionSet(name, tuple(docs[name]), tuple(sorted(assignments[name])))
