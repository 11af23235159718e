"""parliament (duo-labs' IAM policy linter) over every policy document the stacks synthesize:
identity, trust, resource (bucket, key, topic), SCP and permission-set inline policies.

No unknown action, condition key, resource type or malformed document is ever accepted; the
other kinds parliament reports are listed in security/parliament-findings.yaml with a reason
each, so a new kind fails, and so does an entry that no longer matches anything.
parliament lives in its own environment (security/parliament/Pipfile); PARLIAMENT_PYTHON
overrides the interpreter.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import FIXTURES, ROOT
from tests.synth_helpers import synth_stacks

ENV = ROOT / "security" / "parliament"
REVIEWED = ROOT / "security" / "parliament-findings.yaml"
INSTALL = "PIPENV_PIPFILE=security/parliament/Pipfile PIPENV_VENV_IN_PROJECT=1 pipenv sync (or make setup)"
PROJECTS = (ROOT / "project.yaml", FIXTURES / "four-accounts" / "project.yaml")
# Kinds no review may accept: the document says something AWS does not know.
NEVER = ("UNKNOWN_ACTION", "UNKNOWN_PREFIX", "UNKNOWN_CONDITION_FOR_ACTION", "UNKNOWN_PRINCIPAL", "UNKNOWN_FEDERATION_SOURCE", "MALFORMED", "INVALID_ARN")


def _python() -> str:
    path = os.environ.get("PARLIAMENT_PYTHON") or str(ENV / ".venv" / "bin" / "python")
    if not Path(path).is_file():
        pytest.fail(f"parliament is not installed: run `{INSTALL}`, or set PARLIAMENT_PYTHON")
    return path


def _documents(name: str, value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON string below `value` that is a policy document (it has a Statement)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _documents(f"{name}.{key}", item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _documents(f"{name}[{i}]", item)
    elif isinstance(value, str) and value.lstrip().startswith("{") and "Statement" in value:
        doc = json.loads(value)
        if isinstance(doc, dict) and "Statement" in doc:
            yield name, doc


# Terraform references parliament cannot read: an ARN of the referenced kind in their place
# (a `${...}` string is no ARN; an ARN's shape is what parliament checks).
_REF_ARNS = {
    "aws_cloudwatch_event_rule": "arn:aws:events:us-east-1:123456789012:rule/ref",
    "aws_cloudwatch_log_group": "arn:aws:logs:us-east-1:123456789012:log-group:ref",
    "aws_sns_topic": "arn:aws:sns:us-east-1:123456789012:ref",
}
_REF = re.compile(r"\$\{(aws_[a-z0-9_]+)\.[^.}]+\.arn\}")


def _resolved(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    text = _REF.sub(lambda m: _REF_ARNS.get(m[1], m[0]), json.dumps(doc))
    resolved = json.loads(text)
    if name.endswith(".assume_role_policy"):
        # A trust policy's resource is its role: named, so parliament lints it as the resource
        # policy it is instead of an identity policy missing its Resource.
        for statement in resolved["Statement"]:
            statement.setdefault("Resource", "arn:aws:iam::123456789012:role/trusting")
    return resolved


@cache
def documents() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for config in PROJECTS:
        for mfa in (False, True):
            for stack_id, stack in synth_stacks(config, "aws", mfa).items():
                for kind, bodies in (stack.get("resource") or {}).items():
                    for key, body in bodies.items():
                        for name, doc in _documents(f"{stack_id}/{kind}.{key}", body):
                            doc = _resolved(name, doc)
                            found.setdefault(json.dumps(doc, sort_keys=True), doc | {"_name": name})
    return {doc.pop("_name"): doc for doc in found.values()}


def _lint(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    run = subprocess.run([_python(), str(ENV / "lint.py")], input=json.dumps(items), capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return list(json.loads(run.stdout))


@cache
def findings() -> list[dict[str, str]]:
    return _lint([{"name": name, "document": doc} for name, doc in documents().items()])


def test_the_linter_catches_what_is_never_accepted() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*", "Condition": {"StringEquals": {"s3:NoSuchKey": "x"}}}
    kinds = {f["issue"] for f in _lint([{"name": "bad", "document": {"Version": "2012-10-17", "Statement": [statement]}}])}
    assert "UNKNOWN_ACTION" in kinds, kinds


def reviewed() -> dict[str, str]:
    return {str(e["issue"]): str(e["reason"]) for e in YAML(typ="safe").load(REVIEWED.read_text())["findings"]}


def test_every_kind_of_policy_is_linted() -> None:
    kinds = {name.split("/", 1)[1].split(".", 1)[0] for name in documents()}
    expected = {
        "aws_iam_role",  # trust
        "aws_iam_role_policy",
        "aws_iam_group_policy",
        "aws_s3_bucket_policy",
        "aws_kms_key",
        "aws_organizations_policy",  # SCPs
        "aws_ssoadmin_permission_set_inline_policy",
    }
    assert expected <= kinds, sorted(expected - kinds)


def test_no_unknown_action_condition_or_resource() -> None:
    bad = [f"{f['name']}: {f['issue']} {f['detail']}" for f in findings() if f["issue"].startswith(NEVER)]
    assert not bad, "\n".join(bad)


def test_only_reviewed_findings() -> None:
    accepted = reviewed()
    assert not set(accepted) & {k for k in accepted if k.startswith(NEVER)}, "these kinds are never accepted"
    new = sorted({f"{f['issue']} ({f['name']}: {f['detail'][:200]})" for f in findings() if f["issue"] not in accepted})
    assert not new, "unreviewed parliament findings (fix the policy, or add the kind with a reason):\n" + "\n".join(new)
    stale = set(accepted) - {f["issue"] for f in findings()}
    assert not stale, f"reviewed kinds parliament no longer reports (remove them): {sorted(stale)}"
