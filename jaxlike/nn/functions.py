"""Activation functions and the softmax family of `jax.nn`.

Everything is written with `jaxlike.numpy` and `lax`, so it traces, differentiates and
vectorizes like any user code. Elementwise activations are jit-compiled (one XLA executable
per input signature instead of one per primitive when run eagerly). Results keep JAX's
dtypes: integer inputs give floats wherever the formula divides or exponentiates, and
Python scalars stay weakly typed except where JAX builds constants of the input's dtype
(`gelu`).
"""
import functools
import operator

import numpy as np

from jaxlike import dtypes, lax
from jaxlike import numpy as jnp
from jaxlike.api import jit
from jaxlike.core import Tracer, get_aval
from jaxlike.custom_derivatives import custom_jvp
from jaxlike.errors import ConcretizationTypeError
from jaxlike.numpy._util import check_arraylike, promote_args_inexact
from jaxlike.numpy.shapes import normalize_axis

__all__ = ["relu", "relu6", "gelu", "silu", "swish", "sigmoid", "softplus", "soft_sign",
           "log_sigmoid", "elu", "selu", "celu", "leaky_relu", "hard_tanh", "hard_sigmoid",
           "hard_silu", "hard_swish", "mish", "sparse_plus", "sparse_sigmoid", "squareplus",
           "log1mexp", "identity", "tanh", "softmax", "log_softmax", "logsumexp",
           "logmeanexp", "one_hot", "standardize", "glu"]

# selu's constants (Klambauer et al., 2017): the fixed point of unit mean and variance.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _arraylike(name, *args):
    """Checks that the args are arrays or scalars, naming the jax.nn function otherwise."""
    check_arraylike(f"jax.nn.{name}", *args)


def _normalize_axis(name, axis, ndim):
    return normalize_axis(axis, ndim, f"jax.nn.{name}")


def _static_axis(axis):
    """Returns `axis` hashable (a tuple for sequences), to pass as a static argument."""
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _zeros_where_not(pred, g):
    """Returns `g` where `pred` holds, else zeros of g's type (a tangent selector)."""
    return lax.select(pred, g, jnp.zeros_like(g))


# ---------------------------------------------------------------------------------------------
# Piecewise-linear activations. relu and relu6 have custom JVPs so that their derivative at
# the kinks is 0 (plain autodiff of maximum would give 0.5 at a tie).

@custom_jvp
@jit
def relu(x):
    """Returns the rectified linear unit max(x, 0), elementwise (its gradient at 0 is 0)."""
    _arraylike("relu", x)
    return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: _zeros_where_not(x > 0, g))


@custom_jvp
@jit
def relu6(x):
    """Returns min(max(x, 0), 6) elementwise (its gradient at 0 and at 6 is 0)."""
    _arraylike("relu6", x)
    return jnp.minimum(jnp.maximum(x, 0), 6.)


relu6.defjvps(lambda g, ans, x: _zeros_where_not((x > 0) & (x < 6), g))


@jit
def leaky_relu(x, negative_slope=0.01):
    """Returns x where x >= 0, else negative_slope * x, elementwise."""
    _arraylike("leaky_relu", x, negative_slope)
    return jnp.where(x >= 0, x, negative_slope * x)


@jit
def hard_tanh(x):
    """Returns x clipped to [-1, 1], elementwise."""
    _arraylike("hard_tanh", x)
    return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


@jit
def hard_sigmoid(x):
    """Returns relu6(x + 3) / 6, a piecewise-linear approximation of the sigmoid."""
    _arraylike("hard_sigmoid", x)
    return relu6(x + 3.) / 6.


@jit
def hard_silu(x):
    """Returns x * hard_sigmoid(x), elementwise (also called hard_swish)."""
    _arraylike("hard_silu", x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@jit
def sparse_plus(x):
    """Returns 0 for x <= -1, x for x >= 1 and (x + 1)**2 / 4 in between: a smooth,
    piecewise-quadratic softplus."""
    _arraylike("sparse_plus", x)
    return jnp.where(x <= -1., 0., jnp.where(x >= 1., x, (x + 1.) ** 2 / 4))


@jit
def sparse_sigmoid(x):
    """Returns (clip(x, -1, 1) + 1) / 2, the derivative of sparse_plus."""
    _arraylike("sparse_sigmoid", x)
    return 0.5 * jnp.clip(x + 1., 0., 2.)


# ---------------------------------------------------------------------------------------------
# Smooth activations.

@jit
def sigmoid(x):
    """Returns the logistic sigmoid 1 / (1 + exp(-x)), elementwise (floating inputs only)."""
    _arraylike("sigmoid", x)
    return lax.logistic(x)


@jit
def silu(x):
    """Returns x * sigmoid(x), elementwise (also called swish)."""
    _arraylike("silu", x)
    return x * sigmoid(x)


swish = silu


@jit
def softplus(x):
    """Returns log(1 + exp(x)) elementwise, computed without overflow."""
    _arraylike("softplus", x)
    return jnp.logaddexp(x, 0)


@jit
def log_sigmoid(x):
    """Returns log(sigmoid(x)) = -softplus(-x) elementwise, stable for large |x|."""
    _arraylike("log_sigmoid", x)
    return -softplus(-x)


@jit
def soft_sign(x):
    """Returns x / (|x| + 1), elementwise."""
    _arraylike("soft_sign", x)
    return x / (jnp.abs(x) + 1)


@jit
def mish(x):
    """Returns x * tanh(softplus(x)), elementwise."""
    _arraylike("mish", x)
    return x * jnp.tanh(softplus(x))


@jit
def squareplus(x, b=4):
    """Returns (x + sqrt(x**2 + b)) / 2, a smooth algebraic softplus."""
    _arraylike("squareplus", x, b)
    [x] = promote_args_inexact("jax.nn.squareplus", x)
    return (x + jnp.sqrt(jnp.square(x) + b)) / 2


@jit
def elu(x, alpha=1.0):
    """Returns x where x > 0, else alpha * (exp(x) - 1), elementwise."""
    _arraylike("elu", x, alpha)
    # exp is evaluated only where it is used, so large positive x can't overflow (an inf
    # there would turn the unused branch's gradient into NaN).
    safe_x = jnp.where(x > 0, 0., x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(safe_x))


@jit
def celu(x, alpha=1.0):
    """Returns max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1), elementwise: the
    continuously differentiable ELU."""
    _arraylike("celu", x, alpha)
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


@jit
def selu(x):
    """Returns the scaled ELU: scale * elu(x, alpha) with the self-normalizing constants
    alpha = 1.6732632... and scale = 1.0507009..."""
    _arraylike("selu", x)
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def _gelu_approximate(x, dtype):
    # The tanh approximation, with constants of x's dtype as JAX builds them.
    sqrt_2_over_pi = np.asarray(np.sqrt(2 / np.pi), dtype)
    cubic = np.asarray(0.044715, dtype)
    return x * (0.5 * (1.0 + jnp.tanh(sqrt_2_over_pi * (x + cubic * x ** 3))))


def _gelu_exact(x, dtype):
    # x * Phi(x), with the normal CDF written with erfc for accuracy in the left tail.
    return (0.5 * x) * lax.erfc(-x * np.asarray(np.sqrt(0.5), dtype))


@functools.partial(jit, static_argnames=("approximate",))
def gelu(x, approximate=True):
    """Returns the Gaussian error linear unit x * Phi(x) (Phi: the standard normal CDF),
    elementwise; with `approximate` (the default) its tanh approximation
    x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3))). Integers are computed as floats; the
    result is never weakly typed."""
    _arraylike("gelu", x)
    [x] = promote_args_inexact("jax.nn.gelu", x)
    dtype = get_aval(x).dtype
    out = _gelu_approximate(x, dtype) if approximate else _gelu_exact(x, dtype)
    return lax.convert_element_type(out, dtype, False)


@custom_jvp
@jit
def log1mexp(x):
    """Returns log(1 - exp(-x)) elementwise (for x > 0), accurate for small and large x."""
    _arraylike("log1mexp", x)
    [x] = promote_args_inexact("jax.nn.log1mexp", x)
    # Maechler's switch point log(2): expm1 is accurate below it, log1p above.
    return jnp.where(x < np.log(2), jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))


@jit
def identity(x):
    """Returns x unchanged (the identity activation)."""
    _arraylike("identity", x)
    return jnp.asarray(x)


@jit
def tanh(x):
    """Returns the hyperbolic tangent of x, elementwise (as jnp.tanh)."""
    _arraylike("tanh", x)
    return jnp.tanh(x)


@functools.partial(jit, static_argnames=("axis",))
def _glu(x, axis):
    x1, x2 = jnp.split(x, 2, axis)
    return x1 * sigmoid(x2)


def glu(x, axis=-1):
    """Returns the gated linear unit: x split in two halves a, b along `axis`, a * sigmoid(b).
    The size of `axis` must be even."""
    _arraylike("glu", x)
    shape = get_aval(x).shape
    axis = _normalize_axis("glu", axis, len(shape))
    if shape[axis] % 2:
        raise ValueError(f"jax.nn.glu: axis {axis} of the input (shape {shape}) must have an "
                         f"even size to split into two halves; got {shape[axis]}.")
    return _glu(x, axis)


# ---------------------------------------------------------------------------------------------
# Softmax and log-sum-exp. The maximum subtracted for stability is a constant shift of the
# result, so it is wrapped in stop_gradient: differentiating through it would only add
# terms that cancel, and NaNs where the maximum is infinite.

def _masked(x, where, fill):
    return x if where is None else jnp.where(where, x, fill)


def _stable_shift(x, axis, where):
    """Returns x minus its (gradient-stopped) maximum over `axis`, masked entries -inf."""
    x_max = jnp.max(x, axis, keepdims=True, where=where, initial=-np.inf)
    return _masked(x, where, -np.inf) - lax.stop_gradient(x_max)


@functools.partial(jit, static_argnames=("axis",))
def _softmax(x, axis, where):
    unnormalized = jnp.exp(_stable_shift(x, axis, where))
    result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
    return _masked(result, where, 0)


def softmax(x, axis=-1, where=None):
    """Returns exp(x) / sum(exp(x)) along `axis` (an int, a tuple or None for all axes),
    computed stably; entries excluded by the boolean mask `where` are 0 and take no part."""
    _arraylike("softmax", x)
    return _softmax(x, _static_axis(axis), where)


@functools.partial(jit, static_argnames=("axis",))
def _log_softmax(x, axis, where):
    shifted = _stable_shift(x, axis, where)
    shifted_logsumexp = jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
    return _masked(shifted - shifted_logsumexp, where, -np.inf)


def log_softmax(x, axis=-1, where=None):
    """Returns x - logsumexp(x) along `axis`, computed stably; entries excluded by the
    boolean mask `where` are -inf."""
    _arraylike("log_softmax", x)
    return _log_softmax(x, _static_axis(axis), where)


def _reduced_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(operator.index(a) % ndim for a in axes)


@functools.partial(jit, static_argnames=("axis", "keepdims", "return_sign"))
def _logsumexp(a, b, axis, keepdims, return_sign, where):
    if where is not None:
        # Masked entries are replaced first, so that an inf or NaN there can't reach the
        # gradient through the unused branch of the exp.
        a = jnp.where(where, a, 0)
    if b is not None:
        a = jnp.where(b != 0, a, -np.inf)  # zero weights contribute nothing, even for inf
    is_complex = dtypes.is_complex(get_aval(a).dtype)
    # Complex terms are shifted by the maximum real part (the modulus of exp).
    a_max = jnp.max(_masked(jnp.real(a) if is_complex else a, where, -np.inf), axis,
                    keepdims=True, initial=-np.inf)
    # With no finite maximum (all -inf, or an inf) shift by 0: the sum gives the answer.
    a_max = lax.stop_gradient(jnp.where(jnp.isfinite(a_max), a_max, 0))
    exp_a = jnp.exp(a - a_max.astype(get_aval(a).dtype))
    if b is not None:
        exp_a = exp_a * b
    total = jnp.sum(_masked(exp_a, where, 0), axis, keepdims=keepdims)
    shift = a_max if keepdims else lax.squeeze(a_max, _reduced_axes(axis, a_max.ndim))
    if is_complex:
        # The "sign" of a complex sum is its phase, total / |total|.
        magnitude = jnp.abs(total)
        out = jnp.log(magnitude) + shift
        return (out, total / magnitude) if return_sign else (jnp.log(total) + shift, None)
    sign = jnp.sign(total)
    out = jnp.log(jnp.abs(total)) + shift
    if not return_sign:
        # The log of a negative sum is undefined: NaN, unless the caller takes the sign.
        out = jnp.where(sign < 0, np.nan, out)
    return out, sign


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """Returns log(sum(b * exp(a))) over `axis` (None: all axes), computed stably (the
    maximum is subtracted first; its gradient is stopped, so -inf entries get zero
    gradient). `b` weights the terms (broadcast against a); with `return_sign` returns
    (log|sum|, sign(sum)), else a negative sum gives NaN. `where` masks entries out."""
    _arraylike("logsumexp", a)
    if b is not None:
        _arraylike("logsumexp", b)
        a, b = promote_args_inexact("jax.nn.logsumexp", a, b)
    else:
        [a] = promote_args_inexact("jax.nn.logsumexp", a)
    out, sign = _logsumexp(a, b, _static_axis(axis), keepdims, return_sign, where)
    return (out, sign) if return_sign else out


def logmeanexp(x, axis=None, where=None, keepdims=False):
    """Returns log(mean(exp(x))) over `axis` (None: all axes), computed stably; `where`
    restricts the elements averaged."""
    _arraylike("logmeanexp", x)
    [x] = promote_args_inexact("jax.nn.logmeanexp", x)
    lse = logsumexp(x, axis, keepdims=keepdims, where=where)
    if where is None:
        shape = get_aval(x).shape
        count = np.prod([shape[i] for i in _reduced_axes(_static_axis(axis), len(shape))])
        return lse - np.asarray(np.log(count), get_aval(lse).dtype)
    count = jnp.sum(jnp.broadcast_to(where, x.shape), axis, keepdims=keepdims,
                    dtype=get_aval(lse).dtype)
    return lse - jnp.log(count)


# ---------------------------------------------------------------------------------------------
# Encoding and normalization.

def _concrete_int(name, argname, value):
    """Returns `value` as a Python int; TypeError naming the argument if it isn't one (a
    ConcretizationTypeError for a traced value)."""
    if isinstance(value, Tracer):
        raise ConcretizationTypeError(
            value, f"The error arose in jax.nn.{name} argument `{argname}`, which must be a "
                   "static Python integer (with jit, mark it static).")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"jax.nn.{name}: {argname} must be a (concrete) integer, got "
                        f"{value!r} of type {type(value).__name__}.") from None


def one_hot(x, num_classes, *, dtype=None, axis=-1):
    """Returns the one-hot encoding of the integers in `x`: an array with a new axis of
    size `num_classes` at `axis`, 1 at the position of each value and 0 elsewhere (all 0
    for values outside [0, num_classes)). `dtype` defaults to the default float type."""
    _arraylike("one_hot", x)
    num_classes = _concrete_int("one_hot", "num_classes", num_classes)
    dtype = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(
        dtypes.dtype(dtype))
    x = jnp.asarray(x)
    if x.dtype == np.bool_:
        raise TypeError("jax.nn.one_hot: x must have an integer or floating dtype (class "
                        "indices), got bool.")
    axis = _normalize_axis("one_hot", axis, x.ndim + 1)
    classes_shape = [1] * (x.ndim + 1)
    classes_shape[axis] = num_classes
    classes = lax.broadcasted_iota(x.dtype, tuple(classes_shape), axis)
    return (lax.expand_dims(x, (axis,)) == classes).astype(dtype)


@functools.partial(jit, static_argnames=("axis", "algorithm"))
def _standardize(x, axis, mean, variance, epsilon, where, algorithm):
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        if algorithm == "fast":
            # E[x^2] - E[x]^2 can come out slightly negative by rounding: clip it.
            variance = jnp.mean(jnp.square(x), axis, keepdims=True, where=where)
            variance = jnp.maximum(0, variance - jnp.square(mean))
        else:
            variance = jnp.mean(jnp.square(x - mean), axis, keepdims=True, where=where)
    return jnp.subtract(x, mean) * lax.rsqrt(variance + epsilon)


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *,
                algorithm="fast"):
    """Returns (x - mean) / sqrt(variance + epsilon) with the mean and variance of x over
    `axis` (an int, a tuple or None) unless given. `algorithm` "fast" computes the variance
    as E[x^2] - E[x]^2 (one pass, may lose precision when |mean| >> std), "stable" as
    E[(x - E[x])^2]. `where` restricts the elements the statistics are computed from."""
    _arraylike("standardize", x)
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"jax.nn.standardize: unknown algorithm {algorithm!r}; expected "
                         "'fast' or 'stable'.")
    [x] = promote_args_inexact("jax.nn.standardize", x)
    return _standardize(x, _static_axis(axis), mean, variance, epsilon, where, algorithm)
