"""People on IAM Identity Center: the profiles `lz sso configure` writes and the sign-in `lz sso login` runs.

Pure facts in, INI updates out (as profiles.py does for IAM users): one `[sso-session]` and
one profile per account × permission set, in the AWS CLI v2 format boto3, the AWS CLI and
terraform read as is. The device flow takes its OIDC client and clock from the caller.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from landing_zone import naming
from landing_zone.aws.inifile import Updates

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP = 5  # seconds added to the polling interval on SlowDown (RFC 8628 §3.5)


class SsoLoginError(Exception):
    pass


@dataclass(frozen=True)
class Grant:
    """A permission set a person may use in an account."""

    account: str
    account_id: str
    permission_set: str


def grants(
    assignments: Iterable[tuple[str, str, str]],
    members: dict[str, tuple[str, ...]],
    account_ids: dict[str, str],
    account_order: list[str],
    user: str | None,
) -> list[Grant]:
    """(permission set, group, account) assignments → what `user` (an Identity Center user name)
    may use, or every assignment of every group when `user` is None; project.yaml's account order."""
    found = {(account, pset) for pset, group, account in assignments if account in account_ids and (user is None or user in members.get(group, ()))}
    rank = {name: i for i, name in enumerate(account_order)}
    ordered = sorted(found, key=lambda ap: (rank.get(ap[0], len(rank)), ap[0], ap[1]))
    return [Grant(account, account_ids[account], pset) for account, pset in ordered]


def config_updates(short_name: str, session: str, *, start_url: str, region: str, grants: list[Grant], endpoint: str | None) -> Updates:
    """`[sso-session <session>]` and `[profile <short>-<account>-<set>]` per grant; `endpoint`
    (the emulator's) goes into each profile so every AWS tool using it reaches the emulator."""
    updates: dict[str, dict[str, str | None]] = {
        naming.sso_session_section(session): {
            "sso_start_url": start_url,
            "sso_region": region,
            "sso_registration_scopes": naming.SSO_REGISTRATION_SCOPES,
        }
    }
    for grant in grants:
        updates[naming.config_section(naming.sso_profile(short_name, grant.account, grant.permission_set))] = {
            "sso_session": session,
            "sso_account_id": grant.account_id,
            "sso_role_name": grant.permission_set,
            "region": region,
            "output": "json",
            "endpoint_url": endpoint,
        }
    return updates


# Keys of a profile that signs in another way (`lz credentials configure`'s role profiles).
_OTHER_SIGN_IN = ("role_arn", "source_profile", "credential_source", "aws_access_key_id")


def clashes(sections: dict[str, dict[str, str]], updates: Updates) -> list[str]:
    """Sections `updates` would turn into SSO profiles that now sign in another way: merging
    the two would leave a profile that is neither (botocore takes role_arn first)."""
    return [name for name in updates if any(sections.get(name, {}).get(key) for key in _OTHER_SIGN_IN)]


@dataclass(frozen=True)
class Device:
    client: dict[str, Any]
    authorization: dict[str, Any]

    @property
    def verification_uri(self) -> str:
        return str(self.authorization.get("verificationUriComplete") or self.authorization["verificationUri"])

    @property
    def user_code(self) -> str:
        return str(self.authorization["userCode"])


def start(oidc: Any, client_name: str, start_url: str) -> Device:
    """RegisterClient + StartDeviceAuthorization: the URL and code the person approves."""
    client = oidc.register_client(clientName=client_name, clientType="public", scopes=[naming.SSO_REGISTRATION_SCOPES])
    authorization = oidc.start_device_authorization(clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=start_url)
    return Device(client, authorization)


def wait_for_token(oidc: Any, device: Device, *, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Poll CreateToken at the interval AWS returned until the person approves, denies, or the code expires."""
    interval = float(device.authorization.get("interval") or 5)
    deadline = clock() + float(device.authorization.get("expiresIn") or 600)
    grant = {
        "clientId": device.client["clientId"],
        "clientSecret": device.client["clientSecret"],
        "grantType": DEVICE_GRANT,
        "deviceCode": device.authorization["deviceCode"],
    }
    while True:
        try:
            return dict(oidc.create_token(**grant))
        except oidc.exceptions.AuthorizationPendingException:
            pass
        except oidc.exceptions.SlowDownException:
            interval += SLOW_DOWN_STEP
        except oidc.exceptions.ExpiredTokenException:
            raise SsoLoginError(f"the sign-in code {device.user_code} expired before it was approved: run `lz sso login` again") from None
        except oidc.exceptions.AccessDeniedException:
            raise SsoLoginError(f"the sign-in with code {device.user_code} was denied in the browser: nothing was cached") from None
        if clock() + interval > deadline:
            raise SsoLoginError(f"the sign-in code {device.user_code} expired before it was approved: run `lz sso login` again")
        sleep(interval)
