"""The `lz` command line. Nothing here imports cdktf or the provider bindings at module level."""
