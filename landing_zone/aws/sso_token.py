"""The SSO token cache botocore, the AWS CLI v2 and terraform's AWS provider read.

`lz sso login` writes `~/.aws/sso/cache/<sha1 of the sso-session name>.json` in botocore's
format (SSOTokenProvider), so every AWS tool uses the session with no lz in between. The
directory is fixed by those tools (they never look under --aws-dir).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from landing_zone.aws.files import write_private


def cache_dir(home: Path | None = None) -> Path:
    return (home or Path.home()) / ".aws" / "sso" / "cache"


def cache_file(session: str, home: Path | None = None) -> Path:
    return cache_dir(home) / f"{hashlib.sha1(session.encode()).hexdigest()}.json"  # the name AWS tools look up


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class CachedToken:
    access_token: str
    expires_at: datetime

    def left(self, now: datetime | None = None) -> timedelta:
        return self.expires_at - (now or datetime.now(UTC))


def write(session: str, *, start_url: str, region: str, token: dict[str, object], client: dict[str, object], home: Path | None = None) -> Path:
    """Cache CreateToken's answer (and the registered client, which a refresh needs), 0600."""
    now = datetime.now(UTC)
    data: dict[str, object] = {
        "startUrl": start_url,
        "region": region,
        "accessToken": token["accessToken"],
        "expiresAt": _iso(now + timedelta(seconds=int(str(token["expiresIn"])))),
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "registrationExpiresAt": _iso(datetime.fromtimestamp(int(str(client["clientSecretExpiresAt"])), UTC)),
    }
    if token.get("refreshToken"):
        data["refreshToken"] = token["refreshToken"]
    path = cache_file(session, home)
    write_private(path, json.dumps(data, indent=2) + "\n")
    return path


def read(session: str, home: Path | None = None) -> CachedToken | None:
    """The cached token of `session` (expired or not); None when there is none or it is unreadable."""
    try:
        data = json.loads(cache_file(session, home).read_text(encoding="utf-8"))
        expires = datetime.strptime(str(data["expiresAt"]).replace("UTC", "Z"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return CachedToken(str(data["accessToken"]), expires)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove(session: str, home: Path | None = None) -> bool:
    path = cache_file(session, home)
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed
