"""Make the AWS provider bindings cheap to import.

`cdktf_cdktf_provider_aws/__init__.py` imports all ~2,100 generated submodules (~19 s).
We register the package without running that `__init__`, so `from
cdktf_cdktf_provider_aws.s3_bucket import S3Bucket` loads only what a stack uses; each
submodule loads the jsii assembly itself through `.._jsii`. The synthesized JSON is
byte-identical (tests/test_synth_equivalence.py); LZ_EAGER_BINDINGS=1 takes the
package's own path (benchmarks compare both).

Only construct/stack/app modules import this: the CLI must not pay for jsii at all.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

PACKAGE = "cdktf_cdktf_provider_aws"
# jsii unpacks ~415 MB of assemblies; keep them in the checkout, not in ~/.cache.
_CACHE = Path(__file__).resolve().parents[1] / ".lz" / "jsii-cache"


def prepare() -> None:
    os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(_CACHE))
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    if PACKAGE in sys.modules or os.environ.get("LZ_EAGER_BINDINGS") == "1":
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None:
        raise ImportError(f"{PACKAGE} is not installed (run `make setup`)")
    sys.modules[PACKAGE] = importlib.util.module_from_spec(spec)


prepare()
