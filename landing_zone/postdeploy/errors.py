"""The one exception the post-deploy modules raise for an expected failure."""

from __future__ import annotations

from landing_zone.aws.errors import AwsError


class PostdeployError(AwsError):
    """A post-deploy step that cannot go on; printed as one line (exit 1), never a secret."""
