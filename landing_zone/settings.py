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
# OAAR; `mfa` — per-stack temporary credentials of the MFA role profiles (lz mfa enable).
Auth = Literal["bootstrap", "mfa"]
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
    # Only `lz down` sets this: it synthesizes without `prevent_destroy` on what it destroys
    # (state buckets, lock tables, member accounts). Never read from the environment.
    allow_destroy: bool = False

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        target = str(overrides.pop("target", None) or env.get("LZ_TARGET") or "local")
        if target not in TARGETS:
            raise SettingsError(f"unknown target '{target}': use one of {', '.join(TARGETS)}")
        mirror = env.get("LZ_PROVIDER_MIRROR") or None
        values: dict[str, object] = {
            "config_path": Path(env.get("LZ_CONFIG") or "project.yaml"),
            "target": target,
            "work_dir": Path(env.get("LZ_WORK_DIR") or ".lz"),
            "out_dir": Path(env.get("LZ_OUT_DIR") or env.get("CDKTF_OUTDIR") or "cdktf.out"),
            "provider_mirror": Path(mirror) if mirror else None,
            "endpoint": env.get("LZ_EMULATOR_ENDPOINT") or None,
            "aws_profile": env.get("LZ_AWS_PROFILE") or None,
            "auth": env.get("LZ_AUTH") or "bootstrap",
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
        return env


def running_emulator_endpoint(work_dir: Path) -> str | None:
    """Endpoint of the emulator `lz emulator start` left running, if it is still alive."""
    try:
        info = json.loads((work_dir / "emulator.json").read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(info["endpoint"])
