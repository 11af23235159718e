"""One error policy for every `lz` command (the pre-commit model).

Expected failures print one line per problem and exit 1; Ctrl-C exits 130; anything
unexpected prints one line naming a log file that holds the traceback, and exits 3.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import typer

EXIT_USER, EXIT_INTERRUPT, EXIT_BUG = 1, 130, 3


class UserError(Exception):
    """An expected failure with a message for the operator."""


# Expected failures by dotted class name: matching names (instead of importing the classes)
# keeps the deploy and emulator modules out of commands that never loaded them, such as
# `lz validate`; an exception of one of these classes implies its module is loaded anyway.
EXPECTED = frozenset(
    {
        "landing_zone.cli.errors.UserError",
        "landing_zone.config.errors.ConfigError",
        "landing_zone.settings.SettingsError",
        "landing_zone.app.AppValidationError",
        "landing_zone.config.editor.EditError",
        "landing_zone.aws.errors.AwsError",
        "landing_zone.deploy.errors.DeployError",
        "landing_zone.deploy.terraform.TerraformError",
        "landing_zone.emulator.server.EmulatorError",
        "landing_zone.migration.leverage.MigrationError",
    }
)


def is_expected(exc: BaseException) -> bool:
    return any(f"{cls.__module__}.{cls.__qualname__}" in EXPECTED for cls in type(exc).__mro__)


def _crash_log(work_dir: Path) -> Path:
    """Write the current traceback to a new file under <work_dir>/logs (never overwriting one)."""
    import tempfile
    import traceback

    logs = work_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=logs, prefix=f"crash-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".log")
    from landing_zone import __version__

    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"lz {__version__}, Python {sys.version.split()[0]}\n")  # not argv: it may hold an MFA code
        fh.write(traceback.format_exc())
    return Path(name)


def _click(name: str) -> tuple[type[BaseException], ...]:
    """click's exception class `name` from click itself and from typer's vendored copy (typer
    0.2x ships its own click), of those loaded: a class whose module was never imported can't
    have been raised, and importing click just to catch its exceptions costs every command ~15 ms.
    """
    loaded = (sys.modules.get(m) for m in ("click.exceptions", "typer._click.exceptions"))
    found = (getattr(m, name, None) for m in loaded if m)
    return tuple(cls for cls in found if isinstance(cls, type) and issubclass(cls, BaseException))


def _interrupted() -> int:
    print("interrupted", file=sys.stderr)
    return EXIT_INTERRUPT


def run_guarded(fn: Callable[[], object], work_dir: Callable[[], Path]) -> int:
    exits: tuple[type[BaseException], ...] = (*_click("Exit"), typer.Exit)
    aborts: tuple[type[BaseException], ...] = (*_click("Abort"), typer.Abort, KeyboardInterrupt)
    try:
        result = fn()
    except exits as exc:
        return int(exc.exit_code)  # type: ignore[attr-defined]
    except aborts:
        return _interrupted()
    except _click("ClickException") as exc:
        exc.show()  # type: ignore[attr-defined]
        return int(exc.exit_code)  # type: ignore[attr-defined]
    except Exception as exc:
        if is_expected(exc):
            for line in str(exc).splitlines() or [type(exc).__name__]:
                print(f"error: {line}", file=sys.stderr)
            return EXIT_USER
        try:
            where = f"; traceback in {_crash_log(work_dir())}"
        except OSError as log_exc:
            where = f"; no crash log ({log_exc.strerror or log_exc})"
        first_line = next(iter(str(exc).splitlines()), "")  # the promise is one line
        print(f"internal error: {type(exc).__name__}: {first_line}{where}", file=sys.stderr)
        return EXIT_BUG
    # Outside standalone mode typer returns a typer.Exit's code instead of raising it, and
    # turns Ctrl-C inside a command into Exit(130).
    code = result if isinstance(result, int) and not isinstance(result, bool) else 0
    return _interrupted() if code == EXIT_INTERRUPT else code
