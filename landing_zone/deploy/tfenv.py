"""The environment every terraform run gets (ours and `npx cdktf …` through `lz env`)."""

from __future__ import annotations

import os
from pathlib import Path

from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import Settings


def _hcl_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_cli_config(settings: Settings) -> Path:
    """Write `<work_dir>/terraform.rc`: the provider mirror (when set) and a plugin cache.

    Written in the project's work dir, never ~/.terraformrc.
    """
    work = settings.work_dir.resolve()
    cache = work / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    lines = [f"plugin_cache_dir = {_hcl_string(str(cache))}", "disable_checkpoint = true"]
    if settings.provider_mirror:
        mirror = str(settings.provider_mirror.resolve())
        lines += [
            "provider_installation {",
            f"  filesystem_mirror {{\n    path    = {_hcl_string(mirror)}\n"
            '    include = ["registry.terraform.io/*/*"]\n  }',
            '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }',
            "}",
        ]
    path = work / "terraform.rc"
    text = "\n".join(lines) + "\n"
    if not path.exists() or path.read_text() != text:
        atomic_write_text(path, text)
    return path


def terraform_env(settings: Settings) -> dict[str, str]:
    """Variables (on top of os.environ) for terraform and the cdktf CLI."""
    env = {
        "TF_CLI_CONFIG_FILE": str(write_cli_config(settings)),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        # cdktf-cli would otherwise point terraform's plugin cache at ~/.terraform.d.
        "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        **settings.as_env(),
    }
    if settings.target == "local" and settings.endpoint:
        # Account-level S3 calls go to <account-id>.<endpoint host>, which does not resolve
        # for 127.0.0.1; moto also answers as an HTTP proxy, so route those through it.
        # Go never proxies loopback IPs, so every other call still goes straight to it.
        env["HTTP_PROXY"] = env["http_proxy"] = settings.endpoint
    return env


def full_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **terraform_env(settings)}
