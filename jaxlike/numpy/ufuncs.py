"""Elementwise numpy functions (ufuncs) on top of lax.

Each function checks its arguments, promotes them as JAX does (the dtype lattice with weak
types, then numpy broadcasting; see _util) and applies one lax primitive or a short
composition of them. Compositions follow JAX's in which intermediate constants are strongly
typed, because that decides whether a result with Python-scalar operands is weakly typed
(`jnp.log2(2.0)` is a strong float32, `jnp.log(2.0)` a weak one).
"""
import numpy as np

from jaxlike import dtypes, lax
from jaxlike.custom_derivatives import custom_jvp
from jaxlike.core import get_aval
from jaxlike.lax.elementwise import dtype_kind
from jaxlike.numpy._util import (check_arraylike, promote_args, promote_args_inexact,
                                 promote_dtypes, promote_shapes, broadcast_shapes, shape_of)

__all__ = [
    # arithmetic
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder", "mod",
    "fmod", "divmod", "power", "pow", "float_power", "negative", "positive", "reciprocal",
    "square", "sqrt", "cbrt", "abs", "absolute", "fabs", "sign", "maximum", "minimum", "fmax",
    "fmin", "clip", "heaviside", "copysign", "nextafter", "signbit",
    # exponentials and logarithms
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp", "logaddexp2",
    # trigonometry
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "asin", "acos", "atan", "atan2", "asinh", "acosh", "atanh",
    "deg2rad", "rad2deg", "degrees", "radians", "hypot", "sinc",
    # rounding
    "floor", "ceil", "trunc", "rint", "round", "around",
    # comparisons, logic, bits
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
    "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "invert", "bitwise_invert", "left_shift", "right_shift",
    "bitwise_left_shift", "bitwise_right_shift", "bitwise_count",
    # floating-point classification
    "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isclose", "nan_to_num",
    # complex numbers
    "conj", "conjugate", "real", "imag", "angle",
    # selection
    "where",
]

# ---------------------------------------------------------------------------------------------
# Helpers.


def _dtype(x):
    return get_aval(x).dtype


# dtype -> kind; every eager call asks, so the answer is looked up rather than recomputed.
_KINDS = {d: dtype_kind(d) for d in dtypes.supported_dtypes}


def _kind(x):
    """Returns "bool", "int", "uint", "float" or "complex" for x's dtype."""
    dt = get_aval(x).dtype
    kind = _KINDS.get(dt)
    return dtype_kind(dt) if kind is None else kind


def _reject(name, x, kinds, exc=TypeError, what=None):
    """Raises `exc` naming jnp function `name` when x's dtype kind is one of `kinds`."""
    if kinds and _kind(x) in kinds:
        what = what or f"does not accept dtype {_dtype(x).name}"
        raise exc(f"jnp.{name} {what} (got an operand of dtype {_dtype(x).name}).")


def _const(x, value, weak=None):
    """Returns `value` as a scalar of x's dtype, for combining with x in lax ops (which need
    equal dtypes). It is weakly typed when `weak` is true (default: when x is), so that it
    does not make a result strong; a strongly typed constant is a 0-d numpy array."""
    aval = get_aval(x)
    weak = aval.weak_type if weak is None else weak
    if not weak:
        return np.array(value, aval.dtype)
    if type(value) in (int, float, complex) and get_aval(value).dtype == aval.dtype:
        return value
    return lax.convert_element_type(np.array(value, aval.dtype), aval.dtype, weak_type=True)


def _composite_const(x, value):
    """Returns a constant for a composite function whose result JAX types strongly when an
    operand is an array but weakly when all operands are weak 0-d values (hypot, heaviside,
    logaddexp2): the constant is weak exactly in the latter case."""
    aval = get_aval(x)
    return _const(x, value, weak=aval.weak_type and not aval.shape)


def real_dtype(dtype):
    """Returns the dtype of the real and imaginary parts of `dtype` (itself if real)."""
    return {np.dtype(np.complex64): np.dtype(np.float32),
            np.dtype(np.complex128): np.dtype(np.float64)}.get(np.dtype(dtype), dtype)


def _full_like(x, value, dtype=None, weak=False):
    """Returns an array of x's shape filled with `value` (x's dtype unless `dtype` is given)."""
    dtype = _dtype(x) if dtype is None else np.dtype(dtype)
    fill = np.array(value, dtype)
    if weak:
        fill = lax.convert_element_type(fill, dtype, weak_type=True)
    return lax.broadcast_in_dim(fill, shape_of(x), ())


def _select(pred, on_true, on_false):
    """Returns lax.select(pred, on_true, on_false) after broadcasting rank-0 cases to the
    common shape (select's cases must have equal shapes, its predicate may be rank 0)."""
    shape = broadcast_shapes(shape_of(pred), shape_of(on_true), shape_of(on_false))
    on_true, on_false = (c if shape_of(c) == shape else lax.broadcast_in_dim(c, shape, ())
                         for c in (on_true, on_false))
    return lax.select(pred, on_true, on_false)


def _to_bool(x):
    """Returns x != 0 (x itself if it is boolean), as numpy's logical functions read it."""
    return x if _kind(x) == "bool" else lax.ne(x, _const(x, 0))


def _promote_numeric(name, *args):
    """Returns the args promoted together (and broadcast), with bool promoted to int32 (also
    with x64 on, as in JAX): arithmetic that numpy does not define on booleans."""
    args = promote_args(name, *args)
    if _kind(args[0]) == "bool":
        args = [lax.convert_element_type(a, np.int32) for a in args]
    return args


def _as_array(x):
    """Returns x as an Array (tracers and arrays unchanged): jnp functions never return Python
    or numpy scalars, even when they have nothing to compute."""
    if hasattr(x, "aval"):
        return x
    aval = get_aval(x)
    return lax.convert_element_type(x, aval.dtype, weak_type=aval.weak_type)


def _make_unary(name, lax_fn, doc, promote=promote_args_inexact, reject=()):
    def fun(x, /):
        x, = promote(name, x)
        _reject(name, x, reject)
        return lax_fn(x)
    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = doc
    return fun


def _make_binary(name, lax_fn, doc, promote=promote_args, reject=()):
    def fun(x1, x2, /):
        x1, x2 = promote(name, x1, x2)
        _reject(name, x1, reject)
        return lax_fn(x1, x2)
    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = doc
    return fun


# ---------------------------------------------------------------------------------------------
# Arithmetic.

def _bool_as(lax_fn, bool_fn):
    # numpy's + and * on booleans are logical or and and; lax's add and mul reject booleans.
    return lambda x1, x2: (bool_fn if _kind(x1) == "bool" else lax_fn)(x1, x2)


add = _make_binary("add", _bool_as(lax.add, lax.bitwise_or),
                   "Returns x1 + x2 elementwise (logical or for booleans).")
subtract = _make_binary("subtract", lax.sub, "Returns x1 - x2 elementwise.", reject=("bool",))
multiply = _make_binary("multiply", _bool_as(lax.mul, lax.bitwise_and),
                        "Returns x1 * x2 elementwise (logical and for booleans).")
true_divide = _make_binary("true_divide", lax.div,
                           "Returns x1 / x2 elementwise; integers are promoted to float.",
                           promote=promote_args_inexact)
divide = true_divide
maximum = _make_binary("maximum", lax.max,
                       "Returns the elementwise maximum; NaN wins over numbers.")
minimum = _make_binary("minimum", lax.min,
                       "Returns the elementwise minimum; NaN wins over numbers.")
nextafter = _make_binary("nextafter", lax.nextafter,
                         "Returns the next float after x1 in the direction of x2, elementwise.",
                         promote=promote_args_inexact, reject=("complex",))
float_power = _make_binary("float_power", lax.pow,
                           "Returns x1 ** x2 elementwise, computed in floating point.",
                           promote=promote_args_inexact)


def negative(x, /):
    """Returns -x elementwise."""
    x, = promote_args("negative", x)
    _reject("negative", x, ("bool",), what="is not defined for booleans")
    return lax.neg(x)


def positive(x, /):
    """Returns +x elementwise (an array equal to x)."""
    x, = promote_args("positive", x)
    return _as_array(x)


def square(x, /):
    """Returns x * x elementwise (booleans are promoted to int)."""
    x, = _promote_numeric("square", x)
    return lax.square(x)


def reciprocal(x, /):
    """Returns 1 / x elementwise; integers are promoted to float."""
    x, = promote_args_inexact("reciprocal", x)
    return lax.integer_pow(x, -1)


def absolute(x, /):
    """Returns |x| elementwise; for complex x the (real) magnitude."""
    x, = promote_args("absolute", x)
    if _kind(x) in ("bool", "uint"):
        return _as_array(x)
    return lax.abs(x)


abs = absolute  # noqa: A001 -- numpy's name


def fabs(x, /):
    """Returns |x| elementwise as a float (integers are promoted); complex is rejected."""
    x, = promote_args_inexact("fabs", x)
    _reject("fabs", x, ("complex",))
    return lax.abs(x)


def sign(x, /):
    """Returns the sign of x elementwise: -1, 0 or 1 (x / |x| for complex x); NaN for NaN."""
    x, = promote_args("sign", x)
    _reject("sign", x, ("bool",), what="is not defined for booleans")
    return lax.sign(x)


def _int_floor_divide(x1, x2):
    # Truncating division, minus one where the exact quotient is negative and not whole.
    quotient = lax.div(x1, x2)
    if _kind(x1) == "uint":
        return quotient
    negative_inexact = lax.bitwise_and(lax.ne(lax.sign(x1), lax.sign(x2)),
                                       lax.ne(lax.rem(x1, x2), _const(x1, 0)))
    return _select(negative_inexact, lax.sub(quotient, _const(quotient, 1)), quotient)


def _float_divmod(x1, x2):
    """Returns (floor(x1 / x2), x1 mod x2) for floats, with numpy's sign conventions: the
    remainder has the divisor's sign; division by zero gives +-inf (or NaN) and NaN."""
    mod = lax.rem(x1, x2)
    zero = _const(x1, 0)
    # (x1 - mod) / x2 is whole up to rounding; with x2 == 0 keep x1 / 0 = +-inf.
    div = lax.div(_select(lax.eq(x2, zero), x1, lax.sub(x1, mod)), x2)
    fix = lax.bitwise_and(lax.ne(mod, zero), lax.ne(lax.sign(x2), lax.sign(mod)))
    mod = _select(fix, lax.add(mod, x2), mod)
    div = _select(fix, lax.sub(div, _const(div, 1)), div)
    return lax.round(div, lax.RoundingMethod.AWAY_FROM_ZERO), mod


def floor_divide(x1, x2, /):
    """Returns floor(x1 / x2) elementwise (numpy's `//`), in the promoted dtype."""
    x1, x2 = _promote_numeric("floor_divide", x1, x2)
    _reject("floor_divide", x1, ("complex",))
    if _kind(x1) in ("int", "uint"):
        return _int_floor_divide(x1, x2)
    return _float_divmod(x1, x2)[0]


def _safe_int_divisor(x2):
    # XLA's integer division by zero is undefined; numpy gives 0 for x % 0, so divide by 1.
    return _select(lax.eq(x2, _const(x2, 0)), _const(x2, 1), x2)


def remainder(x1, x2, /):
    """Returns x1 mod x2 elementwise with the sign of x2 (numpy's `%`); x % 0 is 0 for
    integers and NaN for floats."""
    x1, x2 = _promote_numeric("remainder", x1, x2)
    _reject("remainder", x1, ("complex",))
    if _kind(x2) in ("int", "uint"):
        x2 = _safe_int_divisor(x2)
    trunc_mod = lax.rem(x1, x2)
    zero = _const(trunc_mod, 0)
    # C's remainder has x1's sign; add x2 once where the signs of remainder and x2 differ.
    fix = lax.bitwise_and(lax.ne(lax.lt(trunc_mod, zero), lax.lt(x2, _const(x2, 0))),
                          lax.ne(trunc_mod, zero))
    return _select(fix, lax.add(trunc_mod, x2), trunc_mod)


mod = remainder


def fmod(x1, x2, /):
    """Returns the C-style remainder of x1 / x2 elementwise (the sign of x1)."""
    x1, x2 = _promote_numeric("fmod", x1, x2)
    _reject("fmod", x1, ("complex",))
    if _kind(x2) in ("int", "uint"):
        x2 = _safe_int_divisor(x2)
    return lax.rem(x1, x2)


def divmod(x1, x2, /):  # noqa: A001 -- numpy's name
    """Returns the pair (floor_divide(x1, x2), remainder(x1, x2))."""
    x1, x2 = _promote_numeric("divmod", x1, x2)
    _reject("divmod", x1, ("complex",))
    if _kind(x1) in ("int", "uint"):
        return floor_divide(x1, x2), remainder(x1, x2)
    return _float_divmod(x1, x2)


def _is_static_int(y):
    return isinstance(y, (int, np.integer)) and not hasattr(y, "aval")


def _int_power(x, y):
    """Returns x ** y for integer arrays by repeated squaring over the bits of y. As in
    JAX, only the low log2(bits)+1 bits of y are read (larger exponents overflow anyway,
    except for bases 0, 1 and -1), and negative exponents give garbage."""
    zero, one = _const(x, 0), _const(x, 1)
    acc = _select(lax.bitwise_and(lax.eq(x, zero), lax.ne(y, zero)), zero, one)
    for _ in range((_dtype(x).itemsize * 8).bit_length()):
        acc = _select(lax.ne(lax.bitwise_and(y, one), zero), lax.mul(acc, x), acc)
        x = lax.mul(x, x)
        y = lax.shift_right_logical(y, one)
    return acc


def power(x1, x2, /):
    """Returns x1 ** x2 elementwise. A static integer exponent (a Python or numpy int) keeps
    x1's dtype and uses repeated multiplication (`integer_pow`); integer arrays raise to
    integer powers exactly; otherwise the result is floating or complex."""
    check_arraylike("power", x1, x2)
    if _is_static_int(x2):
        x1, = _promote_numeric("power", x1)
        return lax.integer_pow(x1, int(x2))
    x1, x2 = _promote_numeric("power", x1, x2)
    if _kind(x1) in ("int", "uint"):
        return _int_power(x1, x2)
    return lax.pow(x1, x2)


pow = power  # noqa: A001 -- the array API's name


def _minmax_ignoring_nan(name, x1, x2, compare):
    x1, x2 = promote_args(name, x1, x2)
    # Take x1 where it wins or where x2 is NaN; so NaN comes out only when both are NaN.
    return _select(lax.bitwise_or(compare(x1, x2), lax.ne(x2, x2)), x1, x2)


def fmax(x1, x2, /):
    """Returns the elementwise maximum, ignoring NaNs (NaN only where both are NaN)."""
    return _minmax_ignoring_nan("fmax", x1, x2, _gt)


def fmin(x1, x2, /):
    """Returns the elementwise minimum, ignoring NaNs (NaN only where both are NaN)."""
    return _minmax_ignoring_nan("fmin", x1, x2, _lt)


def clip(arr=None, /, min=None, max=None):  # noqa: A002 -- numpy's names
    """Returns arr with values below `min` raised to `min` and values above `max` lowered to
    `max` (either bound may be None); bounds broadcast and promote like maximum/minimum."""
    if arr is None:
        raise TypeError("jnp.clip() missing required positional argument: 'arr'")
    check_arraylike("clip", arr)
    if min is not None:
        arr = maximum(min, arr)
    if max is not None:
        arr = minimum(max, arr)
    return _as_array(arr)


def heaviside(x1, x2, /):
    """Returns the Heaviside step function: 0 where x1 < 0, 1 where x1 > 0, x2 where x1 == 0
    (and NaN where x1 is NaN)."""
    x1, x2 = promote_args_inexact("heaviside", x1, x2)
    _reject("heaviside", x1, ("complex",))
    zero = _composite_const(x1, 0)
    at_zero_or_nan = _select(lax.ne(x1, x1), x1, x2)
    positive_part = _select(lax.gt(x1, zero), _composite_const(x1, 1), at_zero_or_nan)
    return _select(lax.lt(x1, zero), zero, positive_part)


def signbit(x, /):
    """Returns True where the sign bit of x is set (negative numbers, -0.0, negative NaNs)."""
    x, = promote_args("signbit", x)
    kind = _kind(x)
    _reject("signbit", x, ("complex",), ValueError, "does not support complex-valued inputs")
    if kind in ("int", "uint"):
        return lax.lt(x, _const(x, 0, weak=False))
    if kind == "bool":
        return _full_like(x, False)
    # Read the sign bit itself so that -0.0 and negative NaNs count as negative.
    int_dtype = np.dtype(f"int{_dtype(x).itemsize * 8}")
    return lax.lt(lax.bitcast_convert_type(x, int_dtype), np.array(0, int_dtype))


def copysign(x1, x2, /):
    """Returns |x1| with the sign of x2, elementwise (as floats)."""
    x1, x2 = promote_args_inexact("copysign", x1, x2)
    _reject("copysign", x1, ("complex",))
    magnitude = lax.abs(x1)
    return _select(signbit(x2), lax.neg(magnitude), magnitude)


# ---------------------------------------------------------------------------------------------
# Exponentials, logarithms, roots.

exp = _make_unary("exp", lax.exp, "Returns e ** x elementwise.")
exp2 = _make_unary("exp2", lax.exp2, "Returns 2 ** x elementwise.")
expm1 = _make_unary("expm1", lax.expm1, "Returns e ** x - 1 elementwise, exact for small x.")
log = _make_unary("log", lax.log, "Returns the natural logarithm of x elementwise.")
log1p = _make_unary("log1p", lax.log1p, "Returns log(1 + x) elementwise, exact for small x.")
sqrt = _make_unary("sqrt", lax.sqrt, "Returns the square root of x elementwise.")
cbrt = _make_unary("cbrt", lax.cbrt, "Returns the real cube root of x elementwise.",
                   reject=("complex",))


def log2(x, /):
    """Returns the base-2 logarithm of x elementwise."""
    x, = promote_args_inexact("log2", x)
    return lax.div(lax.log(x), _const(x, np.log(2), weak=False))


def log10(x, /):
    """Returns the base-10 logarithm of x elementwise."""
    x, = promote_args_inexact("log10", x)
    return lax.mul(lax.log(x), _const(x, 1 / np.log(10), weak=False))


def _logaddexp_value(x1, x2, exp_fn, log_base_scale):
    amax = lax.max(x1, x2)
    if _kind(x1) == "complex":
        return _complex_logaddexp(x1, x2, amax, exp_fn, log_base_scale)
    delta = lax.sub(x1, x2)
    # log(b**x1 + b**x2) = max + log(1 + b**-|x1 - x2|); delta is NaN only for inf - inf of
    # equal signs (then x1 + x2 is that infinity) or NaN inputs (then it is NaN).
    log1p_term = lax.log1p(exp_fn(lax.neg(lax.abs(delta))))
    if log_base_scale is not None:
        log1p_term = lax.mul(_composite_const(log1p_term, log_base_scale), log1p_term)
    return _select(lax.ne(delta, delta), lax.add(x1, x2), lax.add(amax, log1p_term))


def _complex_logaddexp(x1, x2, amax, exp_fn, log_base_scale):
    # max + log(1 + b**(x1 + x2 - 2 max)), with the imaginary part wrapped into [-pi, pi).
    rest = lax.sub(lax.add(x1, x2), lax.mul(amax, _composite_const(amax, 2)))
    log1p_term = lax.log1p(exp_fn(rest))
    if log_base_scale is not None:
        log1p_term = lax.mul(_composite_const(log1p_term, log_base_scale), log1p_term)
    out = lax.add(amax, log1p_term)
    imag_part = lax.imag(out)
    pi, two_pi = _const(imag_part, np.pi), _const(imag_part, 2 * np.pi)
    wrapped = lax.rem(lax.add(imag_part, pi), two_pi)
    wrapped = _select(lax.lt(wrapped, _const(wrapped, 0)), lax.add(wrapped, two_pi), wrapped)
    return lax.complex(lax.real(out), lax.sub(wrapped, pi))


def _finite_or_zero(x):
    return _select(isinf(x), _const(x, 0), x)


def _make_logaddexp(name, exp_fn, log_base_scale, doc):
    """Returns jnp.logaddexp (exp_fn=exp) or logaddexp2 (exp2). The derivative is defined
    directly, d out / d xi = b**(xi - out), so that it is 1/2 for each operand where they are
    equal (differentiating through max would give all of it to one side)."""
    def impl(x1, x2):
        return _logaddexp_value(x1, x2, exp_fn, log_base_scale)
    impl.__name__ = impl.__qualname__ = name  # the name jaxprs show
    value = custom_jvp(impl)

    @value.defjvp
    def value_jvp(primals, tangents):
        x1, x2 = primals
        out = value(x1, x2)
        # Infinities are replaced by 0 so that -inf - -inf gives weight 1, not NaN.
        weights = [exp_fn(lax.sub(_finite_or_zero(x), _finite_or_zero(out))) for x in primals]
        return out, lax.add(*(lax.mul(t, w) for t, w in zip(tangents, weights)))

    def fun(x1, x2, /):
        return value(*promote_args_inexact(name, x1, x2))
    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = doc
    return fun


logaddexp = _make_logaddexp("logaddexp", lax.exp, None,
                            "Returns log(exp(x1) + exp(x2)) elementwise, without overflow.")
logaddexp2 = _make_logaddexp("logaddexp2", lax.exp2, 1 / np.log(2),
                             "Returns log2(2**x1 + 2**x2) elementwise, without overflow.")


# ---------------------------------------------------------------------------------------------
# Trigonometric and hyperbolic functions.

sin = _make_unary("sin", lax.sin, "Returns sin(x) elementwise (x in radians).")
cos = _make_unary("cos", lax.cos, "Returns cos(x) elementwise (x in radians).")
tan = _make_unary("tan", lax.tan, "Returns tan(x) elementwise (x in radians).")
arcsin = _make_unary("arcsin", lax.asin, "Returns the inverse sine of x elementwise.")
arccos = _make_unary("arccos", lax.acos, "Returns the inverse cosine of x elementwise.")
arctan = _make_unary("arctan", lax.atan, "Returns the inverse tangent of x elementwise.")
sinh = _make_unary("sinh", lax.sinh, "Returns the hyperbolic sine of x elementwise.")
cosh = _make_unary("cosh", lax.cosh, "Returns the hyperbolic cosine of x elementwise.")
tanh = _make_unary("tanh", lax.tanh, "Returns the hyperbolic tangent of x elementwise.")
arcsinh = _make_unary("arcsinh", lax.asinh,
                      "Returns the inverse hyperbolic sine of x elementwise.")
arccosh = _make_unary("arccosh", lax.acosh,
                      "Returns the inverse hyperbolic cosine of x elementwise.")
arctanh = _make_unary("arctanh", lax.atanh,
                      "Returns the inverse hyperbolic tangent of x elementwise.")
arctan2 = _make_binary("arctan2", lax.atan2,
                       "Returns the angle of the point (x2, x1) in (-pi, pi], elementwise.",
                       promote=promote_args_inexact)
# The array API's names.
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh


def deg2rad(x, /):
    """Returns x converted from degrees to radians."""
    x, = promote_args_inexact("deg2rad", x)
    return lax.mul(x, _const(x, np.pi / 180))


def rad2deg(x, /):
    """Returns x converted from radians to degrees."""
    x, = promote_args_inexact("rad2deg", x)
    return lax.mul(x, _const(x, 180 / np.pi))


radians, degrees = deg2rad, rad2deg


def hypot(x1, x2, /):
    """Returns sqrt(x1**2 + x2**2) elementwise, without intermediate overflow."""
    x1, x2 = promote_args_inexact("hypot", x1, x2)
    _reject("hypot", x1, ("complex",), ValueError, "does not support complex-valued inputs")
    x1, x2 = lax.abs(x1), lax.abs(x2)
    inf = _composite_const(x1, np.inf)
    either_inf = lax.bitwise_or(lax.eq(x1, inf), lax.eq(x2, inf))
    big, small = lax.max(x1, x2), lax.min(x1, x2)
    big_is_zero = lax.eq(big, _const(big, 0))
    ratio = lax.div(small, _select(big_is_zero, _composite_const(big, 1), big))
    scaled = lax.mul(big, lax.sqrt(lax.add(_const(ratio, 1), lax.square(ratio))))
    return _select(either_inf, inf, _select(big_is_zero, big, scaled))


def sinc(x, /):
    """Returns sin(pi x) / (pi x) elementwise, with sinc(0) = 1."""
    x, = promote_args_inexact("sinc", x)
    is_zero = lax.eq(x, _const(x, 0))
    pi_x = lax.mul(_const(x, np.pi), x)
    safe = _select(is_zero, _const(x, 1), pi_x)
    return _select(is_zero, _const(x, 1), lax.div(lax.sin(safe), safe))


# ---------------------------------------------------------------------------------------------
# Rounding.

def _rounding(name, lax_fn, doc):
    def fun(x, /):
        x, = promote_args(name, x)
        _reject(name, x, ("complex",))
        if _kind(x) != "float":
            return _as_array(x)  # integers and booleans are already whole
        return lax_fn(x)
    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = doc
    return fun


def _trunc(x):
    return _select(lax.lt(x, _const(x, 0)), lax.ceil(x), lax.floor(x))


floor = _rounding("floor", lax.floor, "Returns the largest whole number <= x, elementwise.")
ceil = _rounding("ceil", lax.ceil, "Returns the smallest whole number >= x, elementwise.")
trunc = _rounding("trunc", _trunc, "Returns x rounded toward zero, elementwise.")


def _round_parts(x, fn):
    """Returns fn applied to x, or to its real and imaginary parts separately when x is
    complex (rounding and nan_to_num act on each part)."""
    if _kind(x) == "complex":
        return lax.complex(fn(lax.real(x)), fn(lax.imag(x)))
    return fn(x)


def rint(x, /):
    """Returns x rounded to the nearest whole number (halves to even), as a float."""
    x, = promote_args("rint", x)
    if _kind(x) in ("bool", "int", "uint"):
        return lax.convert_element_type(x, dtypes.default_float_dtype())
    return _round_parts(x, lambda v: lax.round(v, lax.RoundingMethod.TO_NEAREST_EVEN))


def round(a, decimals=0, out=None):  # noqa: A001 -- numpy's name
    """Returns `a` rounded to `decimals` decimal places (halves to even), in a's dtype."""
    _check_no_out("round", out)
    a, = promote_args("round", a)
    decimals = int(decimals)
    if _kind(a) == "bool":
        raise ValueError("jnp.round is not defined for booleans; convert to int first.")
    if _kind(a) in ("int", "uint"):
        if decimals < 0:
            raise NotImplementedError("integer jnp.round not implemented for decimals < 0")
        return _as_array(a)

    def round_real(v):
        if decimals == 0:
            return lax.round(v, lax.RoundingMethod.TO_NEAREST_EVEN)
        factor = _const(v, 10.0 ** decimals)
        return lax.div(lax.round(lax.mul(v, factor), lax.RoundingMethod.TO_NEAREST_EVEN),
                       factor)
    return _round_parts(a, round_real)


around = round


def _check_no_out(name, out):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported: jaxlike "
                                  "arrays are immutable; use the returned value.")


# ---------------------------------------------------------------------------------------------
# Comparisons and logic.

def _ordered(lax_compare):
    """Returns lax_compare extended to complex operands, which compare lexicographically
    (real parts first, then imaginary parts), as in numpy and JAX."""
    def compare(x1, x2):
        if _kind(x1) != "complex":
            return lax_compare(x1, x2)
        re1, re2 = lax.real(x1), lax.real(x2)
        return lax.select(lax.eq(re1, re2), lax_compare(lax.imag(x1), lax.imag(x2)),
                          lax_compare(re1, re2))
    return compare


_lt, _le, _gt, _ge = (_ordered(f) for f in (lax.lt, lax.le, lax.gt, lax.ge))
equal = _make_binary("equal", lax.eq, "Returns x1 == x2 elementwise (bool).")
not_equal = _make_binary("not_equal", lax.ne, "Returns x1 != x2 elementwise (bool).")
less = _make_binary("less", _lt, "Returns x1 < x2 elementwise (bool).")
less_equal = _make_binary("less_equal", _le, "Returns x1 <= x2 elementwise (bool).")
greater = _make_binary("greater", _gt, "Returns x1 > x2 elementwise (bool).")
greater_equal = _make_binary("greater_equal", _ge, "Returns x1 >= x2 elementwise (bool).")


def _make_logical(name, lax_fn, doc):
    def fun(x1, x2, /):
        check_arraylike(name, x1, x2)
        return lax_fn(*promote_shapes(name, _to_bool(x1), _to_bool(x2)))
    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = doc
    return fun


logical_and = _make_logical("logical_and", lax.bitwise_and,
                            "Returns (x1 != 0) and (x2 != 0) elementwise (bool).")
logical_or = _make_logical("logical_or", lax.bitwise_or,
                           "Returns (x1 != 0) or (x2 != 0) elementwise (bool).")
logical_xor = _make_logical("logical_xor", lax.bitwise_xor,
                            "Returns (x1 != 0) xor (x2 != 0) elementwise (bool).")


def logical_not(x, /):
    """Returns not (x != 0) elementwise (bool)."""
    check_arraylike("logical_not", x)
    return lax.bitwise_not(_to_bool(x))


_NOT_INEXACT = ("float", "complex")
_BITWISE_DOC = "Returns the bitwise {} of x1 and x2 elementwise (logical for booleans)."
bitwise_and = _make_binary("bitwise_and", lax.bitwise_and, _BITWISE_DOC.format("and"),
                           reject=_NOT_INEXACT)
bitwise_or = _make_binary("bitwise_or", lax.bitwise_or, _BITWISE_DOC.format("or"),
                          reject=_NOT_INEXACT)
bitwise_xor = _make_binary("bitwise_xor", lax.bitwise_xor, _BITWISE_DOC.format("xor"),
                           reject=_NOT_INEXACT)
bitwise_not = _make_unary("bitwise_not", lax.bitwise_not,
                          "Returns the bitwise complement of x (logical not for booleans).",
                          promote=promote_args, reject=_NOT_INEXACT)
invert = bitwise_invert = bitwise_not


def left_shift(x1, x2, /):
    """Returns x1 shifted left by x2 bits, elementwise (booleans are promoted to int)."""
    x1, x2 = _promote_numeric("left_shift", x1, x2)
    _reject("left_shift", x1, _NOT_INEXACT)
    return lax.shift_left(x1, x2)


def right_shift(x1, x2, /):
    """Returns x1 shifted right by x2 bits, elementwise: arithmetic (sign-filling) for
    signed integers, logical for unsigned ones."""
    x1, x2 = _promote_numeric("right_shift", x1, x2)
    _reject("right_shift", x1, _NOT_INEXACT)
    if _kind(x1) == "uint":
        return lax.shift_right_logical(x1, x2)
    return lax.shift_right_arithmetic(x1, x2)


bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def bitwise_count(x, /):
    """Returns the number of 1 bits in |x| elementwise, as uint8."""
    x, = promote_args("bitwise_count", x)
    _reject("bitwise_count", x, _NOT_INEXACT)
    if _kind(x) == "bool":
        x = lax.convert_element_type(x, np.uint8)
    elif _kind(x) == "int":
        x = lax.abs(x)
    return lax.convert_element_type(lax.population_count(x), np.uint8)


# ---------------------------------------------------------------------------------------------
# Floating-point classification.

def isfinite(x, /):
    """Returns True where x is neither infinite nor NaN (always True for integers)."""
    x, = promote_args("isfinite", x)
    kind = _kind(x)
    if kind == "float":
        return lax.is_finite(x)
    if kind == "complex":
        return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    return _full_like(x, True, np.bool_)


def isinf(x, /):
    """Returns True where x is +inf or -inf (for complex x: either part infinite)."""
    x, = promote_args("isinf", x)
    kind = _kind(x)
    if kind == "float":
        return lax.eq(lax.abs(x), _const(x, np.inf, weak=False))
    if kind == "complex":
        return lax.bitwise_or(isinf(lax.real(x)), isinf(lax.imag(x)))
    return _full_like(x, False, np.bool_)


def isnan(x, /):
    """Returns True where x is NaN (for complex x: either part NaN)."""
    x, = promote_args("isnan", x)
    if _kind(x) == "complex":
        return lax.bitwise_or(isnan(lax.real(x)), isnan(lax.imag(x)))
    return lax.ne(x, x)


def _signed_inf(name, x, value):
    x, = promote_args(name, x)
    _reject(name, x, ("complex",), ValueError, "does not support complex-valued inputs")
    if _kind(x) != "float":
        return _full_like(x, False, np.bool_)
    return lax.eq(x, _const(x, value, weak=False))


def isposinf(x, /):
    """Returns True where x is +inf."""
    return _signed_inf("isposinf", x, np.inf)


def isneginf(x, /):
    """Returns True where x is -inf."""
    return _signed_inf("isneginf", x, -np.inf)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Returns True where |a - b| <= atol + rtol * |b| elementwise (or a == b, which covers
    equal infinities); NaNs are equal only with `equal_nan`. Integers compare as floats."""
    a, b = promote_args_inexact("isclose", a, b)
    real = real_dtype(_dtype(a))
    rtol, atol = (np.array(t, real) if isinstance(t, (int, float)) else
                  lax.convert_element_type(t, real) for t in (rtol, atol))
    close = lax.le(lax.abs(lax.sub(a, b)), lax.add(atol, lax.mul(rtol, lax.abs(b))))
    out = lax.bitwise_or(lax.eq(a, b), lax.bitwise_and(isfinite(b), close))
    if equal_nan:
        out = lax.bitwise_or(out, lax.bitwise_and(isnan(a), isnan(b)))
    return out


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """Returns x with NaN replaced by `nan`, +inf by `posinf` (default: the largest finite
    value of x's dtype) and -inf by `neginf` (default: the most negative finite value)."""
    del copy  # arrays are immutable, so there is never anything to copy
    x, = promote_args("nan_to_num", x)
    kind = _kind(x)
    if kind == "complex":
        return _round_parts(x, lambda part: nan_to_num(part, nan=nan, posinf=posinf,
                                                        neginf=neginf))
    if kind != "float":
        return _as_array(x)
    info = dtypes.finfo(_dtype(x))
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = _select(lax.ne(x, x), _const(x, nan, weak=False), x)
    x = _select(lax.eq(x, _const(x, np.inf, weak=False)), _const(x, posinf, weak=False), x)
    return _select(lax.eq(x, _const(x, -np.inf, weak=False)), _const(x, neginf, weak=False), x)


# ---------------------------------------------------------------------------------------------
# Complex numbers.

def conjugate(x, /):
    """Returns the complex conjugate of x elementwise (x itself for real x)."""
    x, = promote_args("conjugate", x)
    return lax.conj(x) if _kind(x) == "complex" else _as_array(x)


conj = conjugate


def real(val, /):
    """Returns the real part of val elementwise (val itself for real val)."""
    val, = promote_args("real", val)
    return lax.real(val) if _kind(val) == "complex" else _as_array(val)


def imag(val, /):
    """Returns the imaginary part of val elementwise (zeros for real val)."""
    val, = promote_args("imag", val)
    if _kind(val) == "complex":
        return lax.imag(val)
    return _full_like(val, 0, weak=get_aval(val).weak_type)


def angle(z, deg=False):
    """Returns the angle of complex z in radians (degrees with `deg`): atan2(imag, real)."""
    z, = promote_args("angle", z)
    if _kind(z) == "complex":
        re, im = lax.real(z), lax.imag(z)
    else:
        if _kind(z) != "float":  # integers become the default float type (even int8)
            z = lax.convert_element_type(z, dtypes.default_float_dtype())
        re, im = z, _full_like(z, 0)
    result = lax.atan2(im, re)
    return rad2deg(result) if deg else result


# ---------------------------------------------------------------------------------------------
# Selection.

def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """Returns x where `condition` is true and y elsewhere, elementwise, after broadcasting
    all three and promoting x and y together. With only `condition`, returns the indices of
    its nonzero elements (see jnp.nonzero)."""
    if x is None and y is None:
        from jaxlike import numpy as jnp
        nonzero = getattr(jnp, "nonzero", None)
        if nonzero is None:
            raise NotImplementedError("jnp.where(condition) with one argument needs "
                                      "jnp.nonzero, which is not available yet.")
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("Either both or neither of the x and y arguments to jnp.where "
                         "should be provided.")
    if size is not None or fill_value is not None:
        raise ValueError("size and fill_value are only accepted by the one-argument form of "
                         "jnp.where.")
    check_arraylike("where", condition, x, y)
    x, y = promote_dtypes(x, y)
    condition, x, y = promote_shapes("where", _to_bool(condition), x, y)
    return _select(condition, x, y)
