"""The file a migration leaves beside project.yaml (`migrations/<stack>.json`) and synth reads.

It is part of the project (commit it): once the first `lz up` applied it the blocks are
no-ops, but a pipeline's synth needs them until then, and a state restored from a previous
version of the state object needs them again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from landing_zone import naming
from landing_zone.fsutil import atomic_write_text
from landing_zone.migration.leverage import Migration, MigrationError

MAX_BYTES = 4 * 1024 * 1024
_KEYS = {"moved": ("from", "to"), "removed": ("from",)}


def path(base_dir: Path, stack: str) -> Path:
    return base_dir / naming.MIGRATIONS_DIR / f"{stack}.json"


def read(base_dir: Path, stack: str) -> dict[str, list[dict[str, Any]]] | None:
    """The stack's moved/removed blocks, or None when no migration was written for it."""
    file = path(base_dir, stack)
    try:
        if file.stat().st_size > MAX_BYTES:
            raise MigrationError(f"{file}: larger than {MAX_BYTES} bytes, not a migration lz wrote")
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrationError(f"{file}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise MigrationError(f"{file}: line {exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(doc, dict) or set(doc) - set(_KEYS):
        raise MigrationError(f"{file}: expected an object with only 'moved' and 'removed' lists")
    for key, fields in _KEYS.items():
        blocks = doc.setdefault(key, [])
        if not isinstance(blocks, list):
            raise MigrationError(f"{file}: {key}: expected a list")
        for i, block in enumerate(blocks):
            if not isinstance(block, dict) or not all(isinstance(block.get(f), str) and block.get(f) for f in fields):
                raise MigrationError(f"{file}: {key}[{i}]: expected an object with {' and '.join(repr(f) for f in fields)} addresses")
    return {k: doc[k] for k in _KEYS}


def write(base_dir: Path, migration: Migration) -> Path:
    file = path(base_dir, migration.stack)
    atomic_write_text(file, json.dumps(migration.blocks(), indent=2) + "\n")
    return file
