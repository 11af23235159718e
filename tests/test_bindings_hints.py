"""landing_zone/bindings.py caches the bindings' stub type hints; the argument checks still run."""

from __future__ import annotations

import os
import typing

import pytest

from landing_zone import bindings

pytestmark = pytest.mark.skipif(os.environ.get("LZ_EAGER_BINDINGS") == "1", reason="the package's own path")


@pytest.fixture(autouse=True)
def memoized() -> None:
    # prepare() leaves typing alone when the package was imported before it (another test of the
    # same session may have done so, e.g. the naive synth path); install it here, as prepare() does.
    bindings._memoize_stub_hints()


def _stub() -> typing.Callable[..., object]:
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

    # The module's own globals: `publication` hides its private names from the imported module.
    module = S3Bucket.__init__.__globals__
    stub: typing.Callable[..., object] = next(v for n, v in module.items() if n.startswith(bindings.STUB_PREFIX))
    return stub


def test_stub_hints_are_the_original_ones_and_a_copy_each_time() -> None:
    assert getattr(typing.get_type_hints, "lz_memoized", False)
    original = typing.get_type_hints.__wrapped__  # type: ignore[attr-defined]  # set by the lazy-bindings memoizing wrapper, unknown to typeshed
    stub = _stub()
    first = typing.get_type_hints(stub)
    assert first == original(stub) and first
    first.clear()  # what a caller does to its dict must not reach the next caller
    assert typing.get_type_hints(stub) == original(stub)


def test_other_functions_are_not_cached() -> None:
    def f(x: int) -> None: ...

    assert typing.get_type_hints(f) == {"x": int, "return": type(None)}
    f.__annotations__ = {"x": str}
    assert typing.get_type_hints(f) == {"x": str}


def test_a_wrong_argument_is_still_refused() -> None:
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

    stack = TerraformStack(App(skip_validation=True), "s")
    for _ in range(2):  # the second check runs on cached hints
        with pytest.raises(TypeError, match="bucket"):
            S3Bucket(stack, "b", bucket=123)  # type: ignore[arg-type]  # the wrong type is the point: the binding must refuse it


def test_memoizing_twice_wraps_once() -> None:
    before = typing.get_type_hints
    bindings._memoize_stub_hints()
    assert typing.get_type_hints is before
