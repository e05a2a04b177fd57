"""jnp's cumulative sums and products, NaN-ignoring reductions, average, cov, corrcoef,
histogram, bincount, digitize, diff, ediff1d, interp, polyval, polyfit, trapezoid, cross,
kron, gcd and lcm: against NumPy on random inputs, eagerly and under jit; derivatives;
vmap against a loop; errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors
from jaxlike.test_util import check_grads
from tests.helpers import assert_allclose, check_eager_and_jit
from tests.vmap_helpers import loop

seeds = st.integers(0, 2**31 - 1)
_TOL = {"rtol": 2e-5, "atol": 1e-5}


def _normal(seed, shape=(3, 4), dtype=np.float32, nans=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    if nans:
        x.flat[rng.choice(x.size, nans, replace=False)] = np.nan
    return x


def _f32(value):
    return np.asarray(value).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Cumulative sums and products.

@given(seeds)
@pytest.mark.parametrize("name, axis", [("cumsum", None), ("cumsum", 0), ("cumprod", -1),
                                        ("nancumsum", 1), ("nancumprod", None)])
def test_cumulative_match_numpy(name, axis, seed):
    x = _normal(seed, nans=2 if name.startswith("nan") else 0)
    expected = _f32(getattr(np, name)(x, axis=axis))
    check_eager_and_jit(lambda a: getattr(jnp, name)(a, axis=axis), (x,), expected, **_TOL)


def test_cumulative_dtypes_and_methods():
    assert jnp.cumsum(np.ones(3, np.int8)).dtype == np.int8  # as JAX: no widening
    assert jnp.cumsum(np.array([True, False])).dtype == np.int32
    assert jnp.cumprod(np.ones(3, np.uint8)).dtype == np.uint8
    assert jnp.cumsum(np.ones(3, np.int32), dtype=np.float32).dtype == np.float32
    assert_allclose(jnp.cumsum(np.array([True, True]), dtype=bool), np.array([True, True]))
    x = jnp.arange(6.0).reshape(2, 3)
    assert_allclose(x.cumsum(axis=1), np.cumsum(np.arange(6.0).reshape(2, 3), 1).astype(
        np.float32))
    assert_allclose(x.cumprod(), np.cumprod(np.arange(6.0)).astype(np.float32))


def test_cumulative_sum_and_prod_array_api():
    x = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)
    assert_allclose(jnp.cumulative_sum(x, axis=1, include_initial=True),
                    np.concatenate([np.zeros((2, 1), np.float32), np.cumsum(x, 1)], 1))
    assert_allclose(jnp.cumulative_prod(x[0]), np.cumprod(x[0]))
    with pytest.raises(ValueError, match="axis argument is only optional for one-dimensional"):
        jnp.cumulative_sum(x)


# ---------------------------------------------------------------------------------------------
# NaN-ignoring reductions.

_NAN_REDUCTIONS = ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd",
                   "nanargmax", "nanargmin"]


@given(seeds)
@pytest.mark.parametrize("name", _NAN_REDUCTIONS)
def test_nan_reductions_match_numpy(name, seed):
    x = _normal(seed, nans=3)
    expected = getattr(np, name)(x, axis=1)
    expected = expected.astype(np.int32) if name.startswith("nanarg") else _f32(expected)
    check_eager_and_jit(lambda a: getattr(jnp, name)(a, axis=1), (x,), expected, **_TOL)


def test_nan_reductions_all_nan_and_integers():
    nans = np.full((2, 2), np.nan, np.float32)
    assert np.isnan(jnp.nanmax(nans))
    np.testing.assert_array_equal(jnp.nanargmin(nans, axis=0), [-1, -1])
    assert np.isnan(jnp.nanmean(nans))
    ints = np.arange(6, dtype=np.int32)
    assert jnp.nansum(ints).dtype == np.int32 and jnp.nanmean(ints).dtype == np.float32
    assert_allclose(jnp.nanvar(_normal(1, nans=2), ddof=1, keepdims=True),
                    _f32(np.nanvar(_normal(1, nans=2), ddof=1, keepdims=True)), **_TOL)


# ---------------------------------------------------------------------------------------------
# average, cov, corrcoef.

@given(seeds)
def test_average_matches_numpy(seed):
    x, w = _normal(seed), np.abs(_normal(seed + 1, (4,))) + 0.1
    expected = np.average(x, axis=1, weights=w, returned=True)
    check_eager_and_jit(lambda a, b: jnp.average(a, axis=1, weights=b, returned=True)[0],
                        (x, w), _f32(expected[0]), **_TOL)
    out, total = jnp.average(x, axis=1, weights=w, returned=True)
    assert_allclose(total, _f32(expected[1]), **_TOL)
    out, count = jnp.average(x, axis=0, returned=True)
    assert_allclose(out, _f32(np.mean(x, 0)), **_TOL)
    assert_allclose(count, np.full(4, 3.0, np.float32))


@given(seeds)
@pytest.mark.parametrize("kwargs", [{}, {"rowvar": False, "bias": True}, {"ddof": 2},
                                    {"fweights": np.array([1, 2, 1, 3]),
                                     "aweights": np.array([0.5, 1.0, 2.0, 1.5])}])
def test_cov_matches_numpy(kwargs, seed):
    x = _normal(seed)
    if kwargs.get("rowvar") is False:
        x = x.T
    check_eager_and_jit(lambda a: jnp.cov(a, **kwargs), (x,), _f32(np.cov(x, **kwargs)),
                        rtol=1e-4, atol=1e-5)


def test_cov_and_corrcoef_shapes_and_y():
    x, y = _normal(2, (4,)), _normal(3, (4,))
    assert_allclose(jnp.cov(x), _f32(np.cov(x)), **_TOL)
    assert_allclose(jnp.cov(x, y), _f32(np.cov(x, y)), **_TOL)
    m = _normal(4)
    check_eager_and_jit(jnp.corrcoef, (m,), _f32(np.corrcoef(m)), rtol=1e-4, atol=1e-5)
    assert_allclose(jnp.corrcoef(x, y), _f32(np.corrcoef(x, y)), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# histogram, bincount, digitize.

@given(seeds)
@pytest.mark.parametrize("kwargs", [{}, {"bins": np.array([-2.0, -0.5, 0.0, 3.0])},
                                    {"bins": 3, "range": (-1.0, 1.0), "density": True}])
def test_histogram_matches_numpy(kwargs, seed):
    x = _normal(seed, (20,))
    counts, edges = np.histogram(x, **kwargs)
    out_counts, out_edges = jnp.histogram(x, **kwargs)
    assert_allclose(out_counts, _f32(counts), **_TOL)
    assert_allclose(out_edges, _f32(edges), **_TOL)
    jitted = jax.jit(lambda a: jnp.histogram(a, **kwargs)[0])(x)
    assert_allclose(jitted, _f32(counts), **_TOL)


def test_histogram_weights_and_degenerate_range():
    x = np.array([0.0, 1, 1, 2, 5], np.float32)
    w = np.array([1.0, 0.5, 0.5, 2, 1], np.float32)
    counts, edges = jnp.histogram(x, bins=3, weights=w)
    expected = np.histogram(x, bins=3, weights=w)
    assert_allclose(counts, _f32(expected[0]))
    assert_allclose(edges, _f32(expected[1]), **_TOL)
    assert_allclose(jnp.histogram(np.array([1.0, 1.0]), bins=2)[1],
                    np.array([0.5, 1.0, 1.5], np.float32))


@given(st.lists(st.integers(0, 6), min_size=8, max_size=8))
def test_bincount_matches_numpy(values):
    x = np.array(values, np.int32)
    w = np.linspace(0.5, 2.0, 8).astype(np.float32)
    assert_allclose(jnp.bincount(x), np.bincount(x).astype(np.int32))
    assert_allclose(jnp.bincount(x, w, minlength=9), _f32(np.bincount(x, w, minlength=9)))
    jitted = jax.jit(lambda a: jnp.bincount(a, length=7))(x)
    assert_allclose(jitted, np.bincount(x, minlength=7).astype(np.int32))


def test_bincount_clips_negatives_and_drops_overflow_as_jax():
    np.testing.assert_array_equal(jnp.bincount(np.array([-1, 0, 1, 1]), length=3), [2, 2, 0])
    np.testing.assert_array_equal(jnp.bincount(np.array([0, 1, 5]), length=3), [1, 1, 0])


def test_digitize_matches_numpy():
    x = np.array([-1.0, 0.5, 1.0, 2.5, 4.0], np.float32)
    for bins in (np.array([0.0, 1, 2, 3]), np.array([3.0, 2, 1, 0])):
        for right in (False, True):
            np.testing.assert_array_equal(jnp.digitize(x, bins.astype(np.float32), right),
                                          np.digitize(x, bins, right))


# ---------------------------------------------------------------------------------------------
# Differences, interpolation, integration, polynomials.

@given(seeds)
def test_diff_ediff1d_trapezoid_match_numpy(seed):
    x = _normal(seed)
    check_eager_and_jit(lambda a: jnp.diff(a, n=2, axis=0), (x,), np.diff(x, n=2, axis=0),
                        **_TOL)
    assert_allclose(jnp.diff(x, prepend=0.0, append=x[:, :1]),
                    _f32(np.diff(x, prepend=0.0, append=x[:, :1])), **_TOL)
    assert_allclose(jnp.ediff1d(x, to_end=np.array([9.0, 8.0]), to_begin=7.0),
                    _f32(np.ediff1d(x, to_end=[9.0, 8.0], to_begin=7.0)), **_TOL)
    t = np.sort(_normal(seed + 1, (4,)))
    check_eager_and_jit(lambda y, t: jnp.trapezoid(y, t), (x, t), _f32(np.trapezoid(x, t)),
                        **_TOL)
    assert_allclose(jnp.trapezoid(x, dx=0.5, axis=0), _f32(np.trapezoid(x, dx=0.5, axis=0)),
                    **_TOL)
    np.testing.assert_array_equal(jnp.diff(np.array([True, False, False])), [True, False])


@given(seeds)
def test_interp_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    xp = np.sort(rng.uniform(-2, 2, 6)).astype(np.float32)
    fp = rng.standard_normal(6).astype(np.float32)
    x = rng.uniform(-3, 3, 10).astype(np.float32)
    check_eager_and_jit(jnp.interp, (x, xp, fp), _f32(np.interp(x, xp, fp)), **_TOL)
    assert_allclose(jnp.interp(x, xp, fp, left=-9.0, right=9.0),
                    _f32(np.interp(x, xp, fp, left=-9.0, right=9.0)), **_TOL)
    assert_allclose(jnp.interp(x, xp, fp, period=2.0),
                    _f32(np.interp(x, xp, fp, period=2.0)), rtol=1e-4, atol=1e-4)


def test_interp_extrapolate_as_jax():
    out = jnp.interp(np.array([-1.0, 0.5, 3.0]), np.array([0.0, 1, 2]),
                     np.array([0.0, 10, 5]), left="extrapolate")
    assert_allclose(out, np.array([-10.0, 5.0, 5.0], np.float32))


@given(seeds)
def test_polyval_and_polyfit_match_numpy(seed):
    p, x = _normal(seed, (4,)), _normal(seed + 1, (3, 2))
    check_eager_and_jit(jnp.polyval, (p, x), _f32(np.polyval(p, x)), **_TOL)
    t = np.linspace(-1, 1, 12).astype(np.float32)
    y = np.stack([np.polyval(p, t), np.polyval(p[::-1], t)], 1) + 0.01 * _normal(seed, (12, 2))
    check_eager_and_jit(lambda t, y: jnp.polyfit(t, y, 3), (t, y), _f32(np.polyfit(t, y, 3)),
                        rtol=1e-3, atol=1e-3)
    w = np.linspace(1, 2, 12).astype(np.float32)
    assert_allclose(jnp.polyfit(t, y[:, 0], 2, w=w), _f32(np.polyfit(t, y[:, 0], 2, w=w)),
                    rtol=1e-3, atol=1e-3)


# ---------------------------------------------------------------------------------------------
# cross, kron, gcd, lcm.

@given(seeds)
def test_cross_and_kron_match_numpy(seed):
    a, b = _normal(seed, (4, 3)), _normal(seed + 1, (4, 3))
    check_eager_and_jit(jnp.cross, (a, b), np.cross(a, b), **_TOL)
    assert_allclose(jnp.cross(a.T, b.T, axisa=0, axisb=0, axisc=0),
                    np.cross(a.T, b.T, axisa=0, axisb=0, axisc=0), **_TOL)
    assert_allclose(jnp.cross(a, b[:, :2]), np.cross(a, np.pad(b[:, :2], ((0, 0), (0, 1)))),
                    **_TOL)
    assert_allclose(jnp.cross(a[:, :2], b[:, :2]),
                    a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0], **_TOL)
    m, n = _normal(seed, (2, 3)), _normal(seed + 2, (3, 2))
    check_eager_and_jit(jnp.kron, (m, n), np.kron(m, n), **_TOL)
    assert_allclose(jnp.kron(m[0], n), np.kron(m[0], n), **_TOL)


@given(st.lists(st.integers(-30, 30), min_size=12, max_size=12))
def test_gcd_lcm_match_numpy(values):
    a = np.array(values[:6], np.int32)
    b = np.array(values[6:], np.int32)
    check_eager_and_jit(jnp.gcd, (a, b), np.gcd(a, b))
    check_eager_and_jit(jnp.lcm, (a, b), np.lcm(a, b))


# ---------------------------------------------------------------------------------------------
# Derivatives and vmap.

_GRADS = [
    ("cumprod", lambda a: jnp.cumprod(a, axis=1)),
    ("nanmean", lambda a: jnp.nanmean(a, axis=0)),
    ("nanvar", lambda a: jnp.nanvar(a, axis=1)),
    ("average", lambda a: jnp.average(a, axis=1, weights=np.arange(1.0, 5.0))),
    ("cov", lambda a: jnp.cov(a)),
    ("interp", lambda a: jnp.interp(a[0] * 0.5, np.arange(4.0) - 1.5, a[1])),
    ("polyval", lambda a: jnp.polyval(a[0], a[1])),
    ("trapezoid", lambda a: jnp.trapezoid(a, dx=0.3)),
    ("cross", lambda a: jnp.cross(a[:, :3], a[:, 1:])),
]


@pytest.mark.parametrize("name, fun", _GRADS, ids=[g[0] for g in _GRADS])
def test_check_grads(x64, name, fun):
    x = _normal(5, (3, 4), np.float64)
    # Second order for the primitives is in tests/lax; these compositions check first order.
    check_grads(fun, (x,), order=1)


def test_vmap_matches_loop():
    x = _normal(6, (2, 3, 4), nans=3)
    for fun in (lambda a: jnp.nanmean(a, axis=0), lambda a: jnp.cumsum(a, axis=-1),
                lambda a: jnp.diff(a), jnp.cov):
        assert_allclose(jax.vmap(fun, in_axes=1)(x), loop(fun, x, in_axes=1), **_TOL)
    xp = np.arange(4.0, dtype=np.float32)
    fp = _normal(7, (3, 4))
    query = np.array([0.5, 2.5], np.float32)
    interp = lambda f: jnp.interp(query, xp, f)
    assert_allclose(jax.vmap(interp)(fp), loop(interp, fp), **_TOL)


# ---------------------------------------------------------------------------------------------
# Errors.

def test_errors():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="jnp.cumsum: axis 2 is out of bounds for array of "
                                         "dimension 2"):
        jnp.cumsum(x, axis=2)
    with pytest.raises(ValueError, match=r"jnp.average: 1-D weights of shape \(2,\) must "
                                         r"have the length of axis 1 of a \(shape \(2, 3\)\)"):
        jnp.average(x, axis=1, weights=np.ones(2))
    with pytest.raises(TypeError, match="jnp.bincount: x must have an integer type"):
        jnp.bincount(x[0])
    with pytest.raises(errors.ConcretizationTypeError, match="static `length=`"):
        jax.jit(jnp.bincount)(np.arange(3))
    with pytest.raises(ValueError, match="jnp.diff: order must be non-negative"):
        jnp.diff(x, n=-1)
    with pytest.raises(ValueError, match=r"xp and fp must have the same non-zero length"):
        jnp.interp(x[0], np.arange(3.0), np.arange(2.0))
    with pytest.raises(ValueError, match=r"incompatible dimensions for cross product"):
        jnp.cross(np.ones(4), np.ones(3))
    with pytest.raises(TypeError, match="jnp.gcd: arguments must be integers"):
        jnp.gcd(1.5, 2.0)
    with pytest.raises(TypeError, match="x and y must have the same length"):
        jnp.polyfit(np.arange(3.0), np.arange(4.0), 1)
    with pytest.raises(ValueError, match=r"jnp.cov: m has more than 2 dimensions"):
        jnp.cov(np.zeros((2, 2, 2)))
