"""Escalation paths: what a person reaches beyond `sts:AssumeRole`, as PMapper's graph sees it.

Besides assuming a role its trust admits, a principal becomes role R when it may rewrite R's
trust (`iam:UpdateAssumeRolePolicy`) and then assume it, or pass R to a service that runs its
code (Lambda, EC2, CloudFormation, Glue, CodeBuild, ECS); it becomes user U when it may make
U keys or a password; it becomes administrator of its account when it may change its own
permissions (or those of a role it assumes). Every edge is one evaluator decision (PMapper's
simulator under the account's SCPs), with the caller's MFA state: new keys carry no MFA.
Our own code, after PMapper's edge checkers (principalmapper/graphing/*_edges.py), which
read a live account: here the graph comes from the synthesized JSON.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Literal

from landing_zone import naming
from landing_zone.access import evaluator
from landing_zone.access.decide import FRESH_MFA, NO_MFA, Caller, Mfa, _start
from landing_zone.access.evaluator import Principal
from landing_zone.access.model import AccessModel

Kind = Literal["user", "role", "admin"]
# A service that runs code the caller supplies with a role it passes: (trusted service, the call).
CODE_RUNNERS = (
    ("lambda.amazonaws.com", "lambda:CreateFunction"),
    ("ec2.amazonaws.com", "ec2:RunInstances"),
    ("cloudformation.amazonaws.com", "cloudformation:CreateStack"),
    ("glue.amazonaws.com", "glue:CreateDevEndpoint"),
    ("codebuild.amazonaws.com", "codebuild:CreateProject"),
    ("ecs-tasks.amazonaws.com", "ecs:RunTask"),
)
# Writing these on oneself (or on a role one assumes) is writing one's own permissions.
_ROLE_PERMISSION_WRITES = ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary")
_USER_PERMISSION_WRITES = ("iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:AddUserToGroup")
_USER_TAKEOVER = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
# What "may rewrite IAM" means for a reached principal: any of these on a role or user of its account.
IAM_REWRITES = ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey", "iam:PutUserPolicy")
_PROBE = "lz-escalation-probe"  # a role/user name nothing in the landing zone uses


@dataclass(frozen=True, order=True)
class Node:
    kind: Kind
    account: str
    name: str = ""  # role or user name; "" for admin
    group: str = ""  # a start: only this IAM group's rights

    @property
    def label(self) -> str:
        return f"administrator of {self.account}" if self.kind == "admin" else f"{self.name}@{self.account}"


@dataclass(frozen=True, order=True)
class Path:
    """One thing a start reaches, and how: each step in words."""

    who: str  # "IAM group security/devops"
    members: tuple[str, ...]
    reaches: str  # Node.label
    account: str
    mfa: str  # "no": reached without MFA; "yes": only with a fresh MFA sign-in
    chain: tuple[str, ...]
    rewrites_iam: bool  # the reached principal may rewrite IAM (or is administrator)
    escalation: bool  # some step is more than an sts:AssumeRole the trust admits

    def as_dict(self) -> dict[str, object]:
        return {
            "who": self.who,
            "members": list(self.members),
            "reaches": self.reaches,
            "account": self.account,
            "mfa": self.mfa,
            "chain": list(self.chain),
            "rewrites_iam": self.rewrites_iam,
            "escalation": self.escalation,
        }


@dataclass(frozen=True)
class _Edge:
    to: Node
    step: str
    escalation: bool
    mfa: Mfa | None = None  # the MFA state after the step (None: unchanged)


def _principal(model: AccessModel, node: Node) -> tuple[Principal, dict[str, str]]:
    if node.kind == "user":
        return _start(model, Caller("user", node.account, node.name, group=node.group))
    role = model.roles[(node.account, node.name)]
    return Principal(naming.role_arn(model.accounts[node.account].id, node.name), role.policies, trust=role.trust), {}


class _Graph:
    """Edges out of a node under one MFA state, every decision made once."""

    def __init__(self, model: AccessModel) -> None:
        self.model = model
        self._memo: dict[tuple[Node, bool, str, str, bool], bool] = {}

    def allowed(self, node: Node, mfa: Mfa, action: str, resource: str, *, trust: bool = False) -> bool:
        key = (node, mfa.present, action, resource, trust)
        if key not in self._memo:
            principal, base = _principal(self.model, node)
            ctx = {**base, **mfa.context(), "aws:RequestedRegion": self.model.accounts[node.account].region}
            target = self.model.account_of(resource.split(":")[4]) if resource.startswith("arn:aws:iam::") else None
            role = self.model.roles.get((target.name, resource.rsplit("/", 1)[-1])) if target and trust else None
            self._memo[key] = evaluator.allowed(
                principal,
                action,
                resource,
                ctx,
                resource_policy=role.trust if role else None,
                resource_owner=target.id if role and target else None,
                scps=self.model.scp_documents(node.account),
            )
        return self._memo[key]

    def arn(self, node: Node) -> str:
        return f"arn:aws:iam::{self.model.accounts[node.account].id}:{node.kind}/{node.name}"

    def rewrites_iam(self, node: Node, mfa: Mfa) -> bool:
        if node.kind == "admin":
            return True
        probes = [Node("role", node.account, _PROBE), Node("user", node.account, _PROBE)]
        return any(self.allowed(node, mfa, action, self.arn(p)) for action in IAM_REWRITES for p in probes)

    def self_writes(self, node: Node, mfa: Mfa) -> list[str]:
        """The writes on its own permissions `node` may make."""
        own = _ROLE_PERMISSION_WRITES if node.kind == "role" else _USER_PERMISSION_WRITES
        return [a for a in own if self.allowed(node, mfa, a, self.arn(node))]

    def edges(self, node: Node, mfa: Mfa) -> list[_Edge]:
        if node.kind == "admin":
            return []
        out: list[_Edge] = []
        writes = self.self_writes(node, mfa)
        if writes:
            out.append(_Edge(Node("admin", node.account), f"{writes[0]} on itself", True))
        for (account, name), role in sorted(self.model.roles.items()):
            target = Node("role", account, name)
            if target == node:
                continue
            arn = self.arn(target)
            if self.allowed(node, mfa, "sts:AssumeRole", arn, trust=True):
                out.append(_Edge(target, f"assume {target.label}", False))
                if account == node.account:
                    edits = [a for a in _ROLE_PERMISSION_WRITES[:2] if self.allowed(node, mfa, a, arn)]
                    if edits:
                        out.append(_Edge(Node("admin", account), f"{edits[0]} on {target.label}, then assume it", True))
                continue
            if account != node.account:  # IAM writes reach only the caller's own account
                continue
            if self.allowed(node, mfa, "iam:UpdateAssumeRolePolicy", arn) and self.allowed(node, mfa, "sts:AssumeRole", arn):
                out.append(_Edge(target, f"iam:UpdateAssumeRolePolicy on {target.label}, then assume it", True))
                continue
            for service, call in CODE_RUNNERS:
                if evaluator.service_trusted(role.trust, service, arn) and self.allowed(node, mfa, "iam:PassRole", arn) and self.allowed(node, mfa, call, "*"):
                    out.append(_Edge(target, f"iam:PassRole {target.label} to {service} ({call})", True))
                    break
        for account, name in sorted(self.model.users):
            target = Node("user", account, name)
            if account != node.account or (node.kind == "user" and name == node.name):
                continue
            takes = [a for a in _USER_TAKEOVER if self.allowed(node, mfa, a, self.arn(target))]
            if takes:
                out.append(_Edge(target, f"{takes[0]} for {target.label}", True, NO_MFA))
        return out


def _starts(model: AccessModel) -> list[tuple[str, tuple[str, ...], Node]]:
    """Every IAM group with members, as its first member holding only that group's rights."""
    return [
        (f"IAM group {account}/{name}", group.members, Node("user", account, group.members[0], group=name))
        for (account, name), group in sorted(model.groups.items())
        if group.members
    ]


def _walk(graph: _Graph, start: Node, mfa: Mfa) -> dict[Node, tuple[tuple[str, ...], bool, Mfa]]:
    """Breadth first: the shortest chain to each node (steps, any escalation step, MFA state there)."""
    seen: dict[Node, tuple[tuple[str, ...], bool, Mfa]] = {start: ((), False, mfa)}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        chain, escalated, state = seen[node]
        for edge in graph.edges(node, state):
            to = edge.to if edge.to.kind != "user" else replace(edge.to, group="")
            if to not in seen:
                seen[to] = ((*chain, edge.step), escalated or edge.escalation, edge.mfa or state)
                todo.append(to)
    return seen


def paths(model: AccessModel, only: str | None = None) -> list[Path]:
    """For every IAM group (or `only` that one, "account/group"): each principal it reaches,
    with the chain, with and without MFA."""
    graph = _Graph(model)
    rows: list[Path] = []
    for who, members, start in _starts(model):
        if only and who != f"IAM group {only}":
            continue
        with_mfa, without = _walk(graph, start, FRESH_MFA), _walk(graph, start, NO_MFA)
        for node, (chain, escalated, state) in sorted(with_mfa.items()):
            if node == start:
                continue
            plain = without.get(node)
            chain, escalated, state = plain if plain else (chain, escalated, state)
            rows.append(Path(who, members, node.label, node.account, "no" if plain else "yes", chain, graph.rewrites_iam(node, state), escalated))
    return sorted(rows)


def escalations(rows: list[Path]) -> list[Path]:
    """The rows reached through more than a trust that admits the caller."""
    return [r for r in rows if r.escalation]


def render_chain(row: Path) -> str:
    mfa = " (MFA)" if row.mfa == "yes" else ""
    return f"{row.who} ⇒ {row.reaches}{mfa}: " + " → ".join(row.chain)


def self_editing_roles(model: AccessModel, rows: list[Path]) -> set[str]:
    """Names of the roles people reach (with MFA) that may change their own permissions."""
    graph = _Graph(model)
    reached = {(r.account, r.reaches.split("@", 1)[0]) for r in rows if "@" in r.reaches and (r.account, r.reaches.split("@", 1)[0]) in model.roles}
    return {name for account, name in reached if graph.self_writes(Node("role", account, name), FRESH_MFA)}
