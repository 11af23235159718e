"""Runs Prowler (with security/prowler/.venv/bin/python) against the embedded emulator.

botocore honours AWS_ENDPOINT_URL for every service, but S3 Control's endpoint rules put
the account id in front of the host (`<account>.127.0.0.1:<port>`), and no resolver here
knows such a name (AWS_DISABLE_HOST_PREFIX_INJECTION does not apply to endpoint rules).
This maps `<12 digits>.<emulator host>` back to the emulator host, then hands over to
Prowler's own entry point; used by scripts/cis-scan, never against real AWS.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from typing import Any
from urllib.parse import urlsplit


def _route_account_hosts(emulator_host: str) -> None:
    pattern = re.compile(rf"\d{{12}}\.{re.escape(emulator_host)}")
    resolve = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and pattern.fullmatch(host):
            host = emulator_host
        return resolve(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


if __name__ == "__main__":
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        sys.exit("launch.py: AWS_ENDPOINT_URL is not set (it only runs Prowler against the emulator)")
    _route_account_hosts(urlsplit(endpoint).hostname or "127.0.0.1")
    from prowler.__main__ import prowler

    sys.argv[0] = "prowler"
    sys.exit(prowler())
