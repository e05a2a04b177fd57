"""jnp.sort, argsort, lexsort, sort_complex, partition, argpartition, searchsorted and the
quantile family: against NumPy on random inputs, eagerly and under jit; derivatives; vmap
against a loop; errors naming the function and the shapes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.test_util import check_grads
from tests.helpers import assert_allclose, check_eager_and_jit
from tests.vmap_helpers import loop

seeds = st.integers(0, 2**31 - 1)
small_ints = st.lists(st.integers(-3, 3), min_size=12, max_size=12)


def _ties(values, dtype=np.float32):
    return np.array(values, dtype).reshape(3, 4)


def _normal(seed, shape=(3, 4), dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Sorting.

@given(small_ints)
@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort_and_argsort_match_numpy_stable(axis, values):
    x = _ties(values)
    check_eager_and_jit(lambda a: jnp.sort(a, axis=axis), (x,), np.sort(x, axis=axis))
    expected = np.argsort(x, axis=axis, kind="stable").astype(np.int32)
    check_eager_and_jit(lambda a: jnp.argsort(a, axis=axis), (x,), expected)


@given(small_ints)
def test_descending_keeps_equal_elements_in_order(values):
    x = _ties(values)
    expected = np.argsort(-x, axis=-1, kind="stable").astype(np.int32)
    check_eager_and_jit(lambda a: jnp.argsort(a, descending=True), (x,), expected)
    check_eager_and_jit(lambda a: jnp.sort(a, descending=True), (x,), -np.sort(-x, axis=-1))


def test_nans_sort_last_and_first_when_descending():
    x = np.array([3.0, np.nan, 1.0, 2.0], np.float32)
    assert_allclose(jnp.sort(x), np.sort(x))
    assert_allclose(jnp.sort(x, descending=True), np.array([np.nan, 3, 2, 1], np.float32))
    np.testing.assert_array_equal(jnp.argsort(x, descending=True), [1, 0, 3, 2])


def test_sort_complex_lexsort_and_dtypes():
    z = np.array([1 + 2j, 1 - 1j, 0 + 5j], np.complex64)
    assert_allclose(jnp.sort_complex(z), np.sort_complex(z))
    assert jnp.sort_complex(np.array([3, 1], np.int32)).dtype == np.complex64
    a, b = np.array([1, 0, 1, 0]), np.array([0, 0, 1, 1])
    np.testing.assert_array_equal(jnp.lexsort((a, b)), np.lexsort((a, b)))
    np.testing.assert_array_equal(jnp.lexsort(np.stack([a, b])), np.lexsort((a, b)))
    assert jnp.argsort(np.ones(3), dtype=np.int16).dtype == np.int16


@given(small_ints, st.integers(-4, 3))
def test_partition_property(values, kth):
    x = _ties(values)
    out = np.asarray(jnp.partition(x, kth))
    idx = np.asarray(jnp.argpartition(x, kth))
    pivot = np.sort(x, axis=-1)[:, kth]
    np.testing.assert_array_equal(out[:, kth], pivot)
    assert (out[:, :kth % 4] <= pivot[:, None]).all()
    assert (out[:, kth % 4:] >= pivot[:, None]).all()
    np.testing.assert_array_equal(np.take_along_axis(x, idx, -1), out)
    np.testing.assert_array_equal(np.sort(idx, axis=-1), np.broadcast_to(np.arange(4), (3, 4)))


def test_partition_uses_top_k_and_handles_unsigned():
    text = str(jax.make_jaxpr(lambda a: jnp.partition(a, 2))(np.zeros(6, np.float32)))
    assert text.count("top_k[") == 2
    x = np.array([5, 1, 4, 2, 3, 0], np.uint8)
    assert_allclose(jnp.partition(x, 2), np.array([0, 1, 2, 5, 4, 3], np.uint8))


# ---------------------------------------------------------------------------------------------
# searchsorted.

@given(small_ints, st.lists(st.integers(-4, 4), min_size=5, max_size=5))
@pytest.mark.parametrize("method", ["scan", "scan_unrolled", "sort", "compare_all"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy(method, side, values, queries):
    a = np.sort(np.array(values, np.float32))
    v = np.array(queries, np.float32)
    expected = np.searchsorted(a, v, side=side).astype(np.int32)
    check_eager_and_jit(lambda a, v: jnp.searchsorted(a, v, side=side, method=method),
                        (a, v), expected)


def test_searchsorted_nans_sorter_and_shapes():
    a = np.array([1.0, 2.0, 2.0, 3.0, np.nan], np.float32)
    v = np.array([[2.0, 0.0], [4.0, np.nan]], np.float32)
    for method in ("scan", "sort", "compare_all"):
        for side in ("left", "right"):
            np.testing.assert_array_equal(jnp.searchsorted(a, v, side=side, method=method),
                                          np.searchsorted(a, v, side=side))
    unsorted = np.array([3.0, 1.0, 2.0], np.float32)
    sorter = np.argsort(unsorted)
    np.testing.assert_array_equal(jnp.searchsorted(unsorted, 2.5, sorter=sorter),
                                  np.searchsorted(unsorted, 2.5, sorter=sorter))
    assert jnp.searchsorted(np.array([1, 2, 3]), np.array([2, 5])).dtype == np.int32


def test_searchsorted_vmap_matches_loop():
    a = np.sort(_normal(1, (3, 5)), axis=-1)
    v = _normal(2, (3, 4))
    out = jax.vmap(jnp.searchsorted)(a, v)
    np.testing.assert_array_equal(out, loop(jnp.searchsorted, a, v))


# ---------------------------------------------------------------------------------------------
# Quantiles.

_METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


@given(seeds)
@pytest.mark.parametrize("method", _METHODS)
def test_quantile_matches_numpy(method, seed):
    x = _normal(seed, (3, 4, 5))
    q = np.array([0.0, 0.1, 0.5, 0.77, 1.0], np.float32)
    expected = np.quantile(x, q, axis=(0, 2), method=method, keepdims=True)
    check_eager_and_jit(lambda a: jnp.quantile(a, q, axis=(0, 2), method=method,
                                               keepdims=True), (x,),
                        expected.astype(np.float32), rtol=1e-5, atol=1e-6)


def test_nearest_rounds_half_to_even_as_numpy():
    x = np.arange(5.0, dtype=np.float32)
    for q in (0.125, 0.375, 0.625):
        assert_allclose(jnp.quantile(x, q, method="nearest"),
                        np.float32(np.quantile(x, q, method="nearest")))


@given(seeds)
def test_median_percentile_and_nan_variants(seed):
    x = _normal(seed, (3, 4))
    x[0, 1] = x[2, 3] = np.nan
    assert_allclose(jnp.median(x, axis=1), np.median(x, axis=1).astype(np.float32))
    assert_allclose(jnp.percentile(x, 30.0, axis=0), np.percentile(x, 30, axis=0).astype(
        np.float32), rtol=1e-5)
    assert_allclose(jnp.nanmedian(x, axis=1), np.nanmedian(x, axis=1).astype(np.float32))
    q = np.array([10.0, 90.0], np.float32)
    assert_allclose(jnp.nanpercentile(x, q, axis=1), np.nanpercentile(x, q, axis=1).astype(
        np.float32), rtol=1e-5)
    assert_allclose(jnp.nanquantile(x, 0.5), np.float32(np.nanquantile(x, 0.5)), rtol=1e-5)


def test_quantile_dtypes_and_all_nan_slices():
    assert jnp.median(np.arange(6, dtype=np.int32)).dtype == np.float32
    assert jnp.quantile(np.ones(3, np.float16), 0.5).dtype == np.float16
    assert np.isnan(jnp.nanmedian(np.array([np.nan, np.nan], np.float32)))
    assert_allclose(jnp.median(np.arange(6.0).reshape(2, 3), axis=(0, 1), keepdims=True),
                    np.array([[2.5]], np.float32))


def test_quantile_check_grads(x64):
    x = _normal(3, (3, 4), np.float64)
    check_grads(lambda a: jnp.quantile(a, np.array([0.3, 0.6]), axis=1), (x,), order=2)
    check_grads(lambda a: jnp.median(a, axis=0), (x,), order=1)
    check_grads(lambda a: jnp.sort(a, axis=0, descending=True), (x,), order=1)


def test_quantile_vmap_matches_loop():
    x = _normal(4, (3, 4, 5))
    fun = lambda a: jnp.quantile(a, np.array([0.25, 0.5], np.float32), axis=-1)
    assert_allclose(jax.vmap(fun, in_axes=1)(x), loop(fun, x, in_axes=1), rtol=1e-6)
    grad = jax.grad(lambda a: jnp.sum(jnp.median(a, axis=0)))
    assert_allclose(jax.jit(jax.vmap(grad))(x), loop(jax.jit(grad), x))


# ---------------------------------------------------------------------------------------------
# Errors.

def test_errors():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"jnp.searchsorted: a should be 1-dimensional, got "
                                         r"shape \(2, 3\)"):
        jnp.searchsorted(x, 1.0)
    with pytest.raises(ValueError, match="side must be 'left' or 'right'"):
        jnp.searchsorted(x[0], 1.0, side="middle")
    with pytest.raises(ValueError, match="method must be one of"):
        jnp.searchsorted(x[0], 1.0, method="bisect")
    with pytest.raises(ValueError, match=r"jnp.quantile: q must have rank <= 1, got shape "
                                         r"\(1, 1\)"):
        jnp.quantile(x, np.array([[0.5]]))
    with pytest.raises(ValueError, match="jnp.quantile: method must be one of"):
        jnp.quantile(x, 0.5, method="inverted_cdf")
    with pytest.raises(ValueError, match=r"jnp.partition: kth 3 is out of bounds for an axis "
                                         r"of size 3 \(array shape \(2, 3\), axis 1\)"):
        jnp.partition(x, 3)
    with pytest.raises(ValueError, match="jnp.sort: axis 2 is out of bounds"):
        jnp.sort(x, axis=2)
    with pytest.raises(ValueError, match="'order' argument is not supported"):
        jnp.sort(x, order="f0")
    with pytest.raises(ValueError, match="all keys need the same shape"):
        jnp.lexsort((np.zeros(2), np.zeros(3)))
    with pytest.raises(ValueError, match="jnp.median: axis 2 is out of bounds"):
        jnp.median(x, axis=2)
