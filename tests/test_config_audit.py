"""project.yaml's `audit:` section (the audit layer): defaults, bounds and the cross-field rules,
each bad value one located line; warnings do not stop the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from landing_zone.config import ConfigError, load_project

ROOT = Path(__file__).resolve().parents[1]
FOUR = ROOT / "tests" / "fixtures" / "four-accounts" / "project.yaml"


def _base(without_security: bool = False) -> str:
    # The four-accounts fixture without its IAM groups (no key files needed) and without its pipeline.
    text = FOUR.read_text().split("\naccounts:\n")[0] + "\nrequire_mfa: false\n"
    if without_security:
        text = text.replace("  - {name: security,   email: aws+security@acme.example.com}\n", "")
        text = text.replace("  - {name: security,       policy: [aws_organizations_policy.default], accounts: [security]}\n", "")
    return text


def _load(tmp_path: Path, audit: str, **kw: bool) -> list[str]:
    path = tmp_path / "project.yaml"
    path.write_text(_base(**kw) + audit)
    try:
        load_project(path)
    except ConfigError as exc:
        return [p.render("project.yaml") for p in exc.problems]
    return []


def test_defaults(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(_base())
    a = load_project(path)[0].audit
    # PCI DSS 10.5.1: a year of audit history, three months of it at hand (and more than the reference's 120 days).
    assert (a.glacier_days, a.retention_days, a.config, a.guardduty) == (90, 365, False, False)


def test_a_valid_section_loads(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(_base() + "audit:\n  glacier_days: 30\n  retention_days: 2557\n  config: false\n")
    a = load_project(path)[0].audit
    assert (a.glacier_days, a.retention_days, a.config, a.guardduty) == (30, 2557, False, False)


@pytest.mark.parametrize("switch", ["config", "guardduty"])
def test_switches_load(tmp_path: Path, switch: str) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(_base() + f"audit:\n  {switch}: true\n")
    assert getattr(load_project(path)[0].audit, switch) is True


def test_config_without_a_security_account_loads(tmp_path: Path) -> None:
    # Config delivers to the archive, which is in management then; only GuardDuty needs 'security'.
    assert _load(tmp_path, "audit:\n  config: true\n", without_security=True) == []


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ("{glacier_days: 0}", "audit.glacier_days", "greater than or equal to 1"),
        ("{glacier_days: 3651, retention_days: 3653}", "audit.glacier_days", "less than or equal to 3650"),
        ("{retention_days: 4000}", "audit.retention_days", "less than or equal to 3653"),
        ("{retention_days: 90}", "audit.retention_days", "not after glacier_days (90)"),
        ("{glacier_days: 200, retention_days: 100}", "audit.retention_days", "not after glacier_days (200)"),
        ("{glacier_days: ninety}", "audit.glacier_days", "whole number"),
        ("{config: maybe}", "audit.config", "true or false"),
        ("{retention: 365}", "audit.retention", ""),
    ],
)
def test_bad_values_are_one_located_line(tmp_path: Path, body: str, where: str, says: str) -> None:
    found = _load(tmp_path, f"audit: {body}\n")
    line = len(_base().splitlines()) + 1
    assert len(found) == 1, found
    assert found[0].startswith(f"project.yaml:{line}:") and f" {where}: " in found[0] and says in found[0], found


def test_guardduty_needs_a_security_account(tmp_path: Path) -> None:
    found = _load(tmp_path, "audit:\n  guardduty: true\n", without_security=True)
    assert any(" audit.guardduty: " in f and "'security' account" in f for f in found), found
    assert _load(tmp_path, "", without_security=True) == []  # the archive goes to management


def test_a_short_glacier_stay_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(_base() + "audit:\n  glacier_days: 90\n  retention_days: 120\n")
    project, warnings = load_project(path)
    assert project.audit.retention_days == 120
    assert [w.message for w in warnings if "Glacier" in w.message] == ["logs stay 30 days in Glacier, which bills 90 days per object anyway"]
