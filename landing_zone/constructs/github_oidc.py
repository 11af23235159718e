"""The GitHub Actions OIDC identity provider of an account (one per account and issuer)."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from constructs import Construct

from landing_zone import naming
from landing_zone.constructs.ci_policies import AUDIENCE

# The certificate thumbprints AWS's GitHub guide lists. IAM no longer checks them for GitHub's
# issuer (it trusts its own CA store), but the API asks for at least one on create.
GITHUB_THUMBPRINTS = ("6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd")


class GithubOidcProvider(Construct):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.provider = IamOpenidConnectProvider(
            self,
            "provider",
            url=f"https://{naming.GITHUB_OIDC_HOST}",
            client_id_list=[AUDIENCE],
            thumbprint_list=list(GITHUB_THUMBPRINTS),
        )
