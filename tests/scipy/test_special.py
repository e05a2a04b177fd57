"""Tests of jaxlike.scipy.special: values against scipy.special on random inputs (eagerly and
under jit, float32 and float64), the special values and dtypes JAX gives, derivatives against
finite differences (float64, order 2 where JAX supports it), vmap against a loop, and errors.

Shapes are few ((3,) and (2, 3)) so that XLA compiles stay few; hypothesis varies the values.
"""
import functools

import numpy as np
import pytest
import scipy.special as ss
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.scipy import special
from jaxlike.test_util import check_grads

from helpers import assert_allclose, check_eager_and_jit

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=4)


def uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def _tol(dtype, f32, f64=1e-11):
    return f32 if dtype == np.float32 else f64


# ---------------------------------------------------------------------------------------------
# Values against scipy.

UNARY = {
    "erf": (special.erf, ss.erf, uniform(-3, 3), 1e-6),
    "erfc": (special.erfc, ss.erfc, uniform(-3, 3), 1e-5),
    "erfinv": (special.erfinv, ss.erfinv, uniform(-0.99, 0.99), 1e-5),
    "gammaln": (special.gammaln, ss.gammaln, uniform(0.1, 30), 1e-5),
    "digamma": (special.digamma, ss.digamma, uniform(0.1, 30), 1e-5),
    "expit": (special.expit, ss.expit, uniform(-10, 10), 1e-6),
    "logit": (special.logit, ss.logit, uniform(0.01, 0.99), 1e-5),
    "entr": (special.entr, ss.entr, uniform(0, 5), 1e-6),
    "ndtr": (special.ndtr, ss.ndtr, uniform(-8, 8), 1e-6),
    "ndtri": (special.ndtri, ss.ndtri, uniform(0, 1), 2e-5),
    "log_ndtr": (special.log_ndtr, ss.log_ndtr, uniform(-40, 10), 1e-5),
}


@functools.cache
def _jitted_table(table_name):
    """Returns one jitted function applying every function of the table to its own inputs
    (one compile per dtype and shape)."""
    table = TABLES[table_name]
    funs = [table[name][0] for name in sorted(table)]
    return jax.jit(lambda inputs: [f(*args) for f, args in zip(funs, inputs)])


def _check_table(table_name, dtype, seed, shape, atol32, atol64):
    """Asserts every function of the table equals its scipy reference on random inputs,
    eagerly and under jit."""
    table = TABLES[table_name]
    rng = np.random.default_rng(seed)
    names = sorted(table)
    inputs = [[np.asarray(sample(rng, shape), dtype) for sample in table[name][2:-1]]
              for name in names]
    eager = [table[name][0](*args) for name, args in zip(names, inputs)]
    for mode, outs in [("eager", eager), ("jit", _jitted_table(table_name)(inputs))]:
        for name, args, out in zip(names, inputs, outs):
            reference, rtol32 = table[name][1], table[name][-1]
            expected = np.asarray(reference(*[a.astype(np.float64) for a in args]))
            rtol = _tol(dtype, rtol32, 1e-10)
            assert_allclose(out, expected.astype(dtype), rtol=rtol,
                            atol=_tol(dtype, atol32 or rtol32, atol64), err_msg=f"{mode} {name}")


@given(seed=seeds)
@few
def test_unary_functions_match_scipy(dtype, seed):
    _check_table("unary", dtype, seed, (3,), None, 1e-10)


MULTI = {
    "xlogy": (special.xlogy, ss.xlogy, uniform(-2, 2), uniform(0, 5), 1e-6),
    "xlog1py": (special.xlog1py, ss.xlog1py, uniform(-2, 2), uniform(-0.9, 5), 1e-6),
    "betaln": (special.betaln, ss.betaln, uniform(0.1, 40), uniform(0.1, 200), 1e-5),
    "gammainc": (special.gammainc, ss.gammainc, uniform(0.1, 20), uniform(0, 30), 2e-5),
    "gammaincc": (special.gammaincc, ss.gammaincc, uniform(0.1, 20), uniform(0, 30), 2e-5),
    "betainc": (special.betainc, ss.betainc, uniform(0.1, 20), uniform(0.1, 20), uniform(0, 1),
                5e-5),
}


TABLES = {"unary": UNARY, "multi": MULTI}


@given(seed=seeds)
@few
def test_multi_argument_functions_match_scipy(dtype, seed):
    _check_table("multi", dtype, seed, (2, 3), 1e-6, 1e-13)


def test_polygamma_matches_scipy(dtype):
    n = np.array([0, 1, 2, 3])
    x = np.array([0.5, 1.5, 4.0, 10.0], dtype)
    check_eager_and_jit(special.polygamma, [n, x], ss.polygamma(n, x).astype(dtype),
                        rtol=_tol(dtype, 1e-5, 1e-10))


def test_large_argument_precision(x64):
    # Shapes (2, 3) as in the random tests, so that executables are reused.
    # betaln keeps full precision when one argument is huge (plain lgamma sums would not).
    a = np.array([[0.5, 3.0, 1e3], [2.0, 40.0, 1e4]])
    b = np.array([[1e6, 1e8, 1e5], [1e3, 1e7, 20.0]])
    assert_allclose(special.betaln(a, b), ss.betaln(a, b), rtol=1e-9)  # scipy's own error
    f32 = special.betaln(a.astype(np.float32), b.astype(np.float32))
    assert_allclose(f32, ss.betaln(a, b).astype(np.float32), rtol=1e-5)
    # gammainc for large a (long series) and near x = a (the two methods meet).
    a = np.array([[100.0, 500.0, 1e3], [50.0, 2e3, 0.01]])
    x = np.array([[99.0, 520.0, 1e3], [50.0, 1.9e3, 1e-3]])
    assert_allclose(special.gammainc(a, x), ss.gammainc(a, x), rtol=1e-11)
    assert_allclose(special.gammaincc(a, x), ss.gammaincc(a, x), rtol=1e-11)


def test_normal_tails(dtype):
    # Rows of shape (3,), as in the random tests, so that executables are reused.
    # log_ndtr far into both tails (where log(ndtr(x)) would give -inf or 0).
    xs = np.array([[-1e3, -60.0, -35.0], [-25.0, -12.0, -9.0], [3.0, 9.0, 30.0]], dtype)
    for x in xs:
        check_eager_and_jit(special.log_ndtr, [x],
                            ss.log_ndtr(x.astype(np.float64)).astype(dtype),
                            rtol=_tol(dtype, 1e-5, 1e-12), atol=0)
    # ndtri in the tails, by reflection in the upper one.
    for p in np.array([[1e-30, 1e-12, 1e-5], [0.02, 0.98, 1 - 1e-5]], dtype):
        check_eager_and_jit(special.ndtri, [p], ss.ndtri(p.astype(np.float64)).astype(dtype),
                            rtol=_tol(dtype, 1e-5, 1e-12))


# ---------------------------------------------------------------------------------------------
# Special values (as SciPy gives them; JAX 0.10.2 agrees except for some NaNs of its
# incomplete gamma function, e.g. at a = 0 < x < 1) and dtypes.

def test_special_values():
    # Shapes as in the random tests ((3,) and (2, 3), float32), so executables are reused.
    nan, inf = np.nan, np.inf
    f32 = np.float32
    assert_allclose(special.xlogy(f32([[0, 0, 1], [0, 2, -1]]), f32([[0, nan, 0], [-1, 1, 0]])),
                    f32([[0, nan, -inf], [0, 0, inf]]))
    assert_allclose(special.xlog1py(f32([[0, 2, 0], [1, 1, 1]]), f32([[-1, -1, nan], [0, 0, 0]])),
                    f32([[0, -inf, nan], [0, 0, 0]]))
    assert_allclose(special.entr(f32([-1, 0, 1])), f32([-inf, 0, -0.0]))
    assert_allclose(special.logit(f32([0, 1, 2])), f32([-inf, inf, nan]))
    assert_allclose(special.ndtri(f32([0, 1, -0.1])), f32([-inf, inf, nan]))
    assert_allclose(special.ndtri(f32([1.1, 0.5, 0.5])), f32([nan, 0, 0]))
    a = f32([[0, 0, 1], [-1, 1, 1]])
    x = f32([[1, 0, 0], [1, -1, inf]])
    assert_allclose(special.gammainc(a, x), f32([[1, nan, 0], [nan, nan, 1]]))
    assert_allclose(special.gammaincc(a, x), f32([[0, nan, 1], [nan, nan, 0]]))
    a = f32([[inf, nan, 1], [0, 1, inf]])
    x = f32([[1, 1, nan], [inf, 0, inf]])
    assert_allclose(special.gammainc(a, x), f32([[0, nan, nan], [1, 0, nan]]))
    a, b = f32([[2, 2, 2], [2, 0, 2]]), f32([[3, 3, 3], [3, 3, 0]])
    x = f32([[-0.1, 0, 1], [1.1, 0.5, 0.5]])
    assert_allclose(special.betainc(a, b, x), f32([[nan, 0, 1], [nan, 1, 0]]))
    a, b = f32([[inf, 2, 0], [inf, 2, 0]]), f32([[2, inf, 0], [inf, 0, 2]])
    assert_allclose(special.betainc(a, b, f32(0.3)), f32([[0, 1, nan], [nan, 0, 1]]))


def test_dtypes_follow_jax():
    # Result types from abstract evaluation (no compiles), and one executed.
    def result(fun, *args):
        return jax.eval_shape(fun, *args)
    weak = special.erf(1)
    assert weak.dtype == np.float32 and weak.weak_type
    assert not result(special.gammaln, np.int32(3)).weak_type
    assert result(special.expit, np.float16(0.5)).dtype == np.float16
    assert result(special.xlogy, 2, np.float32(3)).dtype == np.float32
    for fun in (special.gammainc, special.gammaincc, special.betaln, special.xlogy):
        assert result(fun, 1.0, 2.0).weak_type, fun.__name__
    assert result(special.betainc, 1.0, 2.0, 0.5).weak_type
    # ndtr & co. take float32/float64 and drop weak types.
    out = result(special.ndtr, 0.5)
    assert out.dtype == np.float32 and not out.weak_type
    assert special.logsumexp is jax.nn.logsumexp


def test_dtypes_x64(x64):
    assert jax.eval_shape(special.erf, np.float64(1)).dtype == np.float64
    assert jax.eval_shape(special.gammainc, np.float64(2), 1).dtype == np.float64
    assert jax.eval_shape(special.log_ndtr, 1.0).dtype == np.float64
    # float32 inputs stay float32 when x64 is on (the constants are weakly typed).
    x = np.float32([0.3, 0.6])
    for fun in (special.gammainc, special.betaln, special.xlogy):
        assert jax.eval_shape(fun, x, x).dtype == np.float32, fun.__name__
    for fun in (special.ndtr, special.ndtri, special.log_ndtr, special.logit, special.entr):
        assert jax.eval_shape(fun, x).dtype == np.float32, fun.__name__
    assert jax.eval_shape(special.betainc, x, x, x).dtype == np.float32


# ---------------------------------------------------------------------------------------------
# Derivatives.

GRAD_UNARY = {
    "erf": (special.erf, uniform(-2, 2)),
    "erfinv": (special.erfinv, uniform(-0.9, 0.9)),
    "gammaln": (special.gammaln, uniform(0.5, 5)),
    "digamma": (special.digamma, uniform(0.5, 5)),
    "expit": (special.expit, uniform(-3, 3)),
    "logit": (special.logit, uniform(0.1, 0.9)),
    "entr": (special.entr, uniform(0.1, 3)),
    "ndtr": (special.ndtr, uniform(-3, 3)),
    "ndtri": (special.ndtri, uniform(0.05, 0.95)),
    "log_ndtr": (special.log_ndtr, uniform(-15, 5)),
}


@pytest.mark.parametrize("name", sorted(GRAD_UNARY))
def test_unary_check_grads(x64, name):
    fun, sample = GRAD_UNARY[name]
    x = sample(np.random.default_rng(0), (3,))
    check_grads(fun, (x,), order=2, modes=("fwd", "rev"), rtol=1e-5, atol=1e-5)


GRAD_MULTI = {
    "xlogy": (special.xlogy, uniform(-2, 2), uniform(0.5, 3)),
    "xlog1py": (special.xlog1py, uniform(-2, 2), uniform(-0.5, 3)),
    "betaln": (special.betaln, uniform(0.5, 5), uniform(0.5, 20)),
}


@pytest.mark.parametrize("name", sorted(GRAD_MULTI))
def test_binary_check_grads(x64, name):
    fun, sample_a, sample_b = GRAD_MULTI[name]
    rng = np.random.default_rng(1)
    check_grads(fun, (sample_a(rng, (3,)), sample_b(rng, (3,))), order=2, modes=("fwd", "rev"),
                rtol=1e-5, atol=1e-5)


def test_xlogy_derivatives_at_zero():
    # JAX's custom rule: the plain formula, so d/dx at x = 0 is log(y) (and -inf, NaN at 0).
    gx, gy = jax.grad(special.xlogy, (0, 1))(0.0, 2.0)
    assert_allclose(gx, np.float32(np.log(2)), check_dtype=False)
    assert_allclose(gy, np.float32(0), check_dtype=False)
    gx, gy = jax.grad(special.xlogy, (0, 1))(0.0, 0.0)
    assert float(gx) == -np.inf and np.isnan(float(gy))
    gx, gy = jax.grad(special.xlog1py, (0, 1))(0.0, -1.0)
    assert float(gx) == -np.inf and np.isnan(float(gy))
    assert float(jax.grad(special.entr)(0.0)) == np.inf
    assert_allclose(jax.grad(special.logit)(0.5), np.float32(4), check_dtype=False)


@pytest.mark.parametrize("upper", [False, True])
def test_incomplete_gamma_grads(x64, upper):
    fun = special.gammaincc if upper else special.gammainc
    # Both methods: x < a (series) and x > a (continued fraction).
    a, x = np.array([0.7, 3.0, 5.0]), np.array([0.4, 6.0, 4.0])
    check_grads(lambda x: fun(a, x), (x,), order=2, modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)
    check_grads(lambda a: fun(a, x), (a,), order=1, modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)
    # The mixed second derivative d²/dx da.
    check_grads(lambda a: jax.grad(lambda x: jnp.sum(fun(a, x)))(x), (a,), order=1,
                modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)


def test_incomplete_gamma_grad_a_against_scipy(x64):
    rng = np.random.default_rng(2)
    a, x, h = rng.uniform(0.2, 10, 6), rng.uniform(0.1, 15, 6), 1e-6
    expected = (ss.gammainc(a + h, x) - ss.gammainc(a - h, x)) / (2 * h)
    got = jax.jit(jax.vmap(jax.grad(special.gammainc)))(a, x)
    assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_unsupported_derivatives_raise():
    with pytest.raises(NotImplementedError, match="twice with respect to a"):
        jax.grad(jax.grad(special.gammainc))(2.0, 1.0)
    with pytest.raises(ValueError, match="Betainc gradient with respect to a and b"):
        jax.grad(special.betainc)(2.0, 3.0, 0.4)


def test_betainc_grad_x(x64):
    a, b, x = np.array([2.0, 0.5, 7.0]), np.array([3.0, 1.5, 2.0]), np.array([0.4, 0.2, 0.8])
    check_grads(lambda x: special.betainc(a, b, x), (x,), order=2, modes=("fwd", "rev"),
                rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# vmap and errors.

def test_vmap_matches_loop():
    rng = np.random.default_rng(3)
    a, x = rng.uniform(0.5, 8, (2, 3)).astype(np.float32), rng.uniform(0, 12, (2, 3)).astype(
        np.float32)
    looped = np.stack([np.asarray(special.gammainc(a[i], x[i])) for i in range(2)])
    assert_allclose(jax.vmap(special.gammainc)(a, x), looped, rtol=1e-6)
    b = rng.uniform(0.5, 8, (2, 3)).astype(np.float32)
    looped = np.stack([np.asarray(special.betainc(a[i], b[i], x[i] / 12)) for i in range(2)])
    assert_allclose(jax.vmap(special.betainc)(a, b, x / 12), looped, rtol=1e-6)


def test_errors():
    with pytest.raises(TypeError, match="ndtr: x.dtype=int32 is not supported"):
        special.ndtr(np.int32(1))
    with pytest.raises(TypeError, match="ndtri: x.dtype=float16 is not supported"):
        special.ndtri(np.float16(0.5))
    with pytest.raises(ValueError, match="`n` to polygamma must be of integer type"):
        special.polygamma(1.5, 2.0)
    with pytest.raises(TypeError, match="series_order must be a Python integer"):
        special.log_ndtr(1.0, series_order=2.0)
    with pytest.raises(ValueError, match="series_order must be non-negative"):
        special.log_ndtr(1.0, series_order=-1)
    with pytest.raises(TypeError, match=r"xlogy.*incompatible shapes.*\(2,\), \(3,\)"):
        special.xlogy(jnp.ones(2), jnp.ones(3))
    with pytest.raises(TypeError, match="gammainc requires ndarray or scalar arguments"):
        special.gammainc([1.0], 2.0)
