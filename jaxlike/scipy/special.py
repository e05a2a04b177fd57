"""jaxlike.scipy.special: SciPy's special functions, as `jax.scipy.special` has them.

Everything is written with `jaxlike.numpy` and `lax`, so it traces, differentiates and
vectorizes like user code. Where autodiff of the formula would be wrong or unstable (the
0·log 0 of xlogy, the tails of log_ndtr, the Newton iterations of ndtri, the loops of the
incomplete gamma and beta functions) a `custom_jvp` gives the analytic derivative instead.

The regularized incomplete gamma functions (gammainc, gammaincc) and the regularized
incomplete beta function (betainc) are compositions of `lax.while_loop`s: a power series or
a continued fraction, iterated until every element has converged. Their derivative with
respect to x is analytic; gammainc's derivative with respect to a is computed by carrying
the derivative of each term through the same loops (as JAX, it supports first order only).
"""
import functools
import operator

import numpy as np

from jaxlike import dtypes, lax
from jaxlike import numpy as jnp
from jaxlike.api import jit
from jaxlike.core import get_aval
from jaxlike.custom_derivatives import custom_jvp
from jaxlike.interpreters.ad import Zero
from jaxlike.nn.functions import logsumexp
from jaxlike.numpy._util import check_arraylike, promote_args_inexact

__all__ = [
    "betainc",
    "betaln",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfinv",
    "expit",
    "gammainc",
    "gammaincc",
    "gammaln",
    "log_ndtr",
    "logit",
    "logsumexp",
    "ndtr",
    "ndtri",
    "polygamma",
    "xlog1py",
    "xlogy",
]

_LOG_SQRT_2PI = 0.5 * float(np.log(2 * np.pi))  # Python floats stay weakly typed
_SQRT_HALF = float(np.sqrt(0.5))
_MAX_ITERS = 2000  # enough for the series and continued fractions up to a, b ~ 1e4


def _promote(name, *args):
    """Returns the args checked, promoted to a common inexact dtype and broadcast, as arrays
    (Python scalars become weakly typed arrays)."""
    return [jnp.asarray(x) for x in promote_args_inexact(f"jax.scipy.special.{name}", *args)]


def _eps(x):
    """Returns the machine epsilon of x's dtype."""
    return float(np.finfo(get_aval(x).dtype).eps)


def _is_zero(t):
    return type(t) is Zero


def _add_terms(*terms):
    """Returns the sum of the tangent terms that are not None (None if all are)."""
    terms = [t for t in terms if t is not None]
    return functools.reduce(operator.add, terms) if terms else None


def _with_type_of(out, ref):
    """Returns out with ref's dtype and weak type (which lax.while_loop carries drop)."""
    aval = get_aval(ref)
    return lax.convert_element_type(out, aval.dtype, weak_type=aval.weak_type)


def _tangent_or_zero(out, tangent):
    return Zero(get_aval(out)) if tangent is None else tangent


# ---------------------------------------------------------------------------------------------
# Thin wrappers of lax primitives.

def erf(x):
    """Returns the error function 2/√π ∫₀ˣ exp(-t²) dt, elementwise."""
    [x] = _promote("erf", x)
    return lax.erf(x)


def erfc(x):
    """Returns the complementary error function 1 - erf(x), elementwise (accurate where erf
    is close to 1)."""
    [x] = _promote("erfc", x)
    return lax.erfc(x)


def erfinv(x):
    """Returns the inverse of erf on (-1, 1), elementwise (±inf at ±1, NaN outside)."""
    [x] = _promote("erfinv", x)
    return lax.erf_inv(x)


def gammaln(x):
    """Returns log|Γ(x)|, elementwise."""
    [x] = _promote("gammaln", x)
    return lax.lgamma(x)


def digamma(x):
    """Returns the digamma function ψ(x) = d/dx log Γ(x), elementwise."""
    [x] = _promote("digamma", x)
    return lax.digamma(x)


def polygamma(n, x):
    """Returns the polygamma function ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function,
    elementwise; `n` must have an integer dtype."""
    check_arraylike("jax.scipy.special.polygamma", n, x)
    n_dtype = get_aval(n).dtype
    if not dtypes.issubdtype(n_dtype, np.integer):
        raise ValueError(f"Argument `n` to polygamma must be of integer type. Got dtype "
                         f"{n_dtype}.")
    n, x = _promote("polygamma", n, x)
    return lax.polygamma(n, x)


def expit(x):
    """Returns the logistic sigmoid 1 / (1 + exp(-x)), elementwise."""
    [x] = _promote("expit", x)
    return lax.logistic(x)


@custom_jvp
def _logit(x):
    return jnp.log(x / (1 - x))


@_logit.defjvp
def _logit_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _logit(x), t / (x * (1 - x))


def logit(x):
    """Returns log(x / (1 - x)), the inverse of expit, elementwise (±inf at 1 and 0)."""
    [x] = _promote("logit", x)
    return _logit(x)


# ---------------------------------------------------------------------------------------------
# x·log(y) with the convention 0·log(y) = 0. The JVP is the plain formula: at x = 0 the
# derivative with respect to x is log(y), which the `where` would otherwise hide.

def _x_log(name, log_fn, shift):
    """Returns the custom_jvp function x·log_fn(y), 0 where x == 0 (unless y is NaN), whose
    derivative in y is x / (y + shift)."""
    def impl(x, y):
        keep = (x != 0) | jnp.isnan(y)
        return jnp.where(keep, x * log_fn(y), 0)
    impl.__name__ = name
    fun = custom_jvp(impl)

    @fun.defjvp
    def jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return fun(x, y), tx * log_fn(y) + ty * x / (y + shift if shift else y)
    return fun


_xlogy = _x_log("xlogy", jnp.log, 0)
_xlog1py = _x_log("xlog1py", jnp.log1p, 1)


def xlogy(x, y):
    """Returns x * log(y) elementwise, with 0 where x == 0 (unless y is NaN)."""
    x, y = _promote("xlogy", x, y)
    return _xlogy(x, y)


def xlog1py(x, y):
    """Returns x * log1p(y) elementwise, with 0 where x == 0 (unless y is NaN)."""
    x, y = _promote("xlog1py", x, y)
    return _xlog1py(x, y)


@custom_jvp
def _xlogx(x):
    return _xlogy(x, x)


@_xlogx.defjvp
def _xlogx_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _xlogx(x), t * (jnp.log(x) + 1)


def _entr(x):
    return jnp.where(x < 0, -np.inf, -_xlogx(x))


def entr(x):
    """Returns the elementwise entropy term -x log x: 0 at x = 0 and -inf for x < 0."""
    [x] = _promote("entr", x)
    return _entr(x)


# ---------------------------------------------------------------------------------------------
# log B(a, b). The plain lgamma(a) + lgamma(b) - lgamma(a + b) cancels catastrophically when
# the larger argument is big (two huge lgammas differing by a little), so there Stirling's
# series is subtracted analytically.

_BETALN_LARGE = 10.0


def _stirling_remainder(z):
    """Returns lgamma(z) - [(z - 1/2) log z - z + log √(2π)], by its asymptotic series
    (accurate for z >= 10)."""
    w = 1 / (z * z)
    series = 1 / 12 - w * (1 / 360 - w * (1 / 1260 - w * (1 / 1680 - w * (1 / 1188))))
    return series / z


def _betaln(a, b):
    small, large = jnp.minimum(a, b), jnp.maximum(a, b)
    direct = lax.lgamma(small) + lax.lgamma(large) - lax.lgamma(small + large)
    # lgamma(large) - lgamma(small + large), expanded with Stirling's series.
    big = jnp.maximum(large, _BETALN_LARGE)  # a safe input where the branch is unused
    ratio = small / big
    difference = (-(small + big - 0.5) * jnp.log1p(ratio) - small * jnp.log(big) + small
                  + _stirling_remainder(big) - _stirling_remainder(small + big))
    return jnp.where(large < _BETALN_LARGE, direct, lax.lgamma(small) + difference)


def betaln(a, b):
    """Returns log|B(a, b)| = log|Γ(a) Γ(b) / Γ(a + b)| elementwise, accurate also when one
    argument is large."""
    a, b = _promote("betaln", a, b)
    return _betaln(a, b)


# ---------------------------------------------------------------------------------------------
# Loops that run until every element has converged.

def _iterate(step, unfinished, init):
    """Returns the state after applying `step` until `unfinished(state)` is false for every
    element (or _MAX_ITERS steps); state[0] counts the steps."""
    def cond(state):
        return (state[0] < _MAX_ITERS) & jnp.any(unfinished(state))
    return lax.while_loop(cond, step, init)


def _not_converged(delta, total, eps):
    return jnp.abs(delta) > eps * jnp.abs(total)


def _igamma_series(a, x, with_grad):
    """Returns (P(a, x), dP/da) from P = xᵃ e⁻ˣ / Γ(a+1) · Σₙ xⁿ / ((a+1)···(a+n)), which
    converges quickly for x < max(1, a). The a-derivative of each term is carried along
    (and, with `with_grad`, checked for convergence too)."""
    eps = _eps(a)

    def step(state):
        k, term, total, dterm, dtotal = state
        r = a + k
        term = term * x / r
        dterm = dterm * x / r - term / r
        return k + 1, term, total + term, dterm, dtotal + dterm

    def unfinished(state):
        _, term, total, dterm, dtotal = state
        out = _not_converged(term, total, eps)
        return out | _not_converged(dterm, dtotal, eps) if with_grad else out

    one, zero = jnp.ones_like(a), jnp.zeros_like(a)
    _, _, total, _, dtotal = _iterate(step, unfinished, (jnp.ones((), a.dtype), one, one,
                                                         zero, zero))
    prefactor = jnp.exp(a * jnp.log(x) - x - lax.lgamma(a + 1))
    return prefactor * total, prefactor * (total * (jnp.log(x) - lax.digamma(a + 1)) + dtotal)


def _igammac_step(a, x, eps):
    """Returns one step of the three-term recurrence for the convergents A_k / B_k of
    Q(a, x) eˣ x⁻ᵃ Γ(a) = 1/(b₁ + a₂/(b₂ + a₃/(b₃ + ...))), with b_k = x + 2k - 1 - a and
    a_k = -(k - 1)(k - 1 - a), carrying the a-derivatives (prefix d)."""
    def step(state):
        k, a0, a1, b0, b1, da0, da1, db0, db1, ratio, dratio, _ = state
        bk, ak, dak = x + 2 * k - 1 - a, -(k - 1) * (k - 1 - a), k - 1
        a2, b2 = bk * a1 + ak * a0, bk * b1 + ak * b0
        da2 = -a1 + bk * da1 + dak * a0 + ak * da0
        db2 = -b1 + bk * db1 + dak * b0 + ak * db0
        new_ratio = jnp.where(b2 != 0, a2 / b2, ratio)
        new_dratio = jnp.where(b2 != 0, (da2 - new_ratio * db2) / b2, dratio)
        unfinished = (_not_converged(new_ratio - ratio, new_ratio, eps),
                      _not_converged(new_dratio - dratio, new_dratio, eps))
        # The convergents grow without bound; rescaling all of them keeps the ratios.
        s = jnp.where(jnp.maximum(jnp.abs(a2), jnp.abs(b2)) > 1 / eps, eps, 1)
        return (k + 1, a1 * s, a2 * s, b1 * s, b2 * s, da1 * s, da2 * s, db1 * s, db2 * s,
                new_ratio, new_dratio, unfinished)
    return step


def _igammac_continued_fraction(a, x, with_grad):
    """Returns (Q(a, x), dQ/da) from Legendre's continued fraction, which converges quickly
    for x >= max(1, a)."""
    eps = _eps(a)
    b1 = x + 1 - a
    one, zero, true = jnp.ones_like(a), jnp.zeros_like(a), jnp.ones(a.shape, bool)
    init = (jnp.full((), 2, a.dtype), zero, one, one, b1, zero, zero, zero, -one, 1 / b1,
            1 / (b1 * b1), (true, true))

    def unfinished(state):
        value, grad = state[-1]
        return value | grad if with_grad else value

    state = _iterate(_igammac_step(a, x, eps), unfinished, init)
    ratio, dratio = state[-3], state[-2]
    prefactor = jnp.exp(a * jnp.log(x) - x - lax.lgamma(a))
    return prefactor * ratio, prefactor * (ratio * (jnp.log(x) - lax.digamma(a)) + dratio)


@functools.partial(jit, static_argnums=(2,))
def _igamma_parts(a, x, with_grad):
    """Returns (P(a, x), Q(a, x), dP/da), elementwise, with SciPy's special values: NaN for
    negative or NaN arguments and for a = x = 0 or a = x = inf; P = 0 at x = 0 or a = inf;
    P = 1 for a = 0 or x = inf."""
    a, x = jnp.broadcast_arrays(a, x)
    nan_or_negative = jnp.isnan(a) | jnp.isnan(x) | (a < 0) | (x < 0)
    a_inf, x_inf = jnp.isinf(a), jnp.isinf(x)
    p_is_one = ~nan_or_negative & ((x_inf & ~a_inf) | ((a == 0) & (x > 0)))
    p_is_zero = ~nan_or_negative & (((x == 0) & (a > 0)) | (a_inf & ~x_inf))
    invalid = ~(p_is_one | p_is_zero) & (nan_or_negative | a_inf | (a == 0))
    regular = ~(invalid | p_is_one | p_is_zero)
    use_series = regular & ((x < 1) | (x < a))
    use_fraction = regular & ~use_series
    # Elements not computed by a branch get inputs on which it converges at once.
    p_series, dp_series = _igamma_series(jnp.where(use_series, a, 1),
                                         jnp.where(use_series, x, 0.5), with_grad)
    q_fraction, dq_fraction = _igammac_continued_fraction(
        jnp.where(use_fraction, a, 1), jnp.where(use_fraction, x, 2), with_grad)
    # Rounding may take a value a little outside [0, 1].
    p = jnp.clip(jnp.where(use_series, p_series, 1 - q_fraction), 0, 1)
    q = jnp.clip(jnp.where(use_series, 1 - p_series, q_fraction), 0, 1)
    dp_da = jnp.where(use_series, dp_series, -dq_fraction)
    p = jnp.where(p_is_one, 1, jnp.where(p_is_zero, 0, p))
    q = jnp.where(p_is_one, 0, jnp.where(p_is_zero, 1, q))
    dp_da = jnp.where(regular, dp_da, jnp.where(invalid, np.nan, 0))
    return tuple(_with_type_of(v, a) for v in (jnp.where(invalid, np.nan, p),
                                               jnp.where(invalid, np.nan, q), dp_da))


def _igamma_dx(a, x):
    """Returns dP(a, x)/dx = x^(a-1) e⁻ˣ / Γ(a)."""
    return jnp.exp(-x + _xlogy(a - 1, x) - lax.lgamma(a))


@custom_jvp
def _igamma_grad_a(a, x):
    return _igamma_parts(a, x, True)[2]


def _igamma_grad_a_jvp(primals, tangents):
    (a, x), (ta, tx) = primals, tangents
    if not _is_zero(ta):
        raise NotImplementedError("Differentiation of gammainc twice with respect to a is "
                                  "not implemented (JAX supports first order only).")
    out = _igamma_grad_a(a, x)
    # d/dx dP/da = d/da dP/dx = dP/dx (log x - ψ(a)).
    return out, tx * _igamma_dx(a, x) * (jnp.log(x) - lax.digamma(a))


_igamma_grad_a.defjvp(_igamma_grad_a_jvp, symbolic_zeros=True)


def _incomplete_gamma(upper):
    """Returns the custom_jvp function computing P(a, x) (or Q(a, x) when `upper`)."""
    sign = -1 if upper else 1

    @custom_jvp
    def fun(a, x):
        return _igamma_parts(a, x, False)[1 if upper else 0]

    def jvp(primals, tangents):
        (a, x), (ta, tx) = primals, tangents
        out = fun(a, x)
        term_a = None if _is_zero(ta) else sign * ta * _igamma_grad_a(a, x)
        term_x = None if _is_zero(tx) else sign * tx * _igamma_dx(a, x)
        return out, _tangent_or_zero(out, _add_terms(term_a, term_x))

    fun.defjvp(jvp, symbolic_zeros=True)
    return fun


_gammainc = _incomplete_gamma(upper=False)
_gammaincc = _incomplete_gamma(upper=True)


def gammainc(a, x):
    """Returns the regularized lower incomplete gamma function
    P(a, x) = γ(a, x) / Γ(a), elementwise (a >= 0, x >= 0; NaN otherwise). Differentiable
    in x (any order) and in a (first order)."""
    a, x = _promote("gammainc", a, x)
    return _gammainc(a, x)


def gammaincc(a, x):
    """Returns the regularized upper incomplete gamma function
    Q(a, x) = Γ(a, x) / Γ(a) = 1 - P(a, x), elementwise, computed directly (accurate where
    it is small). Differentiable in x (any order) and in a (first order)."""
    a, x = _promote("gammaincc", a, x)
    return _gammaincc(a, x)


# ---------------------------------------------------------------------------------------------
# The regularized incomplete beta function, by Lentz's evaluation of its continued fraction.

def _betainc_fraction(a, b, x):
    """Returns I_x(a, b) from the continued fraction 1/(1 + d₁/(1 + d₂/(1 + ...))), which
    converges quickly for x < (a + 1) / (a + b + 2)."""
    eps, tiny = _eps(x), float(np.finfo(get_aval(x).dtype).tiny) * 1e6

    def nonzero(v):
        return jnp.where(jnp.abs(v) < tiny, tiny, v)

    def step(state):
        n, f, c, d, _ = state
        m = jnp.floor(n / 2)
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        coef = jnp.where(n % 2 == 1, odd, even)
        d = 1 / nonzero(1 + coef * d)
        c = nonzero(1 + coef / c)
        delta = c * d
        return n + 1, f * delta, c, d, jnp.abs(delta - 1) > eps

    one = jnp.ones_like(x)
    init = (jnp.ones((), x.dtype), one, one, jnp.zeros_like(x), jnp.ones(x.shape, bool))
    _, f, _, _, _ = _iterate(step, lambda state: state[-1], init)
    log_prefactor = _xlogy(a, x) + _xlog1py(b, -x) - jnp.log(a) - _betaln(a, b)
    return jnp.exp(log_prefactor) / f


@jit
def _betainc_value(a, b, x):
    a, b, x = jnp.broadcast_arrays(a, b, x)
    invalid = (jnp.isnan(a) | jnp.isnan(b) | jnp.isnan(x) | (a < 0) | (b < 0) | (x < 0)
               | (x > 1) | ((a == 0) & (b == 0)) | (jnp.isinf(a) & jnp.isinf(b)))
    # The mass sits at 0 when a = 0 or b = inf, at 1 when b = 0 or a = inf.
    is_one = ~invalid & ((x == 1) | (a == 0) | (jnp.isinf(b) & (x > 0)))
    is_zero = ~invalid & ~is_one & ((x == 0) | (b == 0) | jnp.isinf(a))
    regular = ~(invalid | is_one | is_zero)
    # I_x(a, b) = 1 - I_{1-x}(b, a): evaluate on the side where the fraction converges.
    flip = x > (a + 1) / (a + b + 2)
    fa, fb, fx = jnp.where(flip, b, a), jnp.where(flip, a, b), jnp.where(flip, 1 - x, x)
    value = _betainc_fraction(jnp.where(regular, fa, 1), jnp.where(regular, fb, 1),
                              jnp.where(regular, fx, 0.5))
    value = jnp.clip(jnp.where(flip, 1 - value, value), 0, 1)  # rounding may leave [0, 1]
    value = jnp.where(is_one, 1, jnp.where(is_zero, 0, value))
    return _with_type_of(jnp.where(invalid, np.nan, value), x)


@custom_jvp
def _betainc(a, b, x):
    return _betainc_value(a, b, x)


def _betainc_jvp(primals, tangents):
    (a, b, x), (ta, tb, tx) = primals, tangents
    if not (_is_zero(ta) and _is_zero(tb)):
        raise ValueError("Betainc gradient with respect to a and b not supported.")
    out = _betainc(a, b, x)
    # d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b).
    density = jnp.exp(_xlogy(a - 1, x) + _xlog1py(b - 1, -x) - _betaln(a, b))
    return out, tx * density


_betainc.defjvp(_betainc_jvp, symbolic_zeros=True)


def betainc(a, b, x):
    """Returns the regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b),
    elementwise (a, b >= 0 and 0 <= x <= 1; NaN otherwise). Differentiable in x only, as
    in JAX."""
    a, b, x = _promote("betainc", a, b, x)
    return _betainc(a, b, x)


# ---------------------------------------------------------------------------------------------
# The standard normal distribution: ndtr, log_ndtr, ndtri. JAX accepts float32 and float64
# only (not integers, not half precision).

def _normal_arg(name, x):
    """Returns x as a strongly typed float32/float64 array, or raises TypeError."""
    check_arraylike(f"jax.scipy.special.{name}", x)
    dtype = get_aval(x).dtype
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"jax.scipy.special.{name}: x.dtype={dtype} is not supported; "
                        f"pass a float32 or float64 array.")
    return lax.convert_element_type(x, dtype, weak_type=False)


def _ndtr(x):
    z = x * _SQRT_HALF
    # erf is accurate near 0, erfc in the tails (where erf rounds to ±1).
    central = 1 + lax.erf(z)
    tails = jnp.where(z > 0, 2 - lax.erfc(z), lax.erfc(-z))
    return 0.5 * jnp.where(jnp.abs(z) < _SQRT_HALF, central, tails)


def ndtr(x):
    """Returns the standard normal cumulative distribution function Φ(x), elementwise."""
    return _ndtr(_normal_arg("ndtr", x))


def _log_ndtr_lower(x):
    """Returns the x below which log_ndtr uses its asymptotic series (Φ(x) would underflow
    soon after)."""
    return -10.0 if get_aval(x).dtype == np.float32 else -30.0


def _log_ndtr_asymptotic(x, series_order):
    """Returns log Φ(x) for x << 0 from Φ(x) ~ φ(x)/(-x) · Σₖ (-1)ᵏ (2k-1)!! / x²ᵏ."""
    inv_x2 = 1 / (x * x)
    total, term = jnp.zeros_like(x), jnp.ones_like(x)
    for k in range(1, series_order + 1):
        term = -term * (2 * k - 1) * inv_x2
        total = total + term
    return -0.5 * x * x - jnp.log(-x) - _LOG_SQRT_2PI + jnp.log1p(total)


@functools.partial(jit, static_argnums=(1,))
def _log_ndtr_value(x, series_order):
    lower = _log_ndtr_lower(x)
    upper_tail = jnp.log1p(-_ndtr(-jnp.maximum(x, 0)))  # Φ(x) = 1 - Φ(-x), exact for x > 0
    middle = jnp.log(_ndtr(jnp.minimum(x, 0)))
    lower_tail = _log_ndtr_asymptotic(jnp.minimum(x, lower), series_order)
    return jnp.where(x > 0, upper_tail, jnp.where(x > lower, middle, lower_tail))


@functools.partial(custom_jvp, nondiff_argnums=(1,))
def _log_ndtr(x, series_order):
    return _log_ndtr_value(x, series_order)


@_log_ndtr.defjvp
def _log_ndtr_jvp(series_order, primals, tangents):
    (x,), (t,) = primals, tangents
    out = _log_ndtr(x, series_order)
    # d/dx log Φ(x) = φ(x) / Φ(x), formed in log space so it stays finite in the tails.
    return out, t * jnp.exp(-0.5 * x * x - _LOG_SQRT_2PI - out)


def log_ndtr(x, series_order=3):
    """Returns log Φ(x), the log of the standard normal CDF, elementwise, accurate in both
    tails (an asymptotic series of `series_order` terms far in the lower tail)."""
    if not isinstance(series_order, int) or isinstance(series_order, bool):
        raise TypeError("log_ndtr: series_order must be a Python integer.")
    if series_order < 0:
        raise ValueError("log_ndtr: series_order must be non-negative.")
    if series_order > 30:
        raise ValueError("log_ndtr: series_order must be <= 30.")
    return _log_ndtr(_normal_arg("log_ndtr", x), series_order)


# Abramowitz & Stegun 26.2.23: for 0 < q <= 1/2, with t = √(-2 log q),
# Φ⁻¹(q) ≈ -(t - (c₀ + c₁t + c₂t²) / (1 + d₁t + d₂t² + d₃t³)), |error| < 4.5e-4.
_AS_NUMERATOR = (2.515517, 0.802853, 0.010328)
_AS_DENOMINATOR = (1.0, 1.432788, 0.189269, 0.001308)


def _polyval(coefficients, t):
    """Returns Σ cᵢ tⁱ (coefficients in increasing order)."""
    out = jnp.zeros_like(t) + coefficients[-1]
    for c in reversed(coefficients[:-1]):
        out = out * t + c
    return out


def _ndtri_tail(q):
    """Returns Φ⁻¹(q) for 0 < q <= 1/2: the rational approximation refined by Newton steps
    on log Φ(x) = log q (each squares the relative error)."""
    t = jnp.sqrt(-2 * jnp.log(q))
    x = -(t - _polyval(_AS_NUMERATOR, t) / _polyval(_AS_DENOMINATOR, t))
    log_q = jnp.log(q)
    for _ in range(3):
        log_cdf = _log_ndtr_value(x, 3)
        x = x - (log_cdf - log_q) * jnp.exp(log_cdf + 0.5 * x * x + _LOG_SQRT_2PI)
    return x


@custom_jvp
@jit
def _ndtri(p):
    # In the middle 2p - 1 is exact and erfinv accurate; the tails use the refined
    # approximation (1 - p is exact for p >= 1/2, so the upper tail is a reflection).
    central = float(np.sqrt(2)) * lax.erf_inv(2 * p - 1)
    q = jnp.clip(jnp.minimum(p, 1 - p), float(np.finfo(p.dtype).tiny), 0.5)
    tail = _ndtri_tail(q)
    x = jnp.where(jnp.abs(p - 0.5) < 0.25, central, jnp.where(p > 0.5, -tail, tail))
    x = jnp.where(p == 0, -np.inf, jnp.where(p == 1, np.inf, x))
    return jnp.where((p < 0) | (p > 1), np.nan, x)


@_ndtri.defjvp
def _ndtri_jvp(primals, tangents):
    (p,), (t,) = primals, tangents
    x = _ndtri(p)
    # dx/dp = 1 / φ(x) = √(2π) exp(x²/2).
    return x, t * jnp.exp(0.5 * x * x + _LOG_SQRT_2PI)


def ndtri(p):
    """Returns Φ⁻¹(p), the inverse of the standard normal CDF, elementwise (-inf at 0, inf
    at 1, NaN outside [0, 1])."""
    return _ndtri(_normal_arg("ndtri", p))
