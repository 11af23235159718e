"""`lz synth` with one remedy applied, for the findings in docs/benchmarks.md (not used by lz).

    .venv/bin/python [-O] benchmarks/synth_variant.py [--skip-validation]

Same settings as `lz synth` (LZ_* variables). `-O` turns off the bindings' runtime type
checks (typeguard behind `if __debug__:` in every generated jsii method);
`--skip-validation` builds the App with skip_validation=True, which drops cdktf's
construct validations: for every resource with `import_from` that is a
ValidateTerraformVersion, one `terraform version` process per resource.
Both only ever raise errors; benchmarks/run.py checks the JSON stays identical.
"""

from __future__ import annotations

import sys


def main() -> None:
    if "--skip-validation" in sys.argv[1:]:
        from landing_zone import app as app_module  # first: bindings set the jsii cache up

        import cdktf

        def app_without_validation(**kwargs: object) -> cdktf.App:
            return cdktf.App(**{**kwargs, "skip_validation": True})  # type: ignore[arg-type]

        app_module.App = app_without_validation  # type: ignore[assignment,misc]
    from landing_zone.cli.main import main as lz

    sys.exit(lz(["synth"]))


if __name__ == "__main__":
    main()
