"""CI pipelines generated from the project: the GitHub Actions workflow, its per-stack summaries, the PR comment."""
