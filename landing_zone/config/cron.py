"""GitHub Actions `schedule` cron: five POSIX fields. Hand-written: no cron library is in the
toolchain, and GitHub accepts only this small syntax (no seconds, no `@daily`, no `?`/`L`/`#`)."""

from __future__ import annotations

import re

_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_DAYS = "sun mon tue wed thu fri sat".split()
# (name, lowest, highest, names): minute, hour, day of month, month, day of week
FIELDS: tuple[tuple[str, int, int, list[str]], ...] = (
    ("minute", 0, 59, []),
    ("hour", 0, 23, []),
    ("day of month", 1, 31, []),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
_PART = re.compile(r"^(?P<range>\*|(?P<lo>\w+)(?:-(?P<hi>\w+))?)(?:/(?P<step>\d+))?$")


def _value(text: str, low: int, high: int, names: list[str]) -> int | None:
    if text.isdigit():
        n = int(text)
        return n if low <= n <= high else None
    lowered = text.lower()
    return names.index(lowered) + low if lowered in names else None


def problem(expr: str) -> str | None:
    """Why `expr` is not a cron GitHub accepts, or None."""
    parts = expr.split()
    if len(parts) != 5:
        return f"'{expr}' is not a cron schedule: it needs 5 fields (minute hour day-of-month month day-of-week), e.g. '17 5 * * *' (daily at 05:17 UTC)"
    for text, (name, low, high, names) in zip(parts, FIELDS, strict=True):
        for item in text.split(","):
            m = _PART.match(item)
            values = [m["lo"], m["hi"]] if m and m["lo"] else []
            bad = m is None or (m["step"] is not None and int(m["step"]) == 0) or any(v is not None and _value(v, low, high, names) is None for v in values)
            if bad:
                named = f", or names like {names[0].upper()}" if names else ""
                return f"'{expr}': the {name} field '{text}' is not valid cron ({low}-{high}{named}; *, lists, ranges, /steps)"
    return None
