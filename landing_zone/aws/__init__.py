"""What deploy and post-deploy both need from AWS: sessions per target and account, the
project's `~/.aws/<short>/` files (INI updates, keys, role profiles) and the MFA session
cache. boto3 is imported inside the functions: the CLI imports these modules at start-up.
"""
