"""The deploy room's expected failure: printed as one line by the CLI (exit 1)."""

from __future__ import annotations


class DeployError(Exception):
    pass
