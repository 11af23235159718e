"""No secret in any log, progress line or message: the post-deploy journey, then a grep.

On the session deployment, through the real CLI: decrypt the initial passwords, configure
bootstrap credentials, create a user's access key (the console step), configure it,
enroll an MFA device and log in. Then every value the journey made secret — the decrypted
passwords, the encrypted password outputs, the access keys and secret keys of the CSV and
the credentials file, the session credentials of the MFA cache, the MFA seed — is looked
for in every file under the work dir's logs (stack logs, emulator log, crash logs) and in
the stdout/stderr of every command, except the one intended output: the password that
`lz passwords show` prints on stdout.
"""

from __future__ import annotations

import base64
import csv
import json
import subprocess
from pathlib import Path

import pytest

from landing_zone import naming
from landing_zone.settings import EMULATOR_SECRET, emulator_access_key
from tests.deployment import Deployment, run_lz
from tests.synth_helpers import management_id

Journey = tuple[dict[str, set[str]], dict[str, tuple[str, str]]]  # (secrets by kind, command -> (stdout, stderr))

# A management admin other than the MFA journey's (tests/test_integration_mfa_journey.py): its guard
# test needs natasha.romanoff without an MFA device in management, and this journey enrolls one.
USER = "kit.walker"
# (user, account) whose initial password is decrypted: one in each account with IAM users.
PASSWORDS = (("natasha.romanoff", "management"), ("kit.walker", "security"))
# Long enough that a hit is never a coincidence; every secret below is 20+ characters.
MIN_SECRET = 16


def _ini_values(path: Path, *keys: str) -> list[str]:
    values = []
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in keys:
            values.append(value.strip())
    return values


def _encrypted_passwords(dep: Deployment, account: str) -> list[str]:
    """The `users` output (sensitive) of <account>-identities, read from its state object."""
    bucket, key = naming.state_bucket(dep.project.short_name, account), naming.state_key(account, "identities")
    state = json.loads(dep.client("s3", account).get_object(Bucket=bucket, Key=key)["Body"].read())
    users = state["outputs"]["users"]["value"]
    return [u["encrypted_password"] for u in users.values()]


@pytest.fixture(scope="module")
def journey(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Journey:
    """Runs the journey once; returns (secrets by kind, outputs of every command)."""
    tmp = tmp_path_factory.mktemp("secrets")
    aws_dir = tmp / "aws"
    env = {**deployment.env, "GNUPGHOME": str(deployment.gnupghome)}
    outputs: dict[str, tuple[str, str]] = {}  # command → (stdout, stderr) to search
    secrets: dict[str, set[str]] = {"password": set()}

    def lz(*args: str) -> str:
        proc = _run(deployment, env, *args)
        outputs[" ".join(args)] = (proc.stdout, proc.stderr)
        return proc.stdout

    for user, account in PASSWORDS:
        command = ("passwords", "show", user, "--account", account)
        password = lz(*command).strip()
        assert len(password) == 32, "the login profiles ask for 32 characters"
        secrets["password"].add(password)
        stdout, stderr = outputs[" ".join(command)]
        outputs[" ".join(command)] = (stdout.replace(password, "", 1), stderr)  # its one intended output
    lz("credentials", "configure", "--type", "BOOTSTRAP", "--aws-dir", str(aws_dir))
    key_csv = tmp / f"{USER}_accessKeys.csv"
    lz("credentials", "emulator-access-key", USER, "--out", str(key_csv))
    lz("credentials", "configure", "--type", "MANAGEMENT", "--credentials-file", str(key_csv), "--aws-dir", str(aws_dir))
    lz("mfa", "enroll", USER, "--demo-codes", "--aws-dir", str(aws_dir))
    lz("credentials", "configure", "--type", "MANAGEMENT", "--skip-access-keys-setup", "--fetch-mfa-device", "--aws-dir", str(aws_dir))
    lz("mfa", "login", "--demo-codes", "--aws-dir", str(aws_dir))

    with key_csv.open() as fh:
        rows = list(csv.reader(fh))
    secrets["csv access key"] = {rows[1][0]}
    secrets["csv secret key"] = {rows[1][1]}
    files = aws_dir / deployment.project.short_name
    secrets["credentials file key"] = set(_ini_values(files / "credentials", "aws_access_key_id", "aws_secret_access_key", "aws_session_token"))
    caches = list((files / "cache").glob("*.json"))
    assert caches, "mfa login cached no session"
    for cache in caches:
        creds = json.loads(cache.read_text())
        secrets.setdefault("MFA session", set()).update(creds[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken"))
    seeds = list((deployment.work_dir / "demo-mfa").glob("*.seed"))
    assert seeds, "mfa enroll stored no seed"
    secrets["MFA seed"] = {s.read_text().strip() for s in seeds}
    secrets["encrypted password output"] = {p for _, account in PASSWORDS for p in _encrypted_passwords(deployment, account)}
    # The emulator's own key and secret are public constants (settings.py), not secrets.
    public = {emulator_access_key(management_id(deployment.project)), EMULATOR_SECRET}
    secrets = {kind: {v for v in values if v not in public} for kind, values in secrets.items()}
    for kind, values in secrets.items():
        assert values and all(len(v) >= MIN_SECRET for v in values), (kind, values)
    # What `lz up` printed belongs to the search too (progress output).
    for name, proc in deployment.runs.items():
        outputs[f"{name} (session deployment)"] = (proc.stdout, proc.stderr)
    return secrets, outputs


def _run(dep: Deployment, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Deployment.lz with GNUPGHOME set (the users' private keys)."""
    return run_lz(dep.dir, env, *args)


def _variants(secret: str) -> set[str]:
    """The value and the encodings a log might hold it in."""
    raw = secret.encode()
    return {secret, base64.b64encode(raw).decode(), json.dumps(secret)[1:-1]}


def _hits(text: str, secrets: dict[str, set[str]]) -> list[str]:
    return sorted({kind for kind, values in secrets.items() for v in values for form in _variants(v) if form in text})


@pytest.mark.integration
def test_no_secret_in_log_files(deployment: Deployment, journey: Journey) -> None:
    secrets, _ = journey
    logs = sorted(p for p in (deployment.work_dir / "logs").rglob("*") if p.is_file())
    logs += sorted(p for p in deployment.work_dir.rglob("*.log") if p.is_file() and p not in logs)
    assert any(p.name.endswith(".log") and p.stem.endswith("-identities") for p in logs), [p.name for p in logs]
    leaks = {}
    for path in logs:
        hits = _hits(path.read_text(errors="replace"), secrets)
        if hits:
            leaks[str(path.relative_to(deployment.work_dir))] = hits
    assert not leaks, f"secrets in log files: {leaks}"


@pytest.mark.integration
def test_no_secret_in_command_output(journey: Journey) -> None:
    secrets, outputs = journey
    leaks = {}
    for command, (stdout, stderr) in outputs.items():
        for stream, text in (("stdout", stdout), ("stderr", stderr)):
            hits = _hits(text, secrets)
            if hits:
                leaks[f"lz {command} ({stream})"] = hits
    assert not leaks, f"secrets in command output: {leaks}"


@pytest.mark.integration
def test_stack_logs_say_where_outputs_went(deployment: Deployment, journey: Journey) -> None:
    """`terraform output -json` ran (passwords show) and its values stayed out of the log."""
    log = (deployment.work_dir / "logs" / "management-identities.log").read_text()
    runs = [chunk for chunk in log.split("$ terraform ")[1:] if chunk.startswith("output -json")]
    assert runs and all("not logged" in chunk for chunk in runs)


def test_terraform_output_values_stay_out_of_the_log(tmp_path: Path) -> None:
    """`terraform output -json` prints sensitive outputs in clear: the runner keeps its stdout out of the log."""
    from landing_zone.deploy.terraform import Terraform

    secret = "s3cr3t-" + base64.b64encode(b"an encrypted password").decode()
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "main.tf.json").write_text(json.dumps({"output": {"users": {"value": {"kit": secret}, "sensitive": True}}}))
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("TF_")}
    env.update(TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    tf = Terraform("unit", ws, env, tmp_path / "logs" / "unit.log")
    tf.init()
    tf.run("apply", "-input=false", "-no-color", "-auto-approve")
    assert tf.outputs() == {"users": {"kit": secret}}
    log = tf.log.read_text()
    assert "$ terraform output -json" in log and "not logged" in log
    assert secret not in log and "(sensitive value)" in log  # apply itself redacts it
