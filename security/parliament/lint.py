"""Run parliament over policy documents: stdin a JSON list of {"name", "document"}, stdout a
JSON list of findings {"name", "issue", "severity", "detail"}. Runs in security/parliament/.venv
(parliament pins its own dependencies); tests/test_parliament.py is the caller."""

from __future__ import annotations

import json
import re
import sys
from functools import cache

from parliament import analyze_policy_string, iam_definition

_OIDC_PROVIDER = re.compile(r"^arn:aws:iam::\d{12}:oidc-provider/.+$")


@cache
def _resource_type_keys(action: str) -> frozenset[str]:
    """Condition keys AWS lists under the resource types `action` acts on (parliament's own
    definitions), which parliament does not consult for the action itself."""
    prefix, name = action.split(":", 1)
    keys: set[str] = set()
    for service in iam_definition:
        if service["prefix"] != prefix:
            continue
        types = {r["resource_type"].rstrip("*") for p in service["privileges"] if p["privilege"] == name for r in p["resource_types"]}
        for resource in service["resources"]:
            if resource["resource"] in types:
                keys.update(k.lower() for k in resource["condition_keys"])
    return frozenset(keys)


def _kind(issue: str, detail: object) -> str:
    """parliament's kind, except two gaps of its definitions, renamed so a review names them
    apart from the kinds that are never accepted."""
    text = str(detail)
    if issue == "UNKNOWN_FEDERATION_SOURCE" and _OIDC_PROVIDER.match(text):
        return "OIDC_PROVIDER_FEDERATION"  # parliament knows SAML providers only
    if issue == "UNKNOWN_CONDITION_FOR_ACTION":
        found = re.match(r"Unknown condition (\S+) for action (\S+)", text)
        if found and found[2] == "sts:AssumeRoleWithWebIdentity" and re.match(r"^[a-z0-9.-]+\.[a-z]+:(aud|sub|amr)$", found[1]):
            return "OIDC_PROVIDER_FEDERATION"  # the provider's own keys (`<host>:aud`, `:sub`)
        if found and found[1].lower() in _resource_type_keys(found[2]):
            return "RESOURCE_TYPE_CONDITION_KEY"
    return issue


def main() -> None:
    out = []
    for item in json.load(sys.stdin):
        policy = analyze_policy_string(json.dumps(item["document"]), include_community_auditors=True)
        for finding in policy.findings:
            kind = _kind(finding.issue, finding.detail)
            out.append({"name": item["name"], "issue": kind, "severity": finding.severity, "detail": str(finding.detail)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
