"""Initial passwords: identities-stack output → base64 → OpenPGP → plaintext, and every failure.

The stack is never deployed here: DeployContext.terraform (the `terraform output -json`
boundary) is replaced by a fake that returns the `users` output.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from landing_zone.cli.errors import UserError
from landing_zone.cli.main import main
from landing_zone.cli.passwords import encrypted_password_of
from landing_zone.config import load_project
from landing_zone.deploy.errors import DeployError
from landing_zone.postdeploy import demo_keys, passwords
from landing_zone.postdeploy.errors import PostdeployError
from landing_zone.settings import Settings
from tests.postdeploy.support import (  # noqa: F401 - gnupghome, project_path are fixtures
    encrypt_for,
    gnupghome,
    gpg,
    kill_agent,
    make_key,
    make_project,
    new_gnupghome,
    project_path,
)

PASSWORD = "Initial-Pa55word!{}ü"
EMAIL = "natasha.romanoff@example.com"


class FakeTerraform:
    def __init__(self, stack: str, outputs: dict[str, Any] | Exception):
        self.stack, self._outputs = stack, outputs

    def outputs(self) -> dict[str, Any]:
        if isinstance(self._outputs, Exception):
            raise self._outputs
        return self._outputs


@pytest.fixture
def stacks(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """stack id → its outputs (or an exception); read through a fake DeployContext.terraform."""
    from landing_zone.deploy.context import DeployContext

    outputs: dict[str, Any] = {}
    monkeypatch.setattr(DeployContext, "terraform", lambda self, stack: FakeTerraform(stack, outputs[stack]))
    return outputs


@pytest.fixture
def settings(project_path: Path) -> Settings:
    return Settings(config_path=project_path, target="aws", work_dir=project_path.parent / ".lz")


def deploy(settings: Settings, stacks: dict[str, Any], stack: str, users: dict[str, Any]) -> None:
    """What `lz up` leaves behind for a stack: an initialized workspace and its outputs."""
    (settings.work_dir / "stacks" / stack / ".terraform").mkdir(parents=True, exist_ok=True)
    stacks[stack] = {"users": users}


def aws_encrypted(home: Path, email: str, password: str) -> str:
    """The login profile's encrypted_password: base64 of the binary OpenPGP message."""
    return base64.b64encode(encrypt_for(home, email, password.encode())).decode()


def test_round_trip(settings: Settings, stacks: dict[str, Any], gnupghome: Path) -> None:
    deploy(
        settings,
        stacks,
        "management-identities",
        {
            "natasha.romanoff": {"name": "natasha.romanoff", "encrypted_password": aws_encrypted(gnupghome, EMAIL, PASSWORD)},
        },
    )
    project = load_project(settings.config_path)[0]
    ciphertext = encrypted_password_of(project, settings, "natasha.romanoff", "management")
    assert passwords.decrypt(ciphertext, gnupghome=str(gnupghome)) == PASSWORD


def test_cli_prints_the_password_once_and_logs_nothing(
    settings: Settings, stacks: dict[str, Any], gnupghome: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LZ_WORK_DIR", str(settings.work_dir))
    deploy(
        settings,
        stacks,
        "security-identities",
        {
            "natasha.romanoff": {"name": "natasha.romanoff", "encrypted_password": aws_encrypted(gnupghome, EMAIL, PASSWORD)},
        },
    )
    code = main(
        [
            "passwords",
            "show",
            "natasha.romanoff",
            "--account",
            "security",
            "--gnupghome",
            str(gnupghome),
            "--config",
            str(settings.config_path),
            "--target",
            "aws",
        ]
    )
    out = capsys.readouterr()
    assert code == 0
    assert out.out == PASSWORD + "\n"
    assert PASSWORD not in out.err
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert PASSWORD.encode() not in f.read_bytes(), f


def test_unknown_user(settings: Settings, stacks: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LZ_WORK_DIR", str(settings.work_dir))
    deploy(settings, stacks, "management-identities", {"kit.walker": {"name": "kit.walker", "encrypted_password": "eA=="}})
    code = main(["passwords", "show", "natasha", "--config", str(settings.config_path), "--target", "aws"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == "error: unknown user 'natasha' in account management (IAM users there: kit.walker)\n"


def test_unknown_account(settings: Settings, stacks: dict[str, Any]) -> None:
    project = load_project(settings.config_path)[0]
    with pytest.raises(UserError, match="unknown account 'prod'"):
        encrypted_password_of(project, settings, "kit.walker", "prod")


@pytest.mark.parametrize("state", ["no workspace", "no outputs", "not synthesized"])
def test_stack_not_deployed(settings: Settings, stacks: dict[str, Any], state: str) -> None:
    project = load_project(settings.config_path)[0]
    if state == "no outputs":
        deploy(settings, stacks, "management-identities", {})
        stacks["management-identities"] = {}  # an applied stack without the output (older code)
    elif state == "not synthesized":
        deploy(settings, stacks, "management-identities", {})
        stacks["management-identities"] = FileNotFoundError("cdktf.out/stacks/management-identities/cdk.tf.json")
    with pytest.raises(DeployError, match=r"^stack management-identities is not deployed \(run `lz up`\)$"):
        encrypted_password_of(project, settings, "kit.walker", "management")


def test_terraform_failure_points_at_the_log(settings: Settings, stacks: dict[str, Any]) -> None:
    from landing_zone.deploy.terraform import TerraformError

    deploy(settings, stacks, "management-identities", {})
    stacks["management-identities"] = TerraformError("management-identities", "output", Path("/x/management-identities.log"))
    with pytest.raises(DeployError, match="terraform output failed; see /x/management-identities.log"):
        encrypted_password_of(load_project(settings.config_path)[0], settings, "kit.walker", "management")


def test_not_base64(settings: Settings, stacks: dict[str, Any]) -> None:
    deploy(settings, stacks, "management-identities", {"kit.walker": {"name": "kit.walker", "encrypted_password": "%%%"}})
    with pytest.raises(PostdeployError, match="not valid base64"):
        encrypted_password_of(load_project(settings.config_path)[0], settings, "kit.walker", "management")


def test_key_not_in_keyring(gnupghome: Path) -> None:
    ciphertext = encrypt_for(gnupghome, EMAIL, b"x")
    empty = new_gnupghome()
    try:
        with pytest.raises(PostdeployError, match=r"encrypted for key [0-9A-F]{16}, whose private key is not in the keyring"):
            passwords.decrypt(ciphertext, gnupghome=str(empty))
    finally:
        kill_agent(empty)


def test_not_an_openpgp_message(gnupghome: Path) -> None:
    with pytest.raises(PostdeployError, match="not an OpenPGP message"):
        passwords.decrypt(b"just bytes", gnupghome=str(gnupghome))


@pytest.fixture(scope="module")
def locked_home() -> Iterator[Path]:
    """A keyring whose key has a passphrase, with an agent that caches no passphrase."""
    home = new_gnupghome()
    (home / "gpg-agent.conf").write_text("default-cache-ttl 0\nmax-cache-ttl 0\nallow-loopback-pinentry\n")
    make_key(home, "locked@example.com", passphrase="correct horse")
    yield home
    kill_agent(home)


def test_passphrase_file(locked_home: Path, tmp_path: Path) -> None:
    ciphertext = encrypt_for(locked_home, "locked@example.com", PASSWORD.encode())
    good = tmp_path / "good"
    good.write_text("correct horse\n")
    assert passwords.decrypt(ciphertext, passphrase=passwords.read_passphrase_file(good), gnupghome=str(locked_home)) == PASSWORD


def test_wrong_passphrase(locked_home: Path) -> None:
    ciphertext = encrypt_for(locked_home, "locked@example.com", b"x")
    with pytest.raises(PostdeployError, match="^wrong passphrase for the private key$"):
        passwords.decrypt(ciphertext, passphrase="battery staple", gnupghome=str(locked_home))


def test_no_passphrase_and_no_agent_cache(locked_home: Path) -> None:
    ciphertext = encrypt_for(locked_home, "locked@example.com", b"x")
    with pytest.raises(passwords.PassphraseNeeded, match="gpg-agent or pass --passphrase-file"):
        passwords.decrypt(ciphertext, gnupghome=str(locked_home))


def test_passphrase_file_missing(tmp_path: Path) -> None:
    with pytest.raises(PostdeployError, match="cannot read the passphrase file"):
        passwords.read_passphrase_file(tmp_path / "nope")


# --- demo keys ---


def test_demo_keys(tmp_path: Path, gnupghome: Path) -> None:
    project_path = make_project(tmp_path / "proj", gnupghome)
    for key in (project_path.parent / "keys").iterdir():
        key.unlink()
    (project_path.parent / "keys" / "kit.walker").write_bytes(make_key(gnupghome, "kit.walker@example.com"))  # a real person's
    home = new_gnupghome()
    try:
        made = demo_keys.generate(project_path, home)
        assert [(k.user, k.status) for k in made] == [("kit.walker", "kept (not a demo key)"), ("natasha.romanoff", "created")]
        public = project_path.parent / "keys" / "natasha.romanoff"
        assert public.read_text().startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        assert "PRIVATE" not in public.read_text()
        load_project(project_path)  # the config loader accepts the armored key
        assert [k.status for k in demo_keys.generate(project_path, home)] == ["kept (not a demo key)", "kept"]

        # What AWS would do with that public key, then what `lz passwords show` does.
        scratch = new_gnupghome()
        try:
            gpg(scratch, "--import", str(public))
            ciphertext = gpg(scratch, "--trust-model", "always", "--encrypt", "--recipient", "natasha.romanoff@demo.invalid", stdin=PASSWORD.encode())
        finally:
            kill_agent(scratch)
        assert passwords.decrypt(ciphertext, gnupghome=str(home)) == PASSWORD
        assert subprocess.run(["gpg", "--homedir", str(home), "--list-secret-keys"], capture_output=True, text=True).stdout.count("demo.invalid") == 1
    finally:
        kill_agent(home)
