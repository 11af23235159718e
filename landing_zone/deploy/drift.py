"""`lz drift`: what changed in AWS outside lz, per stack, and what `lz up` would do about it.

Each stack gets `terraform plan -refresh-only` (state against AWS: the drift) and, when it
drifted, the normal plan (what the next `lz up` changes back). Both plans are read with
`terraform show -json`, whose sensitive markers mask secrets. Objects terraform cannot see
because nothing in the state names them (a policy attached to a managed role by hand, an SCP
attached to a managed OU) are read through the API (deploy/drift_api.py).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from landing_zone import layers
from landing_zone.deploy import fingerprint, process
from landing_zone.deploy.bootstrap import remote_state_exists, state_bucket_exists
from landing_zone.deploy.context import DeployContext, NotSynthesized
from landing_zone.deploy.graph import Task, run_graph
from landing_zone.deploy.orchestrate import Selection, emulator_checked, plan_tasks
from landing_zone.deploy.progress import Progress
from landing_zone.deploy.terraform import Terraform, TerraformError

MASK = "(sensitive)"
DRIFT_PLAN, UP_PLAN = "drift.tfplan", "drift-up.tfplan"
_LONG = 240  # a value longer than this is cut in the report (policies are split per field first)

# Resource types whose change can change who reaches what (access/drift.py reads them).
ACCESS_TYPES = frozenset(
    {
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_group_policy",
        "aws_iam_group_policy_attachment",
        "aws_iam_group_membership",
        "aws_iam_user_group_membership",
        "aws_iam_user",
        "aws_organizations_policy",
        "aws_organizations_policy_attachment",
        "aws_ssoadmin_permission_set_inline_policy",
        "aws_ssoadmin_managed_policy_attachment",
        "aws_ssoadmin_account_assignment",
        "aws_identitystore_group_membership",
    }
)


@dataclass(frozen=True)
class AttributeChange:
    path: str  # "versioning_configuration[0].status", "policy.Statement[0].Action"
    before: str  # rendered; MASK when terraform marks the value sensitive
    now: str


@dataclass
class Drifted:
    """One resource whose AWS object no longer matches the state (or one lz does not know)."""

    stack: str
    address: str  # terraform address, or `outside-lz: <what>` for an object read through the API
    kind: str  # "changed", "deleted" or "created outside lz"
    attributes: list[AttributeChange] = field(default_factory=list)
    up_would: str = ""  # what the next `lz up` does to it: "update", "create", "replace", "delete"; "" nothing
    # For access/drift.py: the resource as it is now in AWS, in terraform's own attribute names
    # (None: gone). Never rendered (it holds clear values).
    now: dict[str, Any] | None = None
    access: list[str] = field(default_factory=list)  # filled by the access model (cli/drift.py)

    @property
    def type(self) -> str:
        return self.address.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.address.split(".", 1)[1] if "." in self.address else self.address

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "address": self.address,
            "kind": self.kind,
            "attributes": [{"path": a.path, "before": a.before, "now": a.now} for a in self.attributes],
            "lz_up_would": self.up_would or None,
            "access": self.access,
        }


@dataclass
class StackDrift:
    stack: str
    account: str
    status: str  # "no drift", "drifted", or why the stack was not compared (not deployed yet)
    drifted: list[Drifted] = field(default_factory=list)
    state: list[dict[str, Any]] = field(default_factory=list)  # refreshed state resources (API reads)


def _flat(value: Any, sensitive: Any, path: str, hidden: bool = False) -> Iterator[tuple[str, Any, bool]]:
    """(path, leaf value, sensitive); JSON held in strings (policies) is split too."""
    hidden = hidden or sensitive is True
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, dict) and value:
        marks = sensitive if isinstance(sensitive, dict) else {}
        for key in sorted(value):
            yield from _flat(value[key], marks.get(key), f"{path}.{key}" if path else key, hidden)
    elif isinstance(value, list) and value:
        items = sensitive if isinstance(sensitive, list) else []
        for i, item in enumerate(value):
            yield from _flat(item, items[i] if i < len(items) else None, f"{path}[{i}]", hidden)
    else:
        yield path, value, hidden


def _render(value: Any) -> str:
    text = "(none)" if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= _LONG else text[: _LONG - 1] + "…"


def _empty(value: Any) -> bool:
    return value in (None, "", [], {}) and value is not False


def attribute_changes(change: dict[str, Any]) -> list[AttributeChange]:
    """The leaves that differ between `before` and `after` of a plan JSON change, masked."""
    before = {p: (v, h) for p, v, h in _flat(change.get("before") or {}, change.get("before_sensitive"), "")}
    after = {p: (v, h) for p, v, h in _flat(change.get("after") or {}, change.get("after_sensitive"), "")}
    found = []
    for path in sorted(before.keys() | after.keys()):
        (old, old_hidden), (new, new_hidden) = before.get(path, (None, False)), after.get(path, (None, False))
        if old == new or (_empty(old) and _empty(new)):
            continue
        if old_hidden or new_hidden:  # a secret changed: say so, never show it
            found.append(AttributeChange(path, MASK, MASK))
        else:
            found.append(AttributeChange(path, _render(old), _render(new)))
    return found


_KIND = {"delete": "deleted", "update": "changed", "create": "created outside lz"}


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def configured(body: Any, path: str) -> bool:
    """Whether `path` lies inside what the configuration sets. Attributes only AWS computes
    (an S3 bucket's legacy `versioning`, a role's `inline_policy` when separate resources own
    them) are refreshed into the state after the apply that changed them: not drift."""
    for key, index in _TOKEN.findall(path):
        if isinstance(body, str):
            return True  # inside a configured string (a policy document), or a reference
        if index:
            body = body[min(int(index), len(body) - 1)] if isinstance(body, list) and body else body
        elif isinstance(body, dict) and key in body:
            body = body[key]
        else:
            return False
    return True


def parse_drift(stack: str, plan: dict[str, Any], config: dict[str, Any] | None = None) -> list[Drifted]:
    """The drifted managed resources of a `terraform show -json` plan document; with the
    stack's synthesized JSON, only attributes it configures count."""
    found = []
    resources = (config or {}).get("resource") or {}
    for entry in plan.get("resource_drift") or []:
        if entry.get("mode") != "managed":
            continue
        change = entry.get("change") or {}
        actions = change.get("actions") or []
        kind = next((_KIND[a] for a in actions if a in _KIND), "changed")
        attrs = [] if kind == "deleted" else attribute_changes(change)
        if config is not None:
            body = (resources.get(entry.get("type")) or {}).get(entry.get("name"), {})
            attrs = [a for a in attrs if configured(body, a.path)]
        if kind == "changed" and not attrs:
            continue  # only computed or empty-vs-missing differences: nothing a person changed
        found.append(Drifted(stack, entry["address"], kind, attrs, now=change.get("after")))
    return found


def planned_actions(plan: dict[str, Any]) -> dict[str, str]:
    """address → what the normal plan does ("update", "create", "replace", "delete")."""
    out = {}
    for entry in plan.get("resource_changes") or []:
        actions = set((entry.get("change") or {}).get("actions") or [])
        if actions & {"create"} and actions & {"delete"}:
            out[entry["address"]] = "replace"
        elif actions - {"no-op", "read"}:
            out[entry["address"]] = sorted(actions - {"no-op", "read"})[0]
    return out


def state_resources(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The refreshed state's managed resources (type, name, values) from a plan document."""
    module = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    return [r for r in module.get("resources") or [] if r.get("mode") == "managed"]


def _show(tf: Terraform, planfile: str) -> dict[str, Any]:
    proc = tf.run("show", "-json", "-no-color", planfile, log_stdout=False)  # sensitive values are printed in clear
    return dict(json.loads(proc.stdout or "{}"))


def _not_deployed(ctx: DeployContext, task: Task) -> str | None:
    if task.layer == layers.BOOTSTRAP_LAYER and not remote_state_exists(ctx, task.account, task.layer):
        return "not bootstrapped yet (lz up creates it)"
    if task.layer != layers.BOOTSTRAP_LAYER and not state_bucket_exists(ctx, task.account):
        return "not deployed (its account's state bucket does not exist; lz up creates it)"
    return None


def compare_stack(ctx: DeployContext, task: Task) -> StackDrift:
    """The refresh-only plan of one stack; on drift also the normal plan and the API reads."""
    from landing_zone.deploy import drift_api

    try:
        tf = ctx.terraform(task.name)
    except NotSynthesized:
        return StackDrift(task.name, task.account, "account not created yet (lz up creates it)")
    absent = _not_deployed(ctx, task)
    if absent:
        return StackDrift(task.name, task.account, absent)
    tf.init("-reconfigure")
    proc = tf.run("plan", "-refresh-only", "-input=false", "-no-color", "-detailed-exitcode", f"-out={DRIFT_PLAN}", check=False)
    if proc.returncode not in (0, 2):
        raise TerraformError(task.name, "plan -refresh-only", tf.log)
    plan = _show(tf, DRIFT_PLAN)
    config = json.loads((tf.workdir / "cdk.tf.json").read_text(encoding="utf-8"))
    result = StackDrift(task.name, task.account, "no drift", parse_drift(task.name, plan, config), state_resources(plan))
    result.drifted += drift_api.outside(ctx, result)
    if result.drifted:
        result.status = "drifted"
        fingerprint.invalidate(tf.workdir)  # the next `lz up` must plan this stack, not skip it
        if tf.plan(UP_PLAN).changed:
            actions = planned_actions(_show(tf, UP_PLAN))
            for item in result.drifted:
                item.up_would = actions.get(item.address, "")
    return result


def run(ctx: DeployContext, selection: Selection, *, parallel: int) -> tuple[list[Task], dict[str, StackDrift]]:
    """Every selected stack compared, independent ones in parallel; nothing is skipped on a
    dependency's failure (reading changes nothing, so each stack is compared on its own)."""
    tasks = plan_tasks(ctx.project, selection)
    for task in tasks:
        task.deps = []
    results: dict[str, StackDrift] = {}
    lock = threading.Lock()

    def work(c: DeployContext, task: Task) -> str:
        found = compare_stack(c, task)
        with lock:
            results[task.name] = found
        n = len(found.drifted)
        return f"{n} drifted" if n else found.status

    with Progress(tasks, title="lz drift") as progress:
        run_graph(tasks, emulator_checked(ctx, work), parallel=parallel, on_change=progress.changed, abort=process.stop_all)
    return tasks, results
