#!/usr/bin/env python3
"""Prowler's CIS AWS Foundations scan of a landing zone deployed on the embedded emulator.

Run with the app's interpreter after `lz up` (same LZ_CONFIG / LZ_WORK_DIR as lz):

    .venv/bin/python scripts/cis_scan.py [--out DIR]

Every account of the deployment is scanned at once, each with its emulator access key (the
key selects the account, landing_zone/settings.py; on the emulator that is what assuming
OrganizationAccountAccessRole would give), in the project's two regions only, with only the
framework's checks. Each account's compliance CSV lands in DIR/<account>/; DIR/summary.json
holds the status of every requirement per account. Exit 1 when a control the landing zone
owns (security/cis.md) does not PASS in every account. Prowler lives in its own environment
(security/prowler/Pipfile, `make setup`); PROWLER_PYTHON=<python> overrides which one.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRAMEWORK = "cis_7.0_aws"  # the newest CIS AWS Foundations framework Prowler 5.46.0 ships
CIS_DOC = ROOT / "security" / "cis.md"
LAUNCH = ROOT / "security" / "prowler" / "launch.py"
PROWLER_PYTHON = ROOT / "security" / "prowler" / ".venv" / "bin" / "python"
OWNED = "landing zone"  # the Owner column of security/cis.md for controls the landing zone owns
SCAN_TIMEOUT = 900.0
NOT_REPORTED = "—"  # the Emulator cell of a requirement Prowler has no finding for


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    owner: str
    emulator: str
    why: str


def read_cis_doc(path: Path = CIS_DOC) -> dict[str, Control]:
    """The controls table of security/cis.md: `| Id | Control | Owner | Emulator | Why |` rows."""
    controls: dict[str, Control] = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"\d+(\.\d+)*", cells[0]):
            if cells[0] in controls:
                raise ValueError(f"{path}: control {cells[0]} is listed twice")
            controls[cells[0]] = Control(*cells)
    return controls


def framework_requirements(python: Path) -> dict[str, str]:
    """Requirement id -> title, from the framework file of the installed Prowler."""
    code = (
        "import json, pathlib, prowler; print(json.dumps({r['Id']: r['Description'] for r in json.loads("
        f"(pathlib.Path(prowler.__file__).parent / 'compliance' / 'aws' / '{FRAMEWORK}.json').read_text())"
        "['Requirements']}))"
    )
    return dict(json.loads(subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout))


def requirement_status(rows: list[dict[str, str]]) -> dict[str, str]:
    """Per requirement and region-independent: FAIL if any finding fails, else PASS if any passes, else MANUAL."""
    seen: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        seen[row["REQUIREMENTS_ID"]].add(row["STATUS"])
    order = ("FAIL", "PASS", "MANUAL")
    return {rid: next((s for s in order if s in statuses), sorted(statuses)[0]) for rid, statuses in seen.items()}


def read_compliance_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _prowler_env(endpoint: str, account_id: str, region: str) -> dict[str, str]:
    from landing_zone.settings import EMULATOR_SECRET, emulator_access_key

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID=emulator_access_key(account_id),
        AWS_SECRET_ACCESS_KEY=EMULATOR_SECRET,
        AWS_DEFAULT_REGION=region,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def scan(out: Path, python: Path = PROWLER_PYTHON) -> dict[str, object]:
    """Scans every account in parallel; returns (and writes to out/summary.json) the results."""
    from landing_zone import naming
    from landing_zone.config import load_project
    from landing_zone.deploy.account_ids import known_account_ids
    from landing_zone.settings import Settings

    settings = Settings.from_env()
    if not settings.endpoint:
        raise SystemExit("cis_scan: no emulator is running for this work dir (run `lz up` first)")
    project, _ = load_project(settings.config_path)
    ids = known_account_ids(settings)
    regions = list(dict.fromkeys([project.primary_region, project.secondary_region]))
    out.mkdir(parents=True, exist_ok=True)
    # The landing zone delegates Access Analyzer and CloudTrail to the security account on purpose.
    config = out / "prowler-config.yaml"
    trusted = [ids[naming.SECURITY]] if naming.SECURITY in ids else []
    config.write_text(json.dumps({"aws": {"organizations_trusted_delegated_administrators": trusted}}) + "\n")
    procs: dict[str, tuple[subprocess.Popen[bytes], float]] = {}
    for account, account_id in ids.items():
        account_out = out / account
        account_out.mkdir(exist_ok=True)
        cmd = [
            str(python),
            str(LAUNCH),
            "aws",
            "--compliance",
            FRAMEWORK,
            "--region",
            *regions,
            "--scan-unused-services",
            "--config-file",
            str(config),
            "--output-formats",
            "csv",
            "--output-directory",
            str(account_out),
            "--output-filename",
            account,
            "--no-banner",
            "--no-color",
            "--ignore-exit-code-3",
            "--log-level",
            "ERROR",
            "--log-file",
            str(account_out / "prowler.log"),
        ]
        with (account_out / "stdout.txt").open("wb") as log:
            procs[account] = (
                subprocess.Popen(
                    cmd, env=_prowler_env(settings.endpoint, account_id, project.primary_region), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
                ),
                time.monotonic(),
            )
    summary: dict[str, object] = {"framework": FRAMEWORK, "regions": regions, "accounts": {}}
    for account, (proc, started) in procs.items():
        rc = proc.wait(timeout=SCAN_TIMEOUT)
        seconds = round(time.monotonic() - started, 1)
        csv_path = out / account / "compliance" / f"{account}_{FRAMEWORK}.csv"
        if rc != 0 or not csv_path.is_file():
            raise SystemExit(f"cis_scan: prowler exited {rc} for {account} (see {out / account / 'stdout.txt'})")
        statuses = requirement_status(read_compliance_csv(csv_path))
        errors = unanswered_calls((out / account / "prowler.log").read_text())
        summary["accounts"][account] = {
            "id": ids[account],
            "seconds": seconds,
            "csv": str(csv_path),  # type: ignore[index]
            "requirements": statuses,
            "errors": errors,
        }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


# One record of Prowler's --log-file: JSON, except that messages may hold raw newlines.
_LOG_RECORD = re.compile(r'"filename": "([\w.]+):\d+", "level": "ERROR", "module": "\w+", "message": "(.*?)"\}\n', re.S)


def unanswered_calls(log: str) -> list[str]:
    """`<Prowler source file>: <error> <operation, URL path or detail>` for each call Prowler
    logged as failed: what the emulator could not answer."""
    calls = set()
    for source, message in _LOG_RECORD.findall(log):
        kind = re.search(r"-- (\w+)", message)
        op = re.search(r"calling the (\w+) operation", message) or re.search(r'endpoint URL: \\?"[^"]*?/(v\d+/[\w/]+)', message)
        detail = re.search(r"-- \w+:\d+ -- (.{0,60})", message)  # e.g. KeyError:61 -- 'MultiRegion'
        calls.add(" ".join(x for x in (source + ":", kind.group(1) if kind else "", op.group(1) if op else (detail.group(1) if detail else "")) if x))
    return sorted(calls)


def documented_status(control: Control, account: str) -> str:
    """The Emulator cell for `account`: one status for all, or `STATUS (account), ...` per account."""
    cell = control.emulator
    per_account = {a: st for st, a in re.findall(r"(\S+) \((\w[\w-]*)\)", cell)}
    return per_account.get(account, "?") if per_account else cell


def owned_failures(summary: dict[str, object], controls: dict[str, Control]) -> list[str]:
    """`<account>: <id> <status>` for every owned control that FAILs in an account, or is not PASS
    there without cis.md saying so (e.g. MANUAL where Prowler cannot see a cross-account bucket)."""
    problems = []
    for account, result in summary["accounts"].items():  # type: ignore[attr-defined]
        for cid, control in controls.items():
            status = result["requirements"].get(cid, NOT_REPORTED)
            if control.owner != OWNED or status == "PASS":
                continue
            if status == "FAIL" or status != documented_status(control, account):
                problems.append(f"{account}: {cid} {status} ({control.title})")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=Path(".lz") / "cis-scan", help="where reports go (default .lz/cis-scan)")
    args = parser.parse_args()
    python = Path(os.environ.get("PROWLER_PYTHON") or PROWLER_PYTHON)
    if not python.is_file():
        raise SystemExit("cis_scan: Prowler is not installed: run `make setup` (security/prowler/Pipfile)")
    from landing_zone.config.errors import ConfigError

    try:
        summary = scan(args.out, python)
    except ConfigError as exc:  # bad or unready project.yaml (LZ_CONFIG): its one-line messages, no traceback
        raise SystemExit(f"cis_scan: {exc}") from None
    controls = read_cis_doc()
    for account, result in summary["accounts"].items():  # type: ignore[attr-defined]
        counts = {s: list(result["requirements"].values()).count(s) for s in ("PASS", "FAIL", "MANUAL")}
        print(
            f"{account} ({result['id']}): {counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['MANUAL']} MANUAL "
            f"of {len(result['requirements'])} requirements reported, {result['seconds']} s"
        )
    problems = owned_failures(summary, controls)
    for problem in problems:
        print(f"owned control not passing: {problem}")
    print(f"reports: {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
