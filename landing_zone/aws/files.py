"""Where the operator's AWS files live and how they are written.

Each project keeps its own files under `<aws dir>/<short>/` (the reference's layout), so
its profiles never mix with the operator's other work: `credentials` (access keys, 0600),
`config` (profiles), `cache/` (temporary MFA sessions, 0600).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from landing_zone import fsutil
from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import Settings

ENV_VAR = "LZ_AWS_DIR"
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


def resolve(option: Path | None, settings: Settings, env: Mapping[str, str] | None = None) -> Path:
    """--aws-dir, else $LZ_AWS_DIR, else `<work dir>/aws` against the emulator, else ~/.aws.

    Against the emulator the default stays inside the work dir: emulator keys written into
    the real ~/.aws/<short>/ would clobber a real project with the same short name.
    """
    env = os.environ if env is None else env
    if option is not None:
        return option.expanduser()
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    if settings.target == "local":
        return settings.work_dir / "aws"
    return Path("~/.aws").expanduser()


def terraform_dir(env: Mapping[str, str] | None = None) -> str:
    """The aws dir as synthesized JSON names it for `--target aws`: `~/.aws` (terraform expands
    it on the machine that deploys), or $LZ_AWS_DIR as an absolute path when set."""
    env = os.environ if env is None else env
    return str(Path(env[ENV_VAR]).expanduser().resolve()) if env.get(ENV_VAR) else "~/.aws"


@dataclass(frozen=True)
class AwsFiles:
    root: Path  # <aws dir>/<short>

    @classmethod
    def of(cls, aws_dir: Path, short_name: str) -> AwsFiles:
        return cls(aws_dir / short_name)

    @property
    def credentials(self) -> Path:
        return self.root / "credentials"

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def cache_file(self, profile: str) -> Path:
        return self.cache_dir / f"{profile}.json"


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)


def write_private(path: Path, text: str) -> None:
    """Atomically write a file only its owner can read (keys, cached sessions)."""
    _private_dir(path.parent)
    atomic_write_text(path, text, mode=PRIVATE_FILE)


def write_keeping_mode(path: Path, text: str) -> None:
    """Atomically replace `path`, keeping its permissions (0600 in a private dir for a new file)."""
    if not path.exists():
        _private_dir(path.parent)
    fsutil.write_keeping_mode(path, text, new_mode=PRIVATE_FILE)


def backup(path: Path) -> Path | None:
    """Copy `path` to `<name>.<timestamp>.bak` beside it (no-op when it doesn't exist)."""
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while dest.exists():
        dest = path.with_name(f"{path.name}.{stamp}-{n}.bak")
        n += 1
    shutil.copy2(path, dest)
    return dest
