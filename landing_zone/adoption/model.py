"""What the adoption reads found: ids per object project.yaml describes, and what it does not.

The deploy step reads (adoption/organizations.py) and hands this to synth as an argument, as it
hands the member account ids: synth never calls AWS and never reads deploy state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Tag on every object lz adopted: the next run (and `lz down`, which releases instead of
# destroying) knows it by this, whatever the state says. An object tagged ManagedBy=landing-zone
# without it was created by lz (stacks/target.py's default tags) and is destroyed by `lz down`.
ADOPTED_TAG = "lz-adopted"
# On the management account (the organization has no tags): the organization was adopted.
ADOPTED_ORGANIZATION_TAG = "lz-adopted-organization"
# On an adopted SCP: the OU ids it was attached to when adopted. Attachments have no tags, and
# an attachment lz added to an adopted OU is its own (`lz down` detaches it): only these are
# imported again, and released.
ADOPTED_TARGETS_TAG = "lz-adopted-targets"
# On an adopted member account: the services it administered for the organization when adopted
# (delegated administrators have no tags either; the same reasoning as for attachments).
ADOPTED_DELEGATIONS_TAG = "lz-adopted-delegations"
# On an adopted permission set: the account ids where it was assigned to lz's group of the same
# key when adopted (assignments have no tags: those lz adds later are its own, as attachments).
ADOPTED_ASSIGNMENTS_TAG = "lz-adopted-assignments"
MANAGED_BY = ("ManagedBy", "landing-zone")


def adopted_targets(attachments: dict[str, str], policy: str) -> str:
    """The value of ADOPTED_TARGETS_TAG for `policy` ("none" when it was attached to none of them)."""
    return " ".join(sorted(v.split(":")[0] for k, v in attachments.items() if k.split("/")[0] == policy)) or "none"


class AdoptionError(Exception):
    """project.yaml and the existing organization cannot be matched (one line, exit 1)."""


@dataclass(frozen=True)
class Adopted:
    organization: str | None = None  # the organization's id, when lz did not create it
    ous: dict[str, str] = field(default_factory=dict)  # OU name → id
    accounts: dict[str, str] = field(default_factory=dict)  # member account name → id
    policies: dict[str, str] = field(default_factory=dict)  # SCP name → id
    attachments: dict[str, str] = field(default_factory=dict)  # "<policy>/<ou>" → "<ou id>:<policy id>"
    groups: dict[str, str] = field(default_factory=dict)  # Identity Center group display name → "<store id>/<group id>"
    delegations: dict[str, str] = field(default_factory=dict)  # "<account>/<service principal>" → "<account id>/<principal>"
    # Identity Center (adoption/identity_center.py), import ids as the provider takes them
    users: dict[str, str] = field(default_factory=dict)  # user name → "<store id>/<user id>"
    memberships: dict[str, str] = field(default_factory=dict)  # "<user name>/<group display name>" → "<store id>/<membership id>"
    permission_sets: dict[str, str] = field(default_factory=dict)  # name → "<permission set arn>,<instance arn>"
    # "<permission set name>/<managed policy arn>" → "<policy arn>,<ps arn>,<instance arn>"; "<name>/inline" → "<ps arn>,<instance arn>"
    permission_set_policies: dict[str, str] = field(default_factory=dict)
    assignments: dict[str, str] = field(default_factory=dict)  # "<permission set name>/<account id>" → the assignment's import id
    # IAM in the accounts (adoption/iam.py): "<account>/<user>" → import id (the user name)
    iam_users: dict[str, str] = field(default_factory=dict)
    iam_login_profiles: dict[str, str] = field(default_factory=dict)
    iam_groups: dict[str, str] = field(default_factory=dict)  # "<account>/<group>" → the group's name
    iam_roles: dict[str, str] = field(default_factory=dict)  # "<account>/<role>" → the role's name
    # "<account>/<group|role>/<name>/<policy arn | inline policy name>" → the attachment's (inline policy's) import id
    iam_policies: dict[str, str] = field(default_factory=dict)
    iam_account: dict[str, str] = field(default_factory=dict)  # "<account>/alias" | "<account>/password-policy" → import id
    # An account's state bucket and lock table (adoption/state_backend.py): "<account>/bucket" | "<account>/lock-table" → the name
    state_backends: dict[str, str] = field(default_factory=dict)
    unmanaged: tuple[str, ...] = ()  # what exists that project.yaml does not describe

    def __bool__(self) -> bool:
        return bool(
            self.organization
            or self.ous
            or self.accounts
            or self.policies
            or self.attachments
            or self.delegations
            or self.groups
            or self.users
            or self.permission_sets
            or self.iam_users
            or self.iam_groups
            or self.iam_roles
            or self.state_backends
            or self.iam_account
        )


NOTHING = Adopted()


def adopted_delegations(delegations: dict[str, str], account: str) -> str:
    """The value of ADOPTED_DELEGATIONS_TAG for `account` ("none" when it administered none of lz's)."""
    return " ".join(sorted(k.split("/", 1)[1] for k in delegations if k.split("/", 1)[0] == account)) or "none"


def adopted_assignments(assignments: dict[str, str], permission_set: str) -> str:
    """The value of ADOPTED_ASSIGNMENTS_TAG for `permission_set` ("none" when it was assigned nowhere)."""
    return " ".join(sorted(k.split("/", 1)[1] for k in assignments if k.split("/", 1)[0] == permission_set)) or "none"
