"""lax.sort and lax.sort_key_val: against NumPy's stable sorts, eagerly and under jit; the
vmap rule against a Python loop; derivatives against finite differences; errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import lax
from jaxlike.test_util import check_grads
from tests.helpers import check_eager_and_jit
from tests.vmap_helpers import loop

# XLA on CPU flushes subnormals to zero when comparing (as JAX's sort does), so they tie 0.
_floats = (st.floats(-5, 5, width=32, allow_subnormal=False)
           | st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan]))


def _array(values, shape, dtype=np.float32):
    return np.array(values, dtype).reshape(shape)


@given(st.lists(_floats, min_size=6, max_size=6))
def test_sort_matches_numpy(values):
    x = _array(values, (2, 3))
    for dim in (0, 1):
        expected = np.sort(x, axis=dim, kind="stable")  # NaNs last, as lax.sort
        check_eager_and_jit(lambda a, d=dim: lax.sort(a, dimension=d), (x,), expected)


@given(st.lists(st.integers(0, 2), min_size=6, max_size=6),
       st.lists(st.integers(-3, 3), min_size=6, max_size=6))
def test_sort_with_two_keys_is_lexicographic_and_stable(first, second):
    a = np.array(first, np.int32)
    b = np.array(second, np.int32)
    payload = np.arange(6, dtype=np.float32)
    order = np.lexsort((b, a))  # stable: ties keep their order
    fun = lambda a, b, p: lax.sort((a, b, p), num_keys=2)
    outs = fun(a, b, payload)
    jitted = jax.jit(fun)(a, b, payload)
    for out, ref in zip(outs, (a[order], b[order], payload[order])):
        np.testing.assert_array_equal(out, ref)
    for out, ref in zip(jitted, outs):
        np.testing.assert_array_equal(out, ref)


@given(st.lists(_floats, min_size=3, max_size=3))
def test_sort_key_val_matches_argsort(values):
    keys = _array(values, (3,))
    vals = np.arange(3, dtype=np.int32)
    order = np.argsort(np.where(keys == 0, 0, keys), kind="stable")  # -0.0 ties 0.0
    out_keys, out_vals = lax.sort_key_val(keys, vals)
    np.testing.assert_array_equal(out_vals, order)
    np.testing.assert_array_equal(out_keys, keys[order])


def test_sort_orders_bools_unsigned_and_complex():
    np.testing.assert_array_equal(lax.sort(jnp.array([True, False, True])), [False, True, True])
    np.testing.assert_array_equal(lax.sort(np.array([3, 0, 4000000000], np.uint32)),
                                  [0, 3, 4000000000])
    np.testing.assert_array_equal(lax.sort(jnp.array([1 + 2j, 1 - 1j, 0 + 5j])),
                                  [5j, 1 - 1j, 1 + 2j])
    assert "sort[dimension=0 is_stable=True num_keys=1]" in str(
        jax.make_jaxpr(lax.sort)(jnp.zeros(3)))


@pytest.mark.parametrize("in_axes", [0, 1, -1])
def test_sort_vmap_matches_loop(in_axes):
    x = np.random.RandomState(0).randn(3, 4).astype(np.float32)
    f = lambda a: lax.sort((a, -a), num_keys=1)
    out = jax.vmap(f, in_axes=in_axes)(x)
    ref = loop(f, x, in_axes=in_axes)
    for o, r in zip(out, ref):
        np.testing.assert_array_equal(o, r)
    assert len(jax.make_jaxpr(jax.vmap(f, in_axes=in_axes))(x).jaxpr.eqns) <= 4


def test_sort_vmap_with_unbatched_operand():
    keys = np.random.RandomState(1).randn(2, 3).astype(np.float32)
    payload = np.arange(3, dtype=np.float32)
    out = jax.vmap(lambda k, p: lax.sort_key_val(k, p)[1], in_axes=(0, None))(keys, payload)
    np.testing.assert_array_equal(out, np.argsort(keys, axis=1).astype(np.float32))


def test_sort_derivatives(x64):
    x = np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]])
    y = np.array([[1.0, 5.0, 0.0], [2.0, 3.0, 1.0]])
    check_grads(lambda a: lax.sort(a, dimension=0) * np.arange(1.0, 7.0).reshape(2, 3), (x,),
                order=2)
    check_grads(lambda a, b: lax.sort((a, b), num_keys=1)[1] ** 2, (x, y), order=2)
    f = lambda a: jnp.sum(lax.sort(a) * np.arange(3.0))
    grads = jax.vmap(jax.grad(f))(x)
    np.testing.assert_allclose(grads, loop(jax.grad(f), x))


def test_sort_errors():
    with pytest.raises(TypeError, match="rank-0"):
        lax.sort(jnp.float32(1.0))
    with pytest.raises(TypeError, match="same shape"):
        lax.sort((jnp.zeros(3), jnp.zeros(4)))
    with pytest.raises(ValueError, match="num_keys"):
        lax.sort((jnp.zeros(3), jnp.zeros(3)), num_keys=3)
    with pytest.raises(ValueError, match="out of bounds"):
        lax.sort(jnp.zeros(3), dimension=1)
