"""`lz synth` as a usual cdktf app, or with one more remedy (benchmarks only; not used by lz).

    .venv/bin/python [-O] benchmarks/synth_variant.py [--cdktf-validation]

Same settings as `lz synth` (LZ_* variables). `--cdktf-validation` builds the App with
cdktf's default validation (skip_validation=False: every construct validated at synth,
one `terraform version` process per imported resource), as the usual app does; lz skips
it and validates once (landing_zone/app.py). `-O` turns off the bindings' runtime type
checks (typeguard behind `if __debug__:` in every generated jsii method). Neither changes
the JSON; benchmarks/run.py checks it stays identical.
"""

from __future__ import annotations

import sys


def main() -> None:
    if "--cdktf-validation" in sys.argv[1:]:
        import cdktf

        from landing_zone import app as app_module  # first: bindings set the jsii cache up

        def app_with_cdktf_validation(**kwargs: object) -> cdktf.App:
            return cdktf.App(**{**kwargs, "skip_validation": False})  # type: ignore[arg-type]

        app_module.App = app_with_cdktf_validation  # type: ignore[assignment,misc]
    from landing_zone.cli.main import main as lz

    sys.exit(lz(["synth"]))


if __name__ == "__main__":
    main()
