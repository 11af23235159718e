"""After `lz up`: people and their credentials (issue 4, the spec's §4).

Initial passwords (`passwords`), access keys and per-account profiles (`credentials`,
`profiles`, `inifile`, `awsdir`), MFA devices and cached MFA sessions (`mfa`). Kept free
of cdktf: these modules run from the CLI, which must start fast.
"""
