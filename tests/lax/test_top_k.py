"""lax.top_k: against a stable descending NumPy sort, eagerly and under jit, along any
axis; derivatives (the tangent gathered at the indices); vmap against a loop; errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax
from jaxlike.test_util import check_grads
from tests.helpers import assert_allclose
from tests.vmap_helpers import loop


def _top_k_reference(x, k, axis):
    # Descending, earlier entries first among equals: a stable sort of the negation.
    order = np.argsort(-x, axis=axis, kind="stable")
    order = np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(x, order, axis), order.astype(np.int32)


@given(st.lists(st.integers(-3, 3), min_size=8, max_size=8))
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_matches_stable_descending_sort(axis, values):
    x = np.array(values, np.float32).reshape(2, 4)  # small integers: many ties
    k = 2 if axis == 0 else 3
    expected = _top_k_reference(x, k, axis % 2)
    for fun in (lambda a: lax.top_k(a, k, axis=axis), jax.jit(lambda a: lax.top_k(a, k,
                                                                                 axis=axis))):
        values_out, indices = fun(x)
        np.testing.assert_array_equal(values_out, expected[0])
        np.testing.assert_array_equal(indices, expected[1])
        assert indices.dtype == np.int32


def test_dtypes_and_jaxpr():
    assert_allclose(lax.top_k(np.array([3, 9, 1], np.int32), 2)[0], np.array([9, 3], np.int32))
    assert_allclose(lax.top_k(np.array([True, False]), 1)[0], np.array([True]))
    x = np.array([1.0, np.nan, 3.0], np.float32)
    np.testing.assert_array_equal(lax.top_k(x, 2)[1], [1, 2])  # NaN counts as largest
    text = str(jax.make_jaxpr(lambda a: lax.top_k(a, 3))(np.zeros(8, np.float32)))
    assert "top_k[axis=0 k=3]" in text


def test_check_grads(x64):
    x = np.random.default_rng(0).standard_normal((3, 4))
    check_grads(lambda a: lax.top_k(a, 2)[0], (x,), order=2)
    check_grads(lambda a: lax.top_k(a, 2, axis=0)[0], (x,), order=1)


@pytest.mark.parametrize("in_axes, axis", [(0, -1), (1, 0), (-1, 1)])
def test_vmap_matches_loop(in_axes, axis):
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    fun = lambda a: lax.top_k(a, 2, axis=axis)
    out = jax.vmap(fun, in_axes=in_axes)(x)
    ref = loop(fun, x, in_axes=in_axes)
    for o, r in zip(out, ref):
        np.testing.assert_array_equal(o, r)
    # One top_k; moving the batch axes of both outputs to the front adds two transposes.
    assert len(jax.make_jaxpr(jax.vmap(fun, in_axes=in_axes))(x).jaxpr.eqns) <= 3


def test_vmap_of_grad_matches_loop():
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    fun = jax.grad(lambda a: jnp.sum(lax.top_k(a, 2)[0] ** 2))
    assert_allclose(jax.jit(jax.vmap(fun))(x), loop(jax.jit(fun), x))


def test_errors():
    x = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match=r"k=4 with shape=\[3\] and axis=0"):
        lax.top_k(x, 4)
    with pytest.raises(ValueError, match="must be nonnegative, got -1"):
        lax.top_k(x, -1)
    with pytest.raises(ValueError, match=r"axis -1 is out of bounds for an operand of shape \(\)"):
        lax.top_k(np.float32(1), 1)
    with pytest.raises(TypeError, match="not compatible with complex inputs"):
        lax.top_k(np.ones(2, np.complex64), 1)
