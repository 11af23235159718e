"""Small filesystem helpers: writes that never leave a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write via a temp file in the same directory and rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_keeping_mode(path: Path, text: str, *, new_mode: int = 0o600) -> None:
    """Atomically replace `path`, keeping its permissions (`new_mode` for a new file).

    mkstemp creates 0600 files: without this, an edited project.yaml would lose its mode.
    """
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = new_mode
    atomic_write_text(path, text, mode=mode)
