"""jit: when it retraces, static and donated arguments, pytrees, closures, staging under
other transformations, AOT lowering, and its errors.

Calls after the first with a known signature are answered by jaxlib's C++ dispatcher, so
most tests call twice: once through Python (trace, compile, run) and once through C++.
Shapes stay among (), (3,) and (2, 3) to keep compiles few.
"""
import functools
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike
import jaxlike.numpy as jnp
from jaxlike import errors, jit
from jaxlike.config import config
from tests.helpers import assert_allclose


def _array(values, dtype=np.float32):
    return jaxlike.device_put(np.asarray(values, dtype))


def _counting(fun):
    """Returns (jit of fun that records each trace, the list of traces)."""
    traces = []

    def traced(*args, **kwargs):
        traces.append(1)
        return fun(*args, **kwargs)
    return jit(traced), traces


# ---------------------------------------------------------------------------------------------
# Retracing happens exactly when the signature changes.

def test_retraces_only_when_shape_dtype_or_weak_type_changes():
    f, traces = _counting(lambda x: x * 2)
    a = _array([1.0, 2.0, 3.0])
    for x in [a, a, _array([4.0, 5.0, 6.0]), np.ones(3, np.float32)]:
        f(x)
    assert len(traces) == 1  # new values and a host array of the same aval reuse the trace
    f(_array(np.ones((2, 3))))
    assert len(traces) == 2  # shape
    f(_array([1, 2, 3], np.int32))
    assert len(traces) == 3  # dtype
    f(1.0)
    f(2.0)
    assert len(traces) == 4  # a Python float is a weakly typed f32[]
    f(np.float32(1.0))
    assert len(traces) == 5  # ... which differs from a strongly typed one
    for x in [a, 3.0, np.float32(2.0)]:
        f(x)
    assert len(traces) == 5


def test_retraces_when_tree_structure_changes():
    f, traces = _counting(lambda t: t[0] + t[1])
    a = _array([1.0, 2.0, 3.0])
    f((a, a))
    f((a, a))
    f([a, a])
    assert len(traces) == 2
    g, traces = _counting(lambda d: d["x"])
    g({"x": a})
    g({"x": a, "y": None})
    assert len(traces) == 2


def test_retraces_when_static_value_changes():
    traces = []

    @functools.partial(jit, static_argnums=1)
    def f(x, n):
        traces.append(n)
        return x * n

    a = _array([1.0, 2.0, 3.0])
    assert_allclose(f(a, 2), np.array([2.0, 4.0, 6.0], np.float32))
    f(a, 2)
    f(a, 3)
    f(a, 2)
    assert traces == [2, 3]


def test_retraces_when_x64_changes(x64):
    f, traces = _counting(lambda x: x)
    assert f(1.0).dtype == np.float64
    f(1.0)
    assert len(traces) == 1
    config.update("jax_enable_x64", False)
    try:
        assert f(1.0).dtype == np.float32
        f(1.0)
    finally:
        config.update("jax_enable_x64", True)
    assert len(traces) == 2
    assert f(1.0).dtype == np.float64
    assert len(traces) == 2


def test_clear_cache_retraces():
    f, traces = _counting(lambda x: x + 1)
    a = _array([1.0, 2.0, 3.0])
    f(a)
    assert f._cache_size() == 1
    f.clear_cache()
    assert f._cache_size() == 0
    f(a)
    assert len(traces) == 2


def test_jit_twice_of_one_function_shares_the_cache():
    traces = []

    def f(x):
        traces.append(1)
        return x - 1

    a = _array([1.0, 2.0, 3.0])
    jit(f)(a)
    jit(f)(a)
    assert len(traces) == 1


# ---------------------------------------------------------------------------------------------
# Static arguments.

def _scale(x, mode):
    return x * 2 if mode == "double" else -x


@pytest.mark.parametrize("options", [
    dict(static_argnums=1), dict(static_argnums=-1), dict(static_argnames="mode"),
    dict(static_argnames=("mode",))])
def test_static_argument_by_position_or_name(options):
    f = jit(_scale, **options)
    a = _array([1.0, 2.0, 3.0])
    for _ in range(2):
        assert_allclose(f(a, "double"), np.array([2.0, 4.0, 6.0], np.float32))
        assert_allclose(f(a, mode="neg"), np.array([-1.0, -2.0, -3.0], np.float32))


def test_unhashable_static_argument_is_a_value_error():
    f = jit(_scale, static_argnums=1)
    a = _array([1.0, 2.0, 3.0])
    f(a, "double")
    with pytest.raises(ValueError, match=r"jit\(_scale\): static argument 1 has unhashable "
                                         r"type list"):
        f(a, ["double"])
    with pytest.raises(ValueError, match="static argument 'mode' has unhashable type dict"):
        f(a, mode={})


def test_string_argument_is_a_type_error_naming_it():
    f = jit(lambda x, y: x)
    with pytest.raises(TypeError, match=r"jit\(<lambda>\): argument y has type str"):
        f(1.0, "a")
    with pytest.raises(TypeError, match=r"argument y\['k'\]\[1\] has type str"):
        f(1.0, {"k": (2.0, "b")})
    g = jit(_scale, static_argnums=0)  # positions count static arguments too
    with pytest.raises(TypeError, match="argument mode has type str"):
        g(1.0, "neg")


def test_python_int_out_of_range_is_an_overflow_error():
    f = jit(lambda x: x)
    assert int(f(3)) == 3
    with pytest.raises(OverflowError):
        f(2**40)
    assert int(f(4)) == 4


# ---------------------------------------------------------------------------------------------
# Arguments and results: pytrees, kwargs, host values, weak types, closures, donation.

def test_pytrees_and_keyword_arguments():
    @jit
    def f(x, tree, *, scale):
        return {"sum": x + tree["a"] * scale, "pair": (tree["b"][0], x)}

    a = _array([1.0, 2.0, 3.0])
    for _ in range(2):
        out = f(a, {"a": a, "b": [a]}, scale=2.0)
        assert set(out) == {"pair", "sum"}
        assert_allclose(out["sum"], np.array([3.0, 6.0, 9.0], np.float32))
        assert_allclose(out["pair"][0], np.asarray(a))
        assert out["pair"][1] is not a  # an output is a new array even when it is an input


def test_outputs_that_are_inputs_or_literals():
    f = jit(lambda x: (x, 1.0, np.int32(7), x * 2))
    a = _array([1.0, 2.0, 3.0])
    for _ in range(2):
        same, one, seven, doubled = f(a)
        assert_allclose(same, np.asarray(a))
        assert one.dtype == np.float32 and one.weak_type and float(one) == 1.0
        assert seven.dtype == np.int32 and not seven.weak_type and int(seven) == 7
        assert_allclose(doubled, 2 * np.asarray(a))


def test_host_values_and_weak_types():
    f = jit(lambda x: x)
    for _ in range(2):
        out = f(2.0)
        assert out.dtype == np.float32 and out.weak_type
        out = f(np.float64(2.0))  # canonicalized to f32 when x64 is off
        assert out.dtype == np.float32 and not out.weak_type
        out = f(True)
        assert out.dtype == np.bool_ and not out.weak_type
        assert_allclose(f(np.arange(3, dtype=np.int32)), np.arange(3, dtype=np.int32))


def test_closure_over_arrays_becomes_arguments():
    c_device = _array([10.0, 20.0, 30.0])
    c_host = np.array([1.0, 2.0, 3.0], np.float32)
    f = jit(lambda x: x * c_device + c_host)
    a = _array([1.0, 2.0, 3.0])
    for _ in range(2):
        assert_allclose(f(a), np.asarray(a) * np.asarray(c_device) + c_host)
    text = f.lower(a).as_text()
    assert text.count("tensor<3xf32>") >= 3  # both constants are parameters, not literals


def test_donated_argument_is_deleted():
    f = jit(lambda n, x: x * n, static_argnums=0, donate_argnums=1)
    for _ in range(2):  # once through Python, once through C++
        a = _array([1.0, 2.0, 3.0])
        assert_allclose(f(3, a), np.array([3.0, 6.0, 9.0], np.float32))
        assert a.is_deleted()
    kept = _array([1.0, 2.0, 3.0])
    jit(lambda x: x * 3)(kept)
    assert not kept.is_deleted()


@given(hnp.arrays(np.float32, (2, 3), elements=st.floats(-1e3, 1e3, width=32)))
def test_jit_matches_numpy(x):
    f = jit(lambda x, y: x * y - y)
    assert_allclose(f(x, 2.0), x * np.float32(2.0) - np.float32(2.0))
    assert_allclose(f(_array(x), 2.0), x * np.float32(2.0) - np.float32(2.0))


def test_disable_jit_runs_python_each_call():
    f, traces = _counting(lambda x: x + 1)
    config.update("jax_disable_jit", True)
    try:
        f(1.0)
        f(1.0)
    finally:
        config.update("jax_disable_jit", False)
    assert len(traces) == 2
    f(1.0)
    f(1.0)
    assert len(traces) == 3


# ---------------------------------------------------------------------------------------------
# Under other transformations, and ahead of time.

def test_nested_jit_is_one_jit_equation():
    inner = jit(lambda x: x * 2)
    outer = jit(lambda x: inner(x) + 1)
    a = _array([1.0, 2.0, 3.0])
    for _ in range(2):
        assert_allclose(outer(a), np.array([3.0, 5.0, 7.0], np.float32))
    printed = str(outer.trace(a))
    assert printed.count("jit[") == 1 and "name=<lambda>" in printed
    assert str(jaxlike.make_jaxpr(outer)(a)).count("jit[") == 2


def test_call_under_make_jaxpr_is_staged_even_with_concrete_arguments():
    f, traces = _counting(lambda x: x + 1)
    a = _array([1.0, 2.0, 3.0])
    f(a)
    f(a)  # now in the C++ cache
    for _ in range(2):
        jaxpr = jaxlike.make_jaxpr(lambda y: f(a) * y)(2.0)
        assert "jit[" in str(jaxpr)
        assert len(jaxpr.jaxpr.constvars) == 1  # `a`, not the computed result
    assert len(traces) == 1
    assert_allclose(f(a), np.array([2.0, 3.0, 4.0], np.float32))


def test_escaped_tracer_is_an_error_when_used_later():
    saved = []

    @jit
    def leak(x):
        saved.append(x)
        return x

    leak(1.0)
    with pytest.raises(errors.UnexpectedTracerError):
        leak(saved[0])
    with pytest.raises(errors.UnexpectedTracerError):
        jnp.sin(saved[0])
    with pytest.raises(errors.UnexpectedTracerError):
        jit(lambda y: y + saved[0])(1.0)


def test_lower_compile_and_trace():
    f = jit(lambda x: jnp.sin(x) * 2)
    a = _array([1.0, 2.0, 3.0])
    lowered = f.lower(a)
    assert "stablehlo" in lowered.as_text()
    compiled = lowered.compile()
    assert_allclose(compiled(a), np.sin(np.asarray(a)) * 2, rtol=1e-6)
    with pytest.raises(TypeError, match="compiled for"):
        compiled(_array(np.ones((2, 3))))
    assert "sin" in str(f.trace(a))
    shape = f.eval_shape(a)
    assert shape.shape == (3,) and shape.dtype == np.float32


def test_jit_keeps_the_function_metadata_and_binds_as_a_method():
    def documented(x):
        """Docs."""
        return x

    f = jit(documented)
    assert f.__name__ == "documented" and f.__doc__ == "Docs." and f.__wrapped__ is documented

    class Model:
        scale = 3.0

        @functools.partial(jit, static_argnums=0)
        def apply(self, x):
            return x * self.scale

    assert float(Model().apply(2.0)) == 6.0


# ---------------------------------------------------------------------------------------------
# Eager primitives go through the same C++ dispatcher.

def test_eager_ops_take_host_values_and_disable_jit():
    x = np.array([0.5, 1.0, 2.0], np.float32)
    for _ in range(2):
        assert_allclose(jnp.sin(x), np.sin(x))
        out = jaxlike.lax.sin(1.0)
        assert out.dtype == np.float32 and out.weak_type
    config.update("jax_disable_jit", True)
    try:
        assert_allclose(jnp.sin(_array(x)), np.sin(x))
    finally:
        config.update("jax_disable_jit", False)


_FOLLOWS_DATA = """
import numpy as np, jaxlike, jaxlike.numpy as jnp
second = jaxlike.devices()[1]
x = jaxlike.device_put(np.ones(3, np.float32), second)
c = jnp.ones(3)  # on the default device: copied to the data's device
f = jaxlike.jit(lambda x: x * 2 + c)
assert [f(x).device, f(x).device, jnp.sin(x).device] == [second] * 3
assert f(np.ones(3, np.float32)).device == jaxlike.devices()[0]
"""


def test_computation_follows_the_device_of_its_arguments(tmp_path):
    env = dict(os.environ, JAXLIKE_NUM_CPU_DEVICES="2",
               JAXLIKE_COMPILATION_CACHE_DIR=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-c", _FOLLOWS_DATA], env=env, cwd=root,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
