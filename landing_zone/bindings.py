"""Make the AWS provider bindings cheap to import.

`cdktf_cdktf_provider_aws/__init__.py` imports all ~2,100 generated submodules (~19 s).
We register the package without running that `__init__`, so `from
cdktf_cdktf_provider_aws.s3_bucket import S3Bucket` loads only what a stack uses; each
submodule loads the jsii assembly itself through `.._jsii`. The synthesized JSON is
byte-identical (tests/test_synth_equivalence.py); LZ_EAGER_BINDINGS=1 takes the
package's own path (benchmarks compare both).

The generated bindings check every argument with typeguard against
`typing.get_type_hints(<stub>)`, recomputed on every call; `_memoize_stub_hints` computes
each stub's hints once (a quarter of a big synth's Python CPU, docs/benchmarks.md). The
checks themselves still run: `python -O` is the only switch that turns them off.

Only construct/stack/app modules import this: the CLI must not pay for jsii at all.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PACKAGE = "cdktf_cdktf_provider_aws"
# jsii unpacks ~415 MB of assemblies; keep them in the checkout, not in ~/.cache.
_CACHE = Path(__file__).resolve().parents[1] / ".lz" / "jsii-cache"
# jsii-pacmak names the signature stubs the generated methods check their arguments against so.
STUB_PREFIX = "_typecheckingstub__"


def prepare() -> None:
    os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(_CACHE))
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    if PACKAGE in sys.modules or os.environ.get("LZ_EAGER_BINDINGS") == "1":
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None:
        raise ImportError(f"{PACKAGE} is not installed (run `make setup`)")
    sys.modules[PACKAGE] = importlib.util.module_from_spec(spec)
    _memoize_stub_hints()


def _memoize_stub_hints() -> None:
    """typing.get_type_hints, cached for the bindings' stubs (module-level functions whose
    annotations never change once their module has loaded); any other call passes through."""
    original: Callable[..., dict[str, Any]] = typing.get_type_hints
    if getattr(original, "lz_memoized", False):
        return
    cache: dict[object, dict[str, Any]] = {}

    @functools.wraps(original)
    def get_type_hints(
        obj: Any, globalns: dict[str, Any] | None = None, localns: Mapping[str, Any] | None = None, include_extras: bool = False
    ) -> dict[str, Any]:
        if globalns is not None or localns is not None or include_extras or not getattr(obj, "__name__", "").startswith(STUB_PREFIX):
            return original(obj, globalns, localns, include_extras)
        hints = cache.get(obj)
        if hints is None:  # a failure (a forward reference not defined yet) is not cached
            hints = cache[obj] = original(obj)
        return dict(hints)  # a copy: the caller may change what it gets

    get_type_hints.lz_memoized = True  # type: ignore[attr-defined]
    typing.get_type_hints = get_type_hints


prepare()
