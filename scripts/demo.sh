#!/usr/bin/env bash
# The operator journey on the embedded emulator: every command a person types, echoed and
# counted, from an empty account to people logged in with MFA. Re-running it changes
# nothing (the emulator stays up between runs; `lz emulator stop` ends it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export GNUPGHOME="$PWD/.lz/demo-gnupg"   # throwaway demo keys; never your own keyring
export LZ_AWS_DIR="$PWD/.lz/aws"         # demo profiles; never your ~/.aws
# The journey edits project.yaml (require_mfa): it works on a copy, the repo's stays as committed.
export LZ_CONFIG="$PWD/.lz/demo/project.yaml"
if [ ! -f "$LZ_CONFIG" ]; then mkdir -p "$(dirname "$LZ_CONFIG")" && cp project.yaml "$LZ_CONFIG"; fi
USER_NAME=natasha.romanoff
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
# --demo-codes: on a second `make demo` MFA is on, and a stale session needs a code (emulator only)
run lz up --demo-codes

note "Post-deploy: the user's initial password, decrypted with their GPG key."
run lz passwords show "$USER_NAME"

note "Operator credentials and ~/.aws profiles (here: $LZ_AWS_DIR)."
run lz credentials configure --type BOOTSTRAP
for account in management security; do
  kind=$([ "$account" = management ] && echo MANAGEMENT || echo SECURITY)
  csv=.lz/$USER_NAME-$account-access-key.csv
  if [ ! -f "$csv" ]; then
    note "Stand-in for the console step 'create access key' for $USER_NAME in $account (emulator only)."
    run lz credentials emulator-access-key "$USER_NAME" --account "$account" --out "$csv"
  fi
  run lz credentials configure --type "$kind" --credentials-file "$csv"
  note "MFA device for $USER_NAME in $account: the emulator computes the codes (--demo-codes); a person scans the QR code."
  run lz mfa enroll "$USER_NAME" --account "$account" --demo-codes
  run lz credentials configure --type "$kind" --skip-access-keys-setup --fetch-mfa-device
done
run lz mfa login --demo-codes

note "Require MFA everywhere: one command (refuses if it would lock you out)."
run lz mfa enable --yes --demo-codes
note "From now on every stack runs with the cached MFA sessions:"
run lz up --refresh --demo-codes

note "A person on Identity Center (no keys at all), on a machine of their own: profiles for what their groups may use, one sign-in."
SSO_USER=natasha.romanoff@example.com
# Their own HOME: ~/.aws for the profiles, ~/.aws/sso/cache for the token every AWS tool reads.
SSO_HOME="$PWD/.lz/demo-home"
run lz sso configure --user "$SSO_USER" --aws-dir "$SSO_HOME/.aws" --demo-codes
note "Sign-in: a person opens the URL and approves the code; --demo approves it on the emulator (emulator only)."
run env HOME="$SSO_HOME" lz sso login --demo --user "$SSO_USER" --aws-dir "$SSO_HOME/.aws"
note "Any AWS tool now uses the profile, with no lz in between (here boto3's own SSO credential provider):"
run env HOME="$SSO_HOME" AWS_CONFIG_FILE="$SSO_HOME/.aws/me/config" python -c \
  'import boto3; print(boto3.Session(profile_name="me-shared-devops").client("sts").get_caller_identity()["Arn"])'

note "What exists now:"
run lz inventory
printf '\nproject.yaml of the demo (%s) now says:\n' "$LZ_CONFIG"
grep -n '^require_mfa' "$LZ_CONFIG"
printf '\nProfiles written to %s/me/config:\n' "$LZ_AWS_DIR"
cat "$LZ_AWS_DIR/me/config"
printf '\nFrom empty to an MFA-enforced landing zone on the emulator: %d commands, no file edits.\n' "$steps"
printf 'Run `make demo` again: every stack reports no changes. Stop the emulator with `.venv/bin/lz emulator stop`.\n'
