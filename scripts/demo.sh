#!/usr/bin/env bash
# The operator journey on the embedded emulator: every command a person would type,
# echoed and counted. Re-running it changes nothing (the emulator stays up between runs;
# `.venv/bin/lz emulator stop` ends it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
steps=0
run() {
  steps=$((steps + 1))
  printf '\n\033[1m[%d] $ %s\033[0m\n' "$steps" "$*"
  "$@"
}

run lz validate
run lz emulator start
run lz up
run lz inventory
printf '\nThe landing zone is up on the emulator (%d commands, no file edits).\n' "$steps"
printf 'Run `make demo` again: every stack reports "no changes". Stop the emulator with `lz emulator stop`.\n'
