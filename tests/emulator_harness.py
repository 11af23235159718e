"""Test support: run terraform (offline, AWS provider 5.100.0) against the embedded emulator.

`Workspace` writes a `main.tf.json` from a dict of resources, with the AWS provider set up
the way `landing_zone/stacks/target.py` sets it up for the `local` target, and a local
backend; then runs `terraform init/apply/plan/destroy` with a CLI config that installs the
provider from the offline mirror (and symlinks it through a shared plugin cache).
Also: boto3 clients that select an emulator account, and a throwaway GPG key.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landing_zone.deploy.tfenv import GO_RUNTIME, write_cli_config
from landing_zone.settings import EMULATOR_SECRET, Settings, emulator_access_key

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT_ID = "000123456789"  # the emulator's management account in these tests
REGION = "us-east-1"
TERRAFORM_TIMEOUT = 900.0
_INTERACTIVE = {"init", "plan", "apply", "destroy", "import", "refresh"}  # commands that take -input
DEFAULT_TAGS = {"Project": "emulator-probe", "ManagedBy": "landing-zone"}


class TerraformError(Exception):
    pass


def emulated_services() -> tuple[str, ...]:
    """The endpoint names stacks/target.py points at the emulator, as terraform spells them."""
    from landing_zone import bindings  # noqa: F401  (before the provider bindings)
    from landing_zone.stacks.target import emulated_services as derived

    return tuple(name.replace("_", "") for name in derived())  # s3_control -> s3control


def provider_mirror() -> Path:
    """LZ_PROVIDER_MIRROR, else the mirror scripts/find-provider-mirror finds."""
    found = (
        os.environ.get("LZ_PROVIDER_MIRROR")
        or subprocess.run([str(ROOT / "scripts" / "find-provider-mirror")], capture_output=True, text=True, check=False).stdout.strip()
    )
    if not found or not Path(found).is_dir():
        raise FileNotFoundError("no offline terraform provider mirror (set LZ_PROVIDER_MIRROR)")
    return Path(found)


def cli_config(work_dir: Path, mirror: Path | None = None) -> Path:
    """The project's terraform CLI config (the mirror, else a plugin cache) written in `work_dir`."""
    settings = Settings(config_path=work_dir / "project.yaml", work_dir=work_dir, provider_mirror=mirror or provider_mirror())
    return write_cli_config(settings)


def provider_block(endpoint: str, *, alias: str | None = None, assume_role_arn: str | None = None, account_id: str = ACCOUNT_ID) -> dict[str, Any]:
    """An `aws` provider configured like stacks/target.py does for the emulator."""
    block: dict[str, Any] = {
        "region": REGION,
        "access_key": emulator_access_key(account_id),
        "secret_key": EMULATOR_SECRET,
        "endpoints": [dict.fromkeys(emulated_services(), endpoint)],
        "s3_use_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": "true",
        "skip_region_validation": True,
        "skip_requesting_account_id": True,
        "max_retries": 2,
        "default_tags": [{"tags": DEFAULT_TAGS}],
    }
    if alias:
        block["alias"] = alias
    if assume_role_arn:
        block["assume_role"] = [{"role_arn": assume_role_arn, "session_name": "landing-zone"}]
    return block


@dataclass
class Workspace:
    """One terraform root module in `root`, deploying to the emulator at `endpoint`."""

    root: Path
    endpoint: str
    cli_config_file: Path
    debug_log: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def write(
        self,
        resources: dict[str, dict[str, Any]],
        *,
        data: dict[str, dict[str, Any]] | None = None,
        outputs: dict[str, Any] | None = None,
        providers: list[dict[str, Any]] | None = None,
        imports: list[dict[str, str]] | None = None,
    ) -> Path:
        """Write main.tf.json: the default provider (plus `providers`), a local backend, `resources`.

        `imports` are import blocks: {"to": "aws_iam_role.x", "id": "...", "provider": "aws.member"}.
        """
        doc: dict[str, Any] = {
            "terraform": {
                "required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}},
                "backend": {"local": {"path": str(self.root / "terraform.tfstate")}},
            },
            "provider": {"aws": [provider_block(self.endpoint), *(providers or [])]},
            "resource": resources,
        }
        if data:
            doc["data"] = data
        if imports:
            doc["import"] = imports
        if outputs:
            doc["output"] = {name: {"value": value} for name, value in outputs.items()}
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "main.tf.json"
        path.write_text(json.dumps(doc, indent=2))
        return path

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            **GO_RUNTIME,
            "TF_CLI_CONFIG_FILE": str(self.cli_config_file),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            # Account-level S3 calls go to <account>.127.0.0.1:<port>; moto answers as a proxy too.
            "HTTP_PROXY": self.endpoint,
            "http_proxy": self.endpoint,
        }
        if self.debug_log:
            env.update(TF_LOG="debug", TF_LOG_PATH=str(self.root / "terraform-debug.log"))
        return env

    def run(self, *args: str, ok_codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        """Run `terraform <args>` in the workspace; raise TerraformError on an unexpected exit code."""
        started = time.monotonic()
        proc = subprocess.run(
            ["terraform", *args, "-no-color", *(["-input=false"] if args[0] in _INTERACTIVE else [])],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=TERRAFORM_TIMEOUT,
            check=False,
        )
        self.timings[args[0]] = self.timings.get(args[0], 0.0) + time.monotonic() - started
        with open(self.root / "terraform.log", "a", encoding="utf-8") as log:
            log.write(f"$ terraform {' '.join(args)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}\n")
        if proc.returncode not in ok_codes:
            raise TerraformError(f"terraform {args[0]} exited {proc.returncode}:\n{proc.stderr[-6000:]}\n{proc.stdout[-3000:]}")
        return proc

    def init(self) -> None:
        self.run("init")

    def apply(self) -> None:
        self.run("apply", "-auto-approve")

    def plan_changes(self) -> str:
        """The plan output when the plan is not empty, else ''."""
        proc = self.run("plan", "-detailed-exitcode", ok_codes=(0, 2))
        return proc.stdout if proc.returncode == 2 else ""

    def destroy(self) -> None:
        self.run("destroy", "-auto-approve")

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json").stdout or "{}")
        return {name: item["value"] for name, item in raw.items()}

    def state_resources(self) -> list[str]:
        proc = self.run("state", "list", ok_codes=(0, 1))
        return proc.stdout.split()


def client(service: str, endpoint: str, account_id: str = ACCOUNT_ID, **kwargs: Any) -> Any:
    """A boto3 client for `service` on the emulator, acting as `account_id`."""
    import boto3

    params: dict[str, Any] = {
        "endpoint_url": endpoint,
        "region_name": REGION,
        "aws_access_key_id": emulator_access_key(account_id),
        "aws_secret_access_key": EMULATOR_SECRET,
    }
    params.update(kwargs)
    return boto3.client(service, **params)


@dataclass(frozen=True)
class GpgKey:
    home: Path
    fingerprint: str
    public_b64: str  # base64 of the binary public key: what `pgp_key` takes

    def decrypt(self, b64_ciphertext: str) -> str:
        proc = subprocess.run(
            ["gpg", "--homedir", str(self.home), "--batch", "--quiet", "--decrypt"],
            input=base64.b64decode(b64_ciphertext),
            capture_output=True,
            check=True,
        )
        return proc.stdout.decode()

    def close(self) -> None:
        """Stop the gpg-agent this key's GNUPGHOME started."""
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "gpg-agent"], capture_output=True, check=False)


def gpg_key(home: Path | None = None, uid: str = "lz-probe@example.com") -> GpgKey:
    """A passphrase-less key pair in a throwaway GNUPGHOME (never the user's keyring)."""
    home = home or Path(tempfile.mkdtemp(prefix="gnupg-"))
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch"]
    subprocess.run(
        [*gpg, "--passphrase", "", "--quick-generate-key", uid, "default", "default", "never"],
        capture_output=True,
        check=True,
    )
    listing = subprocess.run([*gpg, "--with-colons", "--list-keys", uid], capture_output=True, text=True, check=True)
    fingerprint = next(line.split(":")[9] for line in listing.stdout.splitlines() if line.startswith("fpr:"))
    public = subprocess.run([*gpg, "--export", fingerprint], capture_output=True, check=True).stdout
    return GpgKey(home=home, fingerprint=fingerprint, public_b64=base64.b64encode(public).decode())
