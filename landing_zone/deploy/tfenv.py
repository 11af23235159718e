"""The environment every terraform run gets (ours and `npx cdktf …` through `lz env`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import Settings


def _hcl_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# terraform starts the AWS provider 3-5 times per plan or apply (its schema, then once per
# provider block in each walk), ~3 CPU-s a start, much of it collecting the garbage of its schema
# build. GOGC=400 takes a two-region stack's plan from ~16 to ~12 CPU-s for ~170 MB more per
# provider process (benchmarks/run.py). A GOGC the user set wins.
GO_RUNTIME = {"GOGC": "400"}

MIRROR_NOTE = "provider-mirror"  # in the work dir: the mirror the last run used
_SKIP = {"proc", "sys", "node_modules", ".lz", ".terraform", ".git"}


def find_mirror(root: Path = Path("/"), depth: int = 4) -> Path | None:
    """The parent of the first `registry.terraform.io` directory within `depth` levels of
    `root` (what scripts/find-provider-mirror prints), or None."""
    level = [root]
    for _ in range(depth):
        below: list[Path] = []
        for d in level:
            try:
                entries = sorted((e for e in os.scandir(d) if e.is_dir(follow_symlinks=False) and e.name not in _SKIP), key=lambda e: e.name)
            except OSError:
                continue
            for e in entries:
                if e.name == "registry.terraform.io":
                    return d
                below.append(Path(e.path))
        level = below
    return None


_RC_MIRROR = re.compile(r'filesystem_mirror\s*\{\s*path\s*=\s*"((?:[^"\\]|\\.)*)"')


def _rc_mirror(work_dir: Path) -> Path | None:
    """The mirror in a terraform.rc an earlier release wrote (it kept no record of its own)."""
    try:
        found = _RC_MIRROR.search((work_dir / "terraform.rc").read_text())
    except (OSError, UnicodeDecodeError):
        return None
    return Path(found.group(1).replace('\\"', '"').replace("\\\\", "\\")) if found else None


def _remembered(settings: Settings, *, search: bool) -> Path | None:
    """The mirror this work dir's runs used. A work dir an earlier release ran in has no record:
    its terraform.rc names the mirror it used, else one on this machine is looked for (as
    scripts/find-provider-mirror does), so the upgrade runs offline as the old release did.
    An empty record: a run of this release found none (only `lz env` looks again)."""
    note = settings.work_dir / MIRROR_NOTE
    try:
        text: str | None = note.read_text().strip()
    except (OSError, UnicodeDecodeError):  # none, or not one lz wrote: rebuilt below
        text = None
    if text:
        return Path(text) if Path(text).is_dir() else (find_mirror() if search else None)
    if text is None and (settings.work_dir / "terraform.rc").is_file():
        found = _rc_mirror(settings.work_dir)
        return found if found and found.is_dir() else find_mirror()
    return find_mirror() if search else None


def provider_mirror(settings: Settings, *, search: bool = False) -> Path | None:
    """LZ_PROVIDER_MIRROR; else the one a run in this work dir used (remembered); else, with
    `search`, one found on this machine. A mirror in use is remembered for `lz env` and cdktf."""
    note = settings.work_dir / MIRROR_NOTE
    mirror = settings.provider_mirror or _remembered(settings, search=search)
    if mirror is not None:
        mirror = mirror.resolve()
        try:
            current = note.read_text().strip()
        except (OSError, UnicodeDecodeError):
            current = None
        if current != str(mirror):
            atomic_write_text(note, f"{mirror}\n")
    elif not note.exists():
        atomic_write_text(note, "")  # this release ran here, without a mirror
    return mirror


def write_cli_config(settings: Settings, *, search: bool = False) -> Path:
    """Write `<work_dir>/terraform.rc`: the provider mirror when there is one, else a plugin cache.

    Written in the project's work dir, never ~/.terraformrc. Stacks run terraform in parallel
    and terraform's plugin cache is not safe for concurrent use (each new stack's init
    re-installs the entry while other stacks' commands read it). Why no cache with a mirror:
    init then links each stack's provider straight into the unpacked mirror, which nothing
    writes. From the registry, the cache is written only when it lacks the provider (inits
    run one at a time: Terraform.init), never re-installed for a lock file without its checksum.
    """
    work = settings.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    lines = ["disable_checkpoint = true"]
    found = provider_mirror(settings, search=search)
    if not found:
        cache = work / "plugin-cache"
        cache.mkdir(parents=True, exist_ok=True)
        lines += [f"plugin_cache_dir = {_hcl_string(str(cache))}", "plugin_cache_may_break_dependency_lock_file = true"]
    else:
        mirror = str(found)
        lines += [
            "provider_installation {",
            f'  filesystem_mirror {{\n    path    = {_hcl_string(mirror)}\n    include = ["registry.terraform.io/*/*"]\n  }}',
            '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }',
            "}",
        ]
    path = work / "terraform.rc"
    text = "\n".join(lines) + "\n"
    try:
        current = path.read_text()
    except (OSError, UnicodeDecodeError):
        current = None
    if current != text:
        atomic_write_text(path, text)
    return path


def terraform_env(settings: Settings, *, search: bool = False) -> dict[str, str]:
    """Variables (on top of os.environ) for terraform and the cdktf CLI (`search`: look for a
    provider mirror on this machine when none is set or remembered, as `lz env` does)."""
    env = {
        "TF_CLI_CONFIG_FILE": str(write_cli_config(settings, search=search)),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        # cdktf-cli would otherwise point terraform's plugin cache at ~/.terraform.d.
        "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        **{k: v for k, v in GO_RUNTIME.items() if k not in os.environ},
        **settings.as_env(),
    }
    mirror = provider_mirror(settings)  # remembered by write_cli_config when found
    if mirror:
        env["LZ_PROVIDER_MIRROR"] = str(mirror)
    if settings.target == "local" and settings.endpoint:
        # Account-level S3 calls go to <account-id>.<endpoint host>, which does not resolve
        # for 127.0.0.1; moto also answers as an HTTP proxy, so route those through it.
        # Go never proxies loopback IPs, so every other call still goes straight to it.
        env["HTTP_PROXY"] = env["http_proxy"] = settings.endpoint
    return env


def full_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **terraform_env(settings)}
