"""landing-zone: one project.yaml to a multi-account AWS landing zone."""

# The release, semver; the one place it is set (pyproject.toml reads it; CHANGELOG.md records
# each release's commit). Bump it with a CHANGELOG entry.
__version__ = "0.2.0"
