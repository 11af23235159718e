"""Member account ids recorded from the organizations stack's outputs after it applies.

Deploy state: `lz up` writes it; synth is handed the ids it needs as an argument.
"""

from __future__ import annotations

import json
from pathlib import Path

from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import Settings


def account_ids_file(settings: Settings) -> Path:
    return settings.work_dir / "account_ids.json"


def known_account_ids(settings: Settings) -> dict[str, str]:
    try:
        return dict(json.loads(account_ids_file(settings).read_text()))
    except (OSError, ValueError):
        return {}


def record_account_ids(settings: Settings, ids: dict[str, str]) -> None:
    atomic_write_text(account_ids_file(settings), json.dumps(ids, indent=2, sort_keys=True))
