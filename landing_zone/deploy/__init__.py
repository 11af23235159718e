"""Run terraform on synthesized stacks: CLI config, runner, backend bootstrap, orchestration."""
