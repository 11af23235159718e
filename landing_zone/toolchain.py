"""The terraform binary lz runs and its version, asked once per binary and process.

Used by synth (import blocks need terraform >= 1.5) and by the deploy fingerprint (a new
terraform re-plans every stack).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache


@cache
def _version(path: str, mtime_ns: int, size: int) -> str | None:
    """`terraform version -json` of `path`; keyed by mtime and size so an upgrade is seen."""
    try:  # a `version` that hangs (a broken wrapper) must not hang lz
        proc = subprocess.run(
            [path, "version", "-json"],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", ""), "CHECKPOINT_DISABLE": "1"},
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return None
    try:
        return str(json.loads(proc.stdout)["terraform_version"])
    except (ValueError, KeyError, TypeError):
        return None


def terraform(binary: str = "terraform", search_path: str | None = None) -> tuple[str, str | None] | None:
    """(path, version) of `binary` on `search_path` (default: this process's PATH); None if absent."""
    path = shutil.which(binary, path=search_path)
    if not path:
        return None
    st = os.stat(path)
    return path, _version(path, st.st_mtime_ns, st.st_size)
