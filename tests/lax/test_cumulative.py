"""lax.cumsum, cumprod, cummax, cummin and cumlogsumexp: against NumPy's accumulations
eagerly and under jit, in both directions and several dtypes; derivatives to second order
(float64 and complex128); vmap against a Python loop; errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax
from jaxlike.test_util import check_grads
from tests.helpers import assert_allclose, check_eager_and_jit
from tests.vmap_helpers import loop

seeds = st.integers(0, 2**31 - 1)

_NUMPY = {
    "cumsum": np.cumsum,
    "cumprod": np.cumprod,
    "cummax": np.maximum.accumulate,
    "cummin": np.minimum.accumulate,
    "cumlogsumexp": np.logaddexp.accumulate,
}


def _reference(name, x, axis, reverse):
    if reverse:
        return np.flip(_NUMPY[name](np.flip(x, axis), axis=axis), axis)
    return _NUMPY[name](x, axis=axis).astype(x.dtype)


def _values(seed, shape=(2, 3), dtype=np.float32):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-3, 4, shape).astype(dtype)
    if np.issubdtype(dtype, np.complexfloating):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@given(seeds)
@pytest.mark.parametrize("name", list(_NUMPY))
@pytest.mark.parametrize("axis, reverse", [(0, False), (1, True)])
def test_matches_numpy(name, axis, reverse, seed):
    x = _values(seed)
    fun = getattr(lax, name)
    check_eager_and_jit(lambda a: fun(a, axis=axis, reverse=reverse), (x,),
                        _reference(name, x, axis, reverse), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, dtype", [("cumsum", np.int32), ("cumprod", np.int32),
                                         ("cummax", np.int32), ("cummin", np.uint8),
                                         ("cumsum", np.complex64), ("cumprod", np.complex64)])
def test_integer_and_complex_dtypes(name, dtype):
    x = _values(7, (2, 3), dtype)
    expected = _reference(name, x, 1, False)
    assert_allclose(getattr(lax, name)(x, axis=1), expected, rtol=1e-5)


def test_float64_with_x64(x64):
    x = _values(3, (2, 3), np.float64)
    for name in _NUMPY:
        fun = getattr(lax, name)
        check_eager_and_jit(lambda a, f=fun: f(a, axis=1), (x,), _reference(name, x, 1, False),
                            rtol=1e-12)


def test_long_scans_and_empty_axes():
    x = np.random.default_rng(0).random(1000).astype(np.float32)
    assert_allclose(lax.cumsum(x), np.cumsum(x, dtype=np.float64).astype(np.float32),
                    rtol=1e-4)
    assert_allclose(lax.cummax(x, reverse=True), np.flip(np.maximum.accumulate(x[::-1])))
    assert lax.cumsum(np.zeros((0, 2), np.float32)).shape == (0, 2)


def test_jaxpr_params_and_weak_types():
    text = str(jax.make_jaxpr(lambda a: lax.cummax(a, axis=1, reverse=True))(
        np.zeros((2, 3), np.float32)))
    assert "cummax[axis=1 reverse=True]" in text
    weak = lax.convert_element_type(np.ones(3, np.float32), np.float32, True)
    assert lax.cumsum(weak).weak_type


# ---------------------------------------------------------------------------------------------
# Derivatives.

@pytest.mark.parametrize("name, axis, reverse", [
    ("cumsum", 1, False), ("cumprod", 0, True), ("cumprod", 1, False), ("cummax", 1, True),
    ("cummin", 0, False), ("cumlogsumexp", 1, True)])
def test_check_grads_second_order(x64, name, axis, reverse):
    x = _values(11, (2, 3), np.float64)
    check_grads(lambda a: getattr(lax, name)(a, axis=axis, reverse=reverse), (x,), order=2)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_complex_check_grads(x64, name):
    x = _values(12, (3,), np.complex128)
    check_grads(lambda a: getattr(lax, name)(a, reverse=True), (x,), order=2)


def test_cumprod_gradient_is_exact_at_zeros(x64):
    x = np.array([2.0, 0.0, 3.0, 0.0])
    grad = jax.jit(jax.grad(lambda a: jnp.sum(lax.cumprod(a))))(x)
    # d/dx_j sum_i prod_{k<=i} x_k = sum_{i>=j} prod_{k<=i, k!=j} x_k.
    expected = [1 + 0, 2 + 2 * 3 + 0, 0, 0]
    assert_allclose(grad, np.array(expected, np.float64))


def test_cumsum_transpose_runs_backwards():
    ct = np.array([1.0, 2.0, 3.0], np.float32)
    _, pullback = jax.vjp(lambda a: lax.cumsum(a), np.zeros(3, np.float32))
    assert_allclose(pullback(ct)[0], np.array([6.0, 5.0, 3.0], np.float32))
    linear = str(jax.make_jaxpr(pullback)(ct))
    assert "cumsum[axis=0 reverse=True]" in linear


# ---------------------------------------------------------------------------------------------
# vmap.

@pytest.mark.parametrize("name", list(_NUMPY))
@pytest.mark.parametrize("in_axes, out_axes", [(0, 0), (1, -1), (-1, 0)])
def test_vmap_matches_loop(name, in_axes, out_axes):
    x = _values(13, (2, 3, 4))
    fun = lambda a: getattr(lax, name)(a, axis=1, reverse=True)
    out = jax.vmap(fun, in_axes=in_axes, out_axes=out_axes)(x)
    assert_allclose(out, loop(fun, x, in_axes=in_axes, out_axes=out_axes), rtol=1e-5,
                    atol=1e-6)
    jaxpr = jax.make_jaxpr(jax.vmap(fun, in_axes=in_axes, out_axes=out_axes))(x)
    assert len(jaxpr.jaxpr.eqns) <= 2


def test_nested_vmap_matches_loop():
    x = _values(15, (2, 3, 4))
    fun = jax.vmap(lambda a: lax.cumsum(a, reverse=True), in_axes=1)
    out = jax.vmap(fun, in_axes=2, out_axes=1)(x)
    assert_allclose(out, loop(fun, x, in_axes=2, out_axes=1), rtol=1e-6)
    # One cumsum; each vmap level moves its output batch axis to the front once.
    assert len(jax.make_jaxpr(jax.vmap(fun, in_axes=2))(x).jaxpr.eqns) <= 3


def test_vmap_of_grad_matches_loop():
    x = _values(14, (3, 4))
    fun = jax.grad(lambda a: jnp.sum(lax.cumprod(a) * lax.cumlogsumexp(a, reverse=True)))
    batched = jax.jit(jax.vmap(fun))(x)
    assert_allclose(batched, loop(jax.jit(fun), x), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Errors.

def test_errors():
    with pytest.raises(TypeError, match=r"cumsum does not accept dtype bool .*bool\[3\]"):
        lax.cumsum(np.array([True, False, True]))
    with pytest.raises(TypeError, match=r"cumlogsumexp does not accept dtype int32.*floating"):
        lax.cumlogsumexp(np.arange(3, dtype=np.int32))
    with pytest.raises(ValueError, match=r"cummax: axis 2 is out of bounds .*float32\[2,3\]"):
        lax.cummax(np.zeros((2, 3), np.float32), axis=2)
    with pytest.raises(ValueError, match="negative axes"):
        lax.cumprod(np.zeros(3, np.float32), axis=-1)
    with pytest.raises(TypeError, match="axis must be an int"):
        lax.cummin(np.zeros(3, np.float32), axis=(0,))
