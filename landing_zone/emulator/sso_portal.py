"""IAM Identity Center's sign-in side for the emulator: moto 5.2.5 has no SSO OIDC and no SSO portal.

- SSO OIDC (`sso-oidc`): RegisterClient, StartDeviceAuthorization, CreateToken (device-code
  grant, with AuthorizationPending / SlowDown / ExpiredToken / AccessDenied as AWS answers).
- The portal (`sso`): ListAccounts, ListAccountRoles, GetRoleCredentials, Logout, answered from
  moto's own Identity Store (users, groups, memberships) and SSO-Admin (assignments).
- The `AWSReservedSSO_<set>_<suffix>` role Identity Center provisions in an account: created when
  an assignment is made, with the permission set's managed and inline policies (re-synced before
  credentials are issued, since the provider attaches policies in parallel with assignments).
- `POST /lz-sso/approve` {userCode, userName, deny}: the person's browser sign-in at the
  verification URL, which `lz sso login --demo` does itself on the emulator.

Every call here is unsigned (bearer tokens, client secrets), so moto's router cannot tell them
apart by signing name; `install()` puts a small WSGI dispatcher in front of moto's for exactly
these paths. Tested in tests/test_emulator_sso_portal.py.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

ROLE_PREFIX = "AWSReservedSSO"
ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
DEVICE_EXPIRES, TOKEN_EXPIRES, INTERVAL = 600, 3600, 1  # seconds (AWS: 600, 1-12 h, 5 s)
CLIENT_EXPIRES = 90 * 24 * 3600
APPROVE_PATH = "/lz-sso/approve"
BEARER_HEADER = "x-amz-sso_bearer_token"
_OIDC_PATHS = {"/client/register", "/device_authorization", "/token"}
_PORTAL_PATHS = {"/assignment/accounts", "/assignment/roles", "/federation/credentials", "/logout"}


class SsoError(Exception):
    def __init__(self, status: int, code: str, message: str, oauth_error: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.oauth_error = status, code, oauth_error


@dataclass
class Device:
    client_id: str
    user_code: str
    expires: float
    user_name: str | None = None  # set once approved
    denied: bool = False
    last_poll: float = 0.0


@dataclass
class Token:
    user_name: str
    expires: float


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    clients: dict[str, tuple[str, float]] = field(default_factory=dict)  # client id → (secret, expiry)
    devices: dict[str, Device] = field(default_factory=dict)  # device code → device
    tokens: dict[str, Token] = field(default_factory=dict)  # access token → whose


STATE = _State()


# --- Identity Center as moto stores it ---


def role_name(permission_set_name: str, permission_set_arn: str) -> str:
    """`AWSReservedSSO_<set>_<16 hex>`: the suffix is stable per permission set, as in AWS."""
    return f"{ROLE_PREFIX}_{permission_set_name}_{hashlib.sha256(permission_set_arn.encode()).hexdigest()[:16]}"


def _ssoadmin_backends() -> list[Any]:
    from moto.ssoadmin.models import ssoadmin_backends

    return [backend for regions in ssoadmin_backends.values() for backend in regions.values()]


def _find_user(user_name: str) -> tuple[Any, str, str] | None:
    """(SSO-Admin backend, identity store id, user id) of the Identity Center user `user_name`."""
    from moto.identitystore.models import identitystore_backends

    for backend in _ssoadmin_backends():
        store_ids = {i.identity_store_id for i in backend.instances}
        store_backend = identitystore_backends[backend.account_id][backend.region_name]
        for store_id, store in store_backend.identity_stores.items():
            if store_id not in store_ids:
                continue
            for user in store.users.values():
                if user.UserName == user_name:
                    return backend, store_id, user.UserId
    return None


def _assignments_of(user_name: str) -> list[tuple[str, Any]]:
    """(account id, permission set) for every assignment reaching `user_name`, directly or by group."""
    from moto.identitystore.models import identitystore_backends

    found = _find_user(user_name)
    if found is None:
        return []
    backend, store_id, user_id = found
    store = identitystore_backends[backend.account_id][backend.region_name].identity_stores[store_id]
    groups = {m["GroupId"] for m in store.group_memberships.values() if m["MemberId"].get("UserId") == user_id}
    sets = {p.permission_set_arn: p for p in backend.permission_sets}
    out = []
    for a in backend.account_assignments:
        mine = (a.principal_type == "USER" and a.principal_id == user_id) or (a.principal_type == "GROUP" and a.principal_id in groups)
        if mine and a.permission_set_arn in sets and (a.target_id, sets[a.permission_set_arn]) not in out:
            out.append((a.target_id, sets[a.permission_set_arn]))
    return out


def _iam(account_id: str, backend: Any) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id][backend.partition]


def sync_role(backend: Any, account_id: str, permission_set: Any) -> str:
    """Create or update the permission set's role in `account_id`; its name."""
    from moto.iam.models import NotFoundException

    iam = _iam(account_id, backend)
    name = role_name(permission_set.name, permission_set.permission_set_arn)
    try:
        role = iam.get_role(name)
    except NotFoundException:
        provider = f"arn:{backend.partition}:iam::{account_id}:saml-provider/AWSSSO_{name[-16:]}_DO_NOT_DELETE"
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider}, "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"]}],
        }
        role = iam.create_role(name, json.dumps(trust), ROLE_PATH, None, f"Identity Center permission set {permission_set.name}", [], "3600")
    wanted = {m.arn for m in permission_set.managed_policies}
    for arn in set(role.managed_policies) - wanted:
        iam.detach_role_policy(arn, name)
    for arn in wanted - set(role.managed_policies):
        iam.attach_role_policy(arn, name)
    if permission_set.inline_policy:
        iam.put_role_policy(name, "AwsSSOInlinePolicy", permission_set.inline_policy)
    elif "AwsSSOInlinePolicy" in role.policies:
        iam.delete_role_policy(name, "AwsSSOInlinePolicy")
    return name


def _drop_role(backend: Any, account_id: str, permission_set_arn: str) -> None:
    """Remove the role once no assignment of its permission set is left in the account."""
    from moto.iam.models import NotFoundException

    if any(a.target_id == account_id and a.permission_set_arn == permission_set_arn for a in backend.account_assignments):
        return
    iam = _iam(account_id, backend)
    for role in list(iam.roles.values()):
        if role.path == ROLE_PATH and role.name.endswith(role_name("x", permission_set_arn)[-16:]):
            try:
                for arn in list(role.managed_policies):
                    iam.detach_role_policy(arn, role.name)
                for policy in list(role.policies):
                    iam.delete_role_policy(role.name, policy)
                iam.delete_role(role.name)
            except NotFoundException:
                pass


def _patch_assignments_provision_roles() -> None:
    from moto.ssoadmin.models import SSOAdminBackend

    create, delete = SSOAdminBackend.create_account_assignment, SSOAdminBackend.delete_account_assignment

    def create_account_assignment(self: SSOAdminBackend, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = create(self, *args, **kwargs)
        for pset in self.permission_sets:
            if pset.permission_set_arn == result["PermissionSetArn"]:
                sync_role(self, result["TargetId"], pset)
        return result

    def delete_account_assignment(self: SSOAdminBackend, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = delete(self, *args, **kwargs)
        _drop_role(self, result["TargetId"], result["PermissionSetArn"])
        return result

    SSOAdminBackend.create_account_assignment = create_account_assignment  # type: ignore[method-assign]
    SSOAdminBackend.delete_account_assignment = delete_account_assignment  # type: ignore[method-assign]


# --- SSO OIDC ---


def _client(params: dict[str, Any]) -> str:
    client_id = params.get("clientId", "")
    secret, expires = STATE.clients.get(client_id, ("", 0.0))
    if not secret or secret != params.get("clientSecret") or expires < time.time():
        raise SsoError(400, "InvalidClientException", "Invalid client", "invalid_client")
    return client_id


def register_client(params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("clientName") or params.get("clientType") != "public":
        raise SsoError(400, "InvalidClientMetadataException", "clientName and clientType=public are required", "invalid_client_metadata")
    client_id, secret, now = secrets.token_urlsafe(16), secrets.token_urlsafe(32), time.time()
    STATE.clients[client_id] = (secret, now + CLIENT_EXPIRES)
    return {"clientId": client_id, "clientSecret": secret, "clientIdIssuedAt": int(now), "clientSecretExpiresAt": int(now + CLIENT_EXPIRES)}


def start_device_authorization(params: dict[str, Any], base_url: str) -> dict[str, Any]:
    client_id = _client(params)
    device_code = secrets.token_urlsafe(32)
    user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
    STATE.devices[device_code] = Device(client_id, user_code, time.time() + DEVICE_EXPIRES)
    uri = f"{base_url.rstrip('/')}/lz-sso/device"
    return {
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": uri,
        "verificationUriComplete": f"{uri}?user_code={user_code}",
        "expiresIn": DEVICE_EXPIRES,
        "interval": INTERVAL,
    }


def create_token(params: dict[str, Any]) -> dict[str, Any]:
    client_id = _client(params)
    if params.get("grantType") != "urn:ietf:params:oauth:grant-type:device_code":
        raise SsoError(400, "UnsupportedGrantTypeException", "Only the device code grant is emulated", "unsupported_grant_type")
    device = STATE.devices.get(params.get("deviceCode", ""))
    if device is None or device.client_id != client_id:
        raise SsoError(400, "InvalidGrantException", "Invalid device code", "invalid_grant")
    now = time.time()
    if device.expires < now:
        raise SsoError(400, "ExpiredTokenException", "Device code expired", "expired_token")
    if device.denied:
        raise SsoError(400, "AccessDeniedException", "The request was denied", "access_denied")
    if device.user_name is None:
        too_fast = now - device.last_poll < INTERVAL * 0.5
        device.last_poll = now
        if too_fast:
            raise SsoError(400, "SlowDownException", "Polling too fast", "slow_down")
        raise SsoError(400, "AuthorizationPendingException", "Authorization pending", "authorization_pending")
    del STATE.devices[params["deviceCode"]]
    access_token = "lzsso-" + secrets.token_urlsafe(32)
    STATE.tokens[access_token] = Token(device.user_name, now + TOKEN_EXPIRES)
    return {"accessToken": access_token, "tokenType": "Bearer", "expiresIn": TOKEN_EXPIRES}


def approve(params: dict[str, Any]) -> dict[str, Any]:
    """The person signs in at the verification URL and allows (or denies) the device."""
    user_name, user_code = params.get("userName", ""), params.get("userCode", "")
    if _find_user(user_name) is None:
        raise SsoError(404, "ResourceNotFoundException", f"No Identity Center user {user_name}")
    for device in STATE.devices.values():
        if device.user_code == user_code and device.expires >= time.time():
            device.denied = bool(params.get("deny"))
            device.user_name = None if device.denied else user_name
            return {"approved": not device.denied}
    raise SsoError(404, "ResourceNotFoundException", f"No pending device with code {user_code}")


# --- the portal ---


def _token_user(token: str | None) -> str:
    found = STATE.tokens.get(token or "")
    if found is None or found.expires < time.time():
        raise SsoError(401, "UnauthorizedException", "Session token not found or invalid")
    return found.user_name


def _account_info(account_id: str) -> dict[str, str]:
    from moto.organizations.models import organizations_backends

    info = {"accountId": account_id, "accountName": account_id, "emailAddress": ""}
    management = organizations_backends.master_accounts.get(account_id)
    if management:
        try:
            account = organizations_backends[management[0]][management[1]].get_account_by_id(account_id)
            info.update(accountName=account.name, emailAddress=account.email)
        except Exception:  # an account the organization no longer lists: its id stands in
            pass
    return info


def list_accounts(token: str | None) -> dict[str, Any]:
    accounts = dict.fromkeys(a for a, _ in _assignments_of(_token_user(token)))
    return {"accountList": [_account_info(a) for a in accounts]}


def list_account_roles(token: str | None, account_id: str) -> dict[str, Any]:
    roles = [{"roleName": p.name, "accountId": a} for a, p in _assignments_of(_token_user(token)) if a == account_id]
    return {"roleList": roles}


def get_role_credentials(token: str | None, account_id: str, set_name: str) -> dict[str, Any]:
    from moto.sts.models import sts_backends

    user = _token_user(token)
    match = [p for a, p in _assignments_of(user) if a == account_id and p.name == set_name]
    if not match:
        raise SsoError(403, "ForbiddenException", f"No access to {set_name} in {account_id}")
    found = _find_user(user)
    assert found is not None  # _assignments_of found the user
    backend = found[0]
    name = sync_role(backend, account_id, match[0])
    arn = f"arn:{backend.partition}:iam::{account_id}:role{ROLE_PATH}{name}"
    session = sts_backends[account_id][backend.partition].assume_role(backend.region_name, user, arn, "", 3600, "")
    return {
        "roleCredentials": {
            "accessKeyId": session.access_key_id,
            "secretAccessKey": session.secret_access_key,
            "sessionToken": session.session_token,
            "expiration": int((time.time() + 3600) * 1000),
        }
    }


def logout(token: str | None) -> dict[str, Any]:
    STATE.tokens.pop(token or "", None)
    return {}


# --- the WSGI front ---


def handles(method: str, path: str, headers: Any) -> bool:
    if headers.get("Authorization"):
        return False  # signed: a moto service (an S3 key named `token`, say)
    return (method == "POST" and path in _OIDC_PATHS | {APPROVE_PATH}) or path in _PORTAL_PATHS


def answer(method: str, path: str, headers: Any, args: Any, body: bytes, base_url: str) -> tuple[int, dict[str, str], str]:
    """(status, headers, JSON body) for one request `handles` accepted."""
    params: dict[str, Any] = json.loads(body or b"{}") if method == "POST" else {}
    token = headers.get(BEARER_HEADER)
    try:
        with STATE.lock:
            result = {
                "/client/register": lambda: register_client(params),
                "/device_authorization": lambda: start_device_authorization(params, base_url),
                "/token": lambda: create_token(params),
                APPROVE_PATH: lambda: approve(params),
                "/assignment/accounts": lambda: list_accounts(token),
                "/assignment/roles": lambda: list_account_roles(token, args.get("account_id", "")),
                "/federation/credentials": lambda: get_role_credentials(token, args.get("account_id", ""), args.get("role_name", "")),
                "/logout": lambda: logout(token),
            }[path]()
        return 200, {"Content-Type": "application/json"}, json.dumps(result)
    except SsoError as exc:
        error: dict[str, Any] = {"__type": exc.code, "message": str(exc)}
        if exc.oauth_error:
            error.update(error=exc.oauth_error, error_description=str(exc))
        return exc.status, {"Content-Type": "application/json", "x-amzn-ErrorType": exc.code}, json.dumps(error)


def _keep_bearer_header() -> None:
    """The portal's token header has an underscore, which werkzeug's server drops (moto keeps
    only S3's `x-amz-meta-` ones); keep it too."""
    import moto.moto_server.werkzeug_app as app

    original = app.should_preserve_original_header_name

    def should_preserve_original_header_name(header_name: str) -> bool:
        return header_name.lower() == BEARER_HEADER or original(header_name)

    app.should_preserve_original_header_name = should_preserve_original_header_name


def install() -> None:
    """Answer the OIDC and portal paths before moto's dispatcher; provision roles on assignment."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from werkzeug.wrappers import Request, Response

    _patch_assignments_provision_roles()
    _keep_bearer_header()
    original = DomainDispatcherApplication.__call__

    def __call__(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if not handles(request.method, request.path, request.headers):
            return original(self, environ, start_response)
        status, headers, text = answer(request.method, request.path, request.headers, request.args, request.get_data(), request.host_url)
        return Response(text, status=status, headers=headers)(environ, start_response)

    DomainDispatcherApplication.__call__ = __call__  # type: ignore[method-assign]
