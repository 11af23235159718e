"""The one exception the aws room raises for an expected failure."""

from __future__ import annotations


class AwsError(Exception):
    """A failure with a message for the operator (the CLI prints it as one line, exit 1).

    Messages never contain a secret: no password, access key secret, MFA code or seed.
    """
