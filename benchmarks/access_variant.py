"""`lz access` with PMapper's own wildcard-pattern cache (benchmarks only; not used by lz).

    .venv/bin/python benchmarks/access_variant.py ARGS…   # the arguments of `lz access`

landing_zone/access/evaluator.py widens PMapper's LRU of compiled patterns (2,048) so one
access matrix never recompiles; this runs the same command with PMapper's size, so the
benchmark shows what the widening buys. The output is the same (benchmarks/run.py checks).
"""

from __future__ import annotations

import sys

PMAPPER_PATTERN_CACHE = 2048  # principalmapper/querying/local_policy_simulation.py's lru_cache


def main() -> None:
    from landing_zone.access import evaluator

    evaluator.PATTERN_CACHE = PMAPPER_PATTERN_CACHE
    from landing_zone.cli.main import main as lz

    sys.exit(lz(["access", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
