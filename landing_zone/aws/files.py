"""Where the operator's AWS files live and how they are written.

Each project keeps its own files under `<aws dir>/<short>/` (the reference's layout), so
its profiles never mix with the operator's other work: `credentials` (access keys, 0600),
`config` (profiles), `cache/` (temporary MFA sessions, 0600).
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from landing_zone import fsutil
from landing_zone.aws.errors import AwsError
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
    """The file as written (CRLF stays CRLF); "" when it does not exist."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        raise AwsError(f"{path}: not UTF-8 text; fix or move it (nothing was written)") from None
    except OSError as exc:
        raise AwsError(f"cannot read {path}: {exc.strerror or exc}") from None


def check_parses(path: Path, text: str) -> None:
    """Refuse to update a file botocore could not read: lz would report success for profiles no
    AWS tool can use. (botocore parses these files with configparser.)"""
    import configparser

    try:
        configparser.RawConfigParser(strict=False).read_string(text, source=str(path))
    except configparser.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AwsError(f"{path}: not a valid AWS config/credentials file ({first}); fix it (nothing was written)") from None


@contextmanager
def locked(files: AwsFiles) -> Iterator[None]:
    """Hold the project's AWS files for one read-update-write (two `lz credentials configure`
    at once lost a profile section); temp files a killed writer left are removed."""
    from filelock import FileLock

    _private_dir(files.root)
    with FileLock(str(files.root / ".lz-files.lock")):
        for leftover in files.root.glob(".*.tmp"):  # ours (fsutil's temp names): no writer is active now
            leftover.unlink(missing_ok=True)
        yield


def _private_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        if path.stat().st_mode & 0o777 != PRIVATE_DIR:
            os.chmod(path, PRIVATE_DIR)
    except OSError as exc:
        raise AwsError(f"cannot write in {path}: {exc.strerror or exc}") from None


def writable(path: Path) -> Path:
    """Where a write to `path` goes: through a symlink to its target (a dotfiles repo's link
    stays a link), and never over a file its owner made read-only."""
    target = path.resolve() if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    if not mode & stat.S_IWUSR:
        raise AwsError(f"{path} is read-only: not overwritten (make it writable for lz to update it)")
    return target


def _write(path: Path, text: str, write: Callable[[Path, str], None]) -> None:
    target = writable(path)
    try:
        write(target, text)
    except OSError as exc:
        raise AwsError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_private(path: Path, text: str) -> None:
    """Atomically write a file only its owner can read (keys, cached sessions)."""
    _private_dir(path.parent)
    _write(path, text, lambda p, t: atomic_write_text(p, t, mode=PRIVATE_FILE))


def write_keeping_mode(path: Path, text: str) -> None:
    """Atomically replace `path`, keeping its permissions (0600 in a private dir for a new file)."""
    if not path.exists():
        _private_dir(path.parent)
    _write(path, text, lambda p, t: fsutil.write_keeping_mode(p, t, new_mode=PRIVATE_FILE))


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
    try:
        shutil.copy2(path, dest)
    except OSError as exc:
        raise AwsError(f"cannot back up {path} to {dest.name}: {exc.strerror or exc} (nothing was written)") from None
    return dest
