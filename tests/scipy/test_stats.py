"""Tests of jaxlike.scipy.stats: every function against scipy.stats on random inputs (eagerly
and under jit, float32 and float64), the values JAX 0.10.2 gives outside the supports,
derivatives against finite differences (float64), vmap against a loop, and errors.

Shapes are few (x of shape (3,), parameters scalars or (3,)); hypothesis varies the values.
"""
import functools

import numpy as np
import pytest
import scipy.stats as ss
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.scipy import stats
from jaxlike.test_util import check_grads

from helpers import assert_allclose, check_eager_and_jit

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=3)


def _normal(rng):
    return [rng.normal(0, 2, 3), rng.normal(), rng.uniform(0.5, 2)]


def _quantile(rng):
    return [rng.uniform(0.01, 0.99, 3), rng.normal(), rng.uniform(0.5, 2)]


def _uniform(rng):
    return [rng.uniform(-1, 3, 3), rng.uniform(-0.5, 0.5), rng.uniform(1, 2)]


def _bernoulli(rng):
    return [rng.integers(-1, 3, 3).astype(float), rng.uniform(0.05, 0.95, 3)]


def _beta(rng):
    return [rng.uniform(0.01, 0.99, 3), rng.uniform(0.5, 5, 3), rng.uniform(0.5, 5, 3)]


def _gamma(rng):
    return [rng.uniform(0.01, 8, 3), rng.uniform(0.5, 5, 3)]


def _poisson(rng):
    return [rng.integers(-1, 12, 3).astype(float), rng.uniform(0.5, 8, 3)]


# (distribution, functions sharing a sampler): the sampler and the float32 tolerance
# (float64: 1e-10).
CASES = {
    "norm": (("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"), _normal, 1e-5),
    "norm.quantiles": (("ppf", "isf"), _quantile, 1e-5),
    "uniform": (("logpdf", "pdf", "cdf"), _uniform, 1e-6),
    "uniform.quantiles": (("ppf",), _quantile, 1e-6),
    "bernoulli": (("logpmf", "pmf", "cdf"), _bernoulli, 1e-6),
    "beta": (("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"), _beta, 5e-5),
    "gamma": (("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"), _gamma, 5e-5),
    "poisson": (("logpmf", "pmf", "cdf"), _poisson, 5e-5),
}


def _group_functions(group):
    dist = group.split(".")[0]
    return [getattr(getattr(stats, dist), name) for name in CASES[group][0]]


@functools.cache
def _jitted_group(group):
    """Returns one jitted function computing every function of the group (one compile per
    dtype, in which XLA also merges the loops that e.g. cdf and logcdf share)."""
    funs = _group_functions(group)
    return jax.jit(lambda *args: [f(*args) for f in funs])


@pytest.mark.parametrize("group", sorted(CASES))
@given(seed=seeds)
@few
def test_matches_scipy(dtype, group, seed):
    names, sample, rtol32 = CASES[group]
    dist = group.split(".")[0]
    args = [np.asarray(a, dtype) for a in sample(np.random.default_rng(seed))]
    rtol = rtol32 if dtype == np.float32 else 1e-10
    eager = [f(*args) for f in _group_functions(group)]
    for mode, outs in [("eager", eager), ("jit", _jitted_group(group)(*args))]:
        for name, out in zip(names, outs):
            reference = getattr(getattr(ss, dist), name)
            expected = np.asarray(reference(*[a.astype(np.float64) for a in args]), np.float64)
            assert_allclose(out, expected.astype(dtype), rtol=rtol, atol=rtol,
                            err_msg=f"{mode} {dist}.{name}")


COV = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 1.5]])


@given(seed=seeds)
@few
def test_multivariate_normal_matches_scipy(dtype, seed):
    rng = np.random.default_rng(seed)
    x, mean = rng.normal(size=(2, 3)).astype(dtype), rng.normal(size=3).astype(dtype)
    cov = COV.astype(dtype)
    expected = ss.multivariate_normal.logpdf(x, mean, COV).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-10
    mvn = stats.multivariate_normal
    check_eager_and_jit(mvn.logpdf, [x, mean, cov], expected, rtol=rtol)
    check_eager_and_jit(mvn.pdf, [x, mean, cov], np.exp(expected), rtol=rtol)
    # One point; a stack of covariances (one per point); a scalar variance; scalar mean.
    assert_allclose(mvn.logpdf(x[0], mean, cov), expected[0], rtol=rtol)
    assert_allclose(mvn.logpdf(x, mean, np.stack([cov, cov])), expected, rtol=rtol)
    assert_allclose(mvn.logpdf(x, mean, dtype.type(2)),
                    ss.multivariate_normal.logpdf(x, mean, 2 * np.eye(3)).astype(dtype),
                    rtol=rtol)
    assert_allclose(mvn.logpdf(x[:, 0], mean[0], dtype.type(2)),
                    ss.norm.logpdf(x[:, 0], mean[0], np.sqrt(2)).astype(dtype), rtol=rtol)


# ---------------------------------------------------------------------------------------------
# Values outside the supports and at their edges, as JAX 0.10.2 gives them.

def test_support_edges():
    # Shapes and dtypes as in test_matches_scipy (x of shape (3,), float32), so that the
    # eager executables are reused.
    nan, inf = np.nan, np.inf
    f32 = np.float32
    zero, one, two, three = f32(0), f32(1), f32(2), f32(3)
    assert_allclose(stats.uniform.logpdf(f32([-1, 0, 0.5]), zero, one), f32([-inf, 0, 0]))
    assert_allclose(stats.uniform.logpdf(f32([1, 2, 0]), zero, one), f32([0, -inf, 0]))
    assert_allclose(stats.uniform.cdf(f32([-1, 0.5, 2]), zero, one), f32([0, 0.5, 1]))
    assert_allclose(stats.uniform.ppf(f32([-1, 0, 0.5]), one, two), f32([nan, 1, 2]))
    assert_allclose(stats.uniform.ppf(f32([1, 2, 0.5]), one, two), f32([3, nan, 2]))
    p = f32([0.3, 0.3, 0.3])
    assert_allclose(stats.bernoulli.logpmf(f32([-1, 0, 1]), p),
                    f32([-inf, np.log(0.7), np.log(0.3)]))
    assert_allclose(stats.bernoulli.logpmf(f32([2, 0.5, 1]), f32([0.3, 0.3, 1.5])),
                    f32([-inf, np.log(0.21) / 2, np.log(1.5)]), rtol=1e-6)
    assert_allclose(stats.bernoulli.cdf(f32([-1, 0, 0.5]), p), f32([0, 0.7, 0.7]), rtol=1e-6)
    assert_allclose(stats.bernoulli.cdf(f32([1, 2, 0.5]), f32([0.3, 0.3, 1.5])),
                    f32([1, 1, nan]))
    assert_allclose(stats.bernoulli.ppf(f32([0, 0.5, 0.8]), p), f32([0, 0, 1]))
    assert_allclose(stats.bernoulli.ppf(f32([1, -0.1, 1.1]), p), f32([1, nan, nan]))
    ab = f32([2, 1, 0.5]), f32([3, 1, 0.5])
    assert_allclose(stats.beta.logpdf(f32([0, 0, 0]), *ab), f32([-inf, 0, inf]), atol=1e-6)
    assert_allclose(stats.beta.logpdf(f32([-1, 1.5, 1]), *ab), f32([-inf, -inf, inf]))
    assert_allclose(stats.beta.cdf(f32([-0.1, 1.5, 1]), *ab), f32([0, 1, 1]))
    a = f32([2, 1, 0.5])
    assert_allclose(stats.gamma.logpdf(f32([0, 0, 0]), a), f32([-inf, 0, inf]), atol=1e-6)
    assert_allclose(stats.gamma.logpdf(f32([-1, -1, -1]), a), f32([-inf, -inf, -inf]))
    assert_allclose(stats.gamma.cdf(f32([-1, 0, 0]), a), f32([0, 0, 0]))
    mu = f32([2, 2, -1])
    assert_allclose(stats.poisson.pmf(f32([-1, 2.5, 1]), mu), f32([0, 0, nan]))
    assert_allclose(stats.poisson.cdf(f32([-1, 0, 1]), mu), f32([0, np.exp(-2), nan]),
                    rtol=1e-6)
    assert_allclose(stats.norm.pdf(f32([1, 1, 1]), zero, zero), f32([nan, nan, nan]))
    assert_allclose(stats.norm.logcdf(f32([-40, -10, 40]), zero, three),
                    ss.norm.logcdf(np.array([-40, -10, 40]), 0, 3).astype(f32), rtol=1e-6)


def test_dtypes_follow_jax():
    assert stats.norm.logpdf(1).dtype == np.float32 and stats.norm.logpdf(1).weak_type
    assert not stats.norm.logpdf(np.float32(1)).weak_type
    assert not stats.norm.cdf(1.0).weak_type
    assert stats.poisson.logpmf(3, 2).dtype == np.float32
    assert stats.bernoulli.logpmf(1, 0.3).weak_type
    assert not stats.uniform.cdf(0.5).weak_type
    assert stats.gamma.cdf(1.0, 2.0).weak_type


# ---------------------------------------------------------------------------------------------
# Derivatives, vmap, errors.

GRADS = {
    "norm.logpdf": (stats.norm.logpdf, [[-1.0, 0.3, 2.0], 0.5, 1.5], 2),
    "norm.logcdf": (stats.norm.logcdf, [[-9.0, 0.3, 2.0], 0.5, 1.5], 2),
    "gamma.logpdf": (stats.gamma.logpdf, [[0.5, 1.3, 4.0], [0.7, 2.0, 5.0]], 2),
    "gamma.cdf": (stats.gamma.cdf, [[0.5, 1.3, 4.0], [0.7, 2.0, 5.0]], 1),
    "beta.logpdf": (stats.beta.logpdf, [[0.2, 0.5, 0.9], [0.7, 2.0, 5.0], [1.5, 3.0, 0.8]], 2),
    "poisson.logpmf": (lambda mu: stats.poisson.logpmf(np.array([0.0, 3.0, 7.0]), mu),
                       [[0.5, 2.0, 6.0]], 2),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_check_grads(x64, name):
    fun, args, order = GRADS[name]
    check_grads(fun, [np.asarray(a, np.float64) for a in args], order=order,
                modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)


def test_multivariate_normal_grads(x64):
    x, mean = np.array([0.3, -1.0, 0.5]), np.array([0.1, 0.2, -0.3])
    check_grads(stats.multivariate_normal.logpdf, (x, mean, COV), order=1,
                modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)
    # The gradient in the mean is cov⁻¹ (x - mean).
    g = jax.grad(stats.multivariate_normal.logpdf, 1)(x, mean, COV)
    assert_allclose(g, np.linalg.solve(COV, x - mean), rtol=1e-10)


def test_vmap_matches_loop():
    rng = np.random.default_rng(4)
    means = rng.normal(size=(2, 3)).astype(np.float32)
    x, cov = rng.normal(size=3).astype(np.float32), COV.astype(np.float32)
    mvn = stats.multivariate_normal.logpdf
    looped = np.stack([np.asarray(mvn(x, m, cov)) for m in means])
    assert_allclose(jax.vmap(mvn, (None, 0, None))(x, means, cov), looped, rtol=1e-6)
    a = rng.uniform(0.5, 5, (2, 3)).astype(np.float32)
    looped = np.stack([np.asarray(stats.gamma.cdf(x + 2, row)) for row in a])
    assert_allclose(jax.vmap(stats.gamma.cdf, (None, 0))(x + 2, a), looped, rtol=1e-6)


def test_errors():
    mvn = stats.multivariate_normal
    with pytest.raises(ValueError, match=r"multivariate_normal.logpdf got incompatible shapes"
                                         r".*cov \(2, 2\)"):
        mvn.logpdf(jnp.ones(3), jnp.zeros(3), jnp.eye(2))
    with pytest.raises(ValueError, match="multivariate_normal.logpdf got incompatible shapes"):
        mvn.logpdf(jnp.ones(3), jnp.zeros(3), jnp.ones(3))
    with pytest.raises(NotImplementedError, match="allow_singular"):
        mvn.logpdf(jnp.ones(3), jnp.zeros(3), jnp.eye(3), allow_singular=True)
    with pytest.raises(TypeError, match=r"norm.logpdf.*incompatible shapes.*\(2,\), \(3,\)"):
        stats.norm.logpdf(jnp.ones(2), jnp.zeros(3))
    with pytest.raises(TypeError, match="gamma.cdf requires ndarray or scalar arguments"):
        stats.gamma.cdf([1.0], 2.0)
    # A covariance that is not positive definite gives NaN, not an exception.
    assert np.isnan(float(mvn.logpdf(jnp.ones(3), jnp.zeros(3), -jnp.eye(3))))
