"""Runtime settings: where to deploy and where to write, from flags and LZ_* variables.

Kept free of cdktf imports: the CLI reads these before deciding whether to synthesize.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

Target = Literal["local", "aws"]
TARGETS: tuple[Target, ...] = ("local", "aws")
# How stacks authenticate: `bootstrap` — management credentials, member accounts through
# OAAR; `mfa` — per-stack temporary credentials of the MFA role profiles (lz mfa enable);
# `ci` — the ambient credentials (AWS_* variables: GitHub's OIDC role session, or the emulator's
# management keys) in management, member accounts through naming.ci_member_role(ci_role).
# `sso` — the operator's Identity Center session (`lz sso login`): per-stack temporary
# credentials, management's from its Administrator permission set, members' through OAAR.
Auth = Literal["bootstrap", "mfa", "ci", "sso"]
AUTHS: tuple[Auth, ...] = ("bootstrap", "mfa", "ci", "sso")
# Which ci role the ambient credentials are: `lz plan` runs as plan, `lz up`/`down` as apply.
CiRole = Literal["plan", "apply"]
CI_ROLES: tuple[CiRole, ...] = ("plan", "apply")
# Seconds any external command (terraform, gpg) may run before its process group is killed,
# and seconds terraform waits for a state lock held by someone else (-lock-timeout).
COMMAND_TIMEOUT, LOCK_TIMEOUT = 3600.0, 120
# Used in synthesized JSON when no emulator is running (e.g. a plain `lz synth`);
# `lz up` always re-synthesizes with the real endpoint.
PLACEHOLDER_ENDPOINT = "http://127.0.0.1:4566"
# The emulator never checks the secret; the access key names the account (emulator/handlers.py).
EMULATOR_SECRET = "emulator-secret"
EMULATOR_KEY_PREFIX, EMULATOR_KEY_SUFFIX = "AKLZ", "0000"


def emulator_access_key(account_id: str) -> str:
    """A 20-character access key (the length moto parses) that selects `account_id`."""
    return f"{EMULATOR_KEY_PREFIX}{account_id}{EMULATOR_KEY_SUFFIX}"


class SettingsError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    config_path: Path
    target: Target = "local"
    work_dir: Path = field(default_factory=lambda: Path(".lz"))
    out_dir: Path = field(default_factory=lambda: Path("cdktf.out"))
    provider_mirror: Path | None = None
    endpoint: str | None = None  # emulator URL, target=local only
    aws_profile: str | None = None  # target=aws: overrides the bootstrap profile
    auth: Auth = "bootstrap"
    ci_role: CiRole = "apply"  # auth=ci only
    # Only `lz down` sets this: it synthesizes without `prevent_destroy` on what it destroys
    # (state buckets, lock tables, member accounts). Never read from the environment.
    allow_destroy: bool = False
    command_timeout: float = COMMAND_TIMEOUT
    lock_timeout: int = LOCK_TIMEOUT

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        target = str(overrides.pop("target", None) or env.get("LZ_TARGET") or "local")
        if target not in TARGETS:
            raise SettingsError(f"unknown target '{target}': use one of {', '.join(TARGETS)}")
        mirror = env.get("LZ_PROVIDER_MIRROR") or None
        auth = env.get("LZ_AUTH") or "bootstrap"
        if auth not in AUTHS:
            raise SettingsError(f"LZ_AUTH: unknown mode '{auth}': use one of {', '.join(AUTHS)}")
        ci_role = env.get("LZ_CI_ROLE") or "apply"
        if ci_role not in CI_ROLES:
            raise SettingsError(f"LZ_CI_ROLE: unknown role '{ci_role}': use one of {', '.join(CI_ROLES)}")
        values: dict[str, object] = {
            "config_path": Path(env.get("LZ_CONFIG") or "project.yaml"),
            "target": target,
            "work_dir": Path(env.get("LZ_WORK_DIR") or ".lz"),
            "out_dir": Path(env.get("LZ_OUT_DIR") or env.get("CDKTF_OUTDIR") or "cdktf.out"),
            "provider_mirror": Path(mirror) if mirror else None,
            # AWS_ENDPOINT_URL is the SDKs' own name for it: honoured for the emulator only.
            "endpoint": env.get("LZ_EMULATOR_ENDPOINT") or (env.get("AWS_ENDPOINT_URL") if target == "local" else None) or None,
            "aws_profile": env.get("LZ_AWS_PROFILE") or None,
            "auth": auth,
            "ci_role": ci_role,
            "command_timeout": _seconds(env, "LZ_COMMAND_TIMEOUT", COMMAND_TIMEOUT),
            "lock_timeout": int(_seconds(env, "LZ_LOCK_TIMEOUT", LOCK_TIMEOUT)),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.provider_mirror and not settings.provider_mirror.is_dir():
            raise SettingsError(f"LZ_PROVIDER_MIRROR: '{settings.provider_mirror}' is not a directory")
        if settings.target == "local" and not settings.endpoint:
            settings = replace(settings, endpoint=running_emulator_endpoint(settings.work_dir))
        return settings

    @property
    def synth_endpoint(self) -> str:
        return self.endpoint or PLACEHOLDER_ENDPOINT

    def as_env(self) -> dict[str, str]:
        """What a child process (main.py under `cdktf`) needs to synthesize the same app."""
        env = {
            "LZ_CONFIG": str(self.config_path.resolve()),
            "LZ_TARGET": self.target,
            "LZ_WORK_DIR": str(self.work_dir.resolve()),
        }
        if self.endpoint:
            env["LZ_EMULATOR_ENDPOINT"] = self.endpoint
        if self.provider_mirror:
            env["LZ_PROVIDER_MIRROR"] = str(self.provider_mirror.resolve())
        if self.aws_profile:
            env["LZ_AWS_PROFILE"] = self.aws_profile
        if self.auth != "bootstrap":
            env["LZ_AUTH"] = self.auth
        if self.auth == "ci":
            env["LZ_CI_ROLE"] = self.ci_role
        return env


def _seconds(env: os._Environ[str] | dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw.removesuffix("s"))
    except ValueError:
        value = -1.0
    if value <= 0:
        raise SettingsError(f"{name}: '{raw}' is not a number of seconds above 0")
    return value


def process_start(pid: int) -> str | None:
    """When process `pid` started (boot id and clock ticks, Linux): with the pid, its identity.

    Pids wrap within the hour on a busy machine; pid and start time together name one process.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
        started = stat[stat.rfind(b")") + 2 :].split()[19].decode()  # field 22: start time
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    return f"{boot}/{started}"


def is_process(pid: int, started: str | None) -> bool:
    """Whether `pid` is still the process that started at `started` (not a reused pid)."""
    return pid > 0 and started is not None and process_start(pid) == started


EMULATOR_MODULE = "landing_zone.emulator"


@dataclass(frozen=True)
class EmulatorRecord:
    """`<work_dir>/emulator.json`, which the emulator writes once it answers."""

    pid: int
    port: int
    endpoint: str
    started: str | None = None  # process_start(pid) as the emulator saw it

    @property
    def alive(self) -> bool:
        """The recorded process still runs, and it is the emulator (not a process that reused the pid)."""
        # A record without a start time (written by an older lz) rests on the command line alone.
        if not (is_process(self.pid, self.started) if self.started else process_start(self.pid)):
            return False
        try:
            cmdline = Path(f"/proc/{self.pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return EMULATOR_MODULE.encode() in cmdline


def emulator_file(work_dir: Path) -> Path:
    return work_dir / "emulator.json"


def read_emulator(work_dir: Path) -> EmulatorRecord | None:
    """The one reader of emulator.json: the record as written, alive or not (None: none or unreadable)."""
    try:
        raw = json.loads(emulator_file(work_dir).read_text())
        return EmulatorRecord(int(raw["pid"]), int(raw["port"]), str(raw["endpoint"]), raw.get("started"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def running_emulator_endpoint(work_dir: Path) -> str | None:
    """Endpoint of the emulator `lz emulator start` left running, if it is still alive."""
    record = read_emulator(work_dir)
    return record.endpoint if record and record.alive else None
