"""How the post-deploy flows talk to the operator; the CLI passes typer's, tests a fake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Console:
    echo: Callable[[str], None]  # progress lines (stderr in the CLI)
    prompt: Callable[[str, bool], str]  # (text, hide input) -> answer
    confirm: Callable[[str], bool]  # yes/no question, default no
    interactive: bool  # False in CI: never prompt, fail with a message instead

    def ask(self, text: str, *, hide: bool = False, why_needed: str) -> str:
        if not self.interactive:
            from landing_zone.postdeploy.errors import PostdeployError

            raise PostdeployError(f"{why_needed} (no terminal to ask on)")
        return self.prompt(text, hide)
