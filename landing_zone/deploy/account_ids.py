"""Member account ids, recorded from the organizations stack's outputs after it applies.

On AWS they go into project.yaml (comment-preserving, as the reference keeps them there), so
a colleague's fresh clone or CI synthesizes every stack, byte-identical, without `lz up`.
The emulator's accounts live only as long as the emulator: their ids stay in the work dir
(`account_ids.json`), and project.yaml, a tracked file, is never edited with them.
Synth is handed the ids it needs as an argument.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from landing_zone.config import editor
from landing_zone.deploy.errors import DeployError
from landing_zone.fsutil import atomic_write_text
from landing_zone.settings import Settings


def account_ids_file(settings: Settings) -> Path:
    return settings.work_dir / "account_ids.json"


def known_account_ids(settings: Settings) -> dict[str, str]:
    """The ids recorded so far: project.yaml's on AWS, the work dir's on the emulator."""
    if settings.target == "aws":
        try:
            return editor.account_ids(settings.config_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
    try:
        raw = json.loads(account_ids_file(settings).read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        raw = None
    if isinstance(raw, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        return raw
    # Rebuilt by the next `lz up` from the organizations stack's outputs.
    print(f"notice: {account_ids_file(settings)} is not a name → id map: ignored (lz up records it again)", file=sys.stderr)
    return {}


def record_account_ids(settings: Settings, ids: dict[str, str]) -> None:
    """Keep `ids` (name → id, as the organizations stack outputs them)."""
    if settings.target != "aws":
        atomic_write_text(account_ids_file(settings), json.dumps(ids, indent=2, sort_keys=True))
        return
    text = settings.config_path.read_text(encoding="utf-8")
    written = editor.account_ids(text)
    clash = {name: (written[name], new) for name, new in ids.items() if written.get(name) not in (None, new)}
    if clash:
        raise DeployError(
            "; ".join(
                f"{settings.config_path}: account {name} has id {old}, but the organization's "
                f"account {name} is {new}: fix the id (or remove it to have lz write it)"
                for name, (old, new) in sorted(clash.items())
            )
        )
    updated = editor.with_account_ids(text, ids)
    if updated != text:
        editor.edit_file(settings.config_path, lambda _old: updated)
