#!/usr/bin/env bash
# The operator journey on the embedded emulator: every command a person types, echoed and
# counted, from an empty account to people logged in with MFA. Re-running it changes
# nothing (the emulator stays up between runs; `lz emulator stop` ends it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export GNUPGHOME="$PWD/.lz/demo-gnupg"   # throwaway demo keys; never your own keyring
export LZ_AWS_DIR="$PWD/.lz/aws"         # demo profiles; never your ~/.aws
USER_NAME=natasha.romanoff
KEY_CSV=.lz/$USER_NAME-access-key.csv
steps=0
run() {
  steps=$((steps + 1))
  printf '\n\033[1m[%d] $ %s\033[0m\n' "$steps" "$*"
  "$@"
}
note() { printf '\n\033[2m# %s\033[0m\n' "$*"; }

note "Demo only: throwaway GPG keys for the IAM users (a real user sends you their public key)."
run lz passwords demo-keys
run lz validate
run lz emulator start
run lz up

note "Post-deploy: the user's initial password, decrypted with their GPG key."
run lz passwords show "$USER_NAME"

note "Operator credentials and ~/.aws profiles (here: $LZ_AWS_DIR)."
run lz credentials configure --type BOOTSTRAP
if [ ! -f "$KEY_CSV" ]; then
  note "Stand-in for the console step 'create access key' (emulator only)."
  run lz credentials emulator-access-key "$USER_NAME" --out "$KEY_CSV"
fi
run lz credentials configure --type MANAGEMENT --credentials-file "$KEY_CSV"
note "MFA: the emulator computes the codes (--demo-codes); a person scans the QR code."
run lz mfa enroll "$USER_NAME" --demo-codes
run lz credentials configure --type MANAGEMENT --skip-access-keys-setup --fetch-mfa-device
run lz mfa login --demo-codes

note "What exists now:"
run lz inventory
printf '\nProfiles written to %s/me/config:\n' "$LZ_AWS_DIR"
cat "$LZ_AWS_DIR/me/config"
printf '\nThe landing zone is up on the emulator: %d commands, no file edits.\n' "$steps"
printf 'Run `make demo` again: every stack reports no changes. Stop the emulator with `.venv/bin/lz emulator stop`.\n'
