"""One error policy for every `lz` command (the pre-commit model).

Expected failures print one line per problem and exit 1; Ctrl-C exits 130; anything
unexpected prints one line naming a log file that holds the traceback, and exits 3.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import click

EXIT_USER, EXIT_INTERRUPT, EXIT_BUG = 1, 130, 3


class UserError(Exception):
    """An expected failure with a message for the operator."""


def _expected() -> tuple[type[BaseException], ...]:
    from landing_zone.config.errors import ConfigError
    from landing_zone.deploy.orchestrate import DeployError
    from landing_zone.deploy.terraform import TerraformError
    from landing_zone.emulator.server import EmulatorError
    from landing_zone.settings import SettingsError

    return (UserError, ConfigError, SettingsError, DeployError, TerraformError, EmulatorError)


def _crash_log(work_dir: Path) -> Path:
    logs = work_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.log"
    path.write_text(traceback.format_exc())
    return path


def run_guarded(fn: Callable[[], object], work_dir: Callable[[], Path]) -> int:
    try:
        fn()
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        return EXIT_INTERRUPT
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPT
    except _expected() as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_USER
    except Exception as exc:
        try:
            where = f"; traceback in {_crash_log(work_dir())}"
        except OSError:
            where = ""
        print(f"internal error: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return EXIT_BUG
    return 0
