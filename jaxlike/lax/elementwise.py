"""Elementwise primitives: arithmetic, transcendental and special functions, comparisons,
bitwise ops, complex parts, selection and dtype conversion.

Each primitive is one line here (its JAX name and the dtypes it accepts) plus its
user-facing function; the shared shape/dtype rules come first. As in JAX:

- n-ary operands must have equal dtypes (Python scalars are weakly typed and take the
  default dtype of their kind, so `lax.add(f32_array, 2.0)` works but
  `lax.add(f16_array, 2.0)` is a TypeError; `jnp` functions promote);
- operands have equal ranks, except that rank-0 operands broadcast, and size-1 axes
  broadcast against any size (jaxprs show `mul b 2.0:f32[]`);
- a result is weakly typed when every operand is.

Each primitive's derivative rules (JVP, and transpose for the linear ones) follow its
definition; they keep JAX's conventions (ties of max/min split the tangent, abs'(0) = 1,
non-conjugating transposes for complex values) and sum the cotangents of broadcast operands
back to their shapes. Their batching (vmap) rules follow: one primitive for the whole
batch, keeping the batch axis where it is whenever the operands allow. The lowering rules
live in lowering/elementwise.py, keyed by the same names.
"""
import builtins
import enum
import operator
import warnings
from functools import partial

import numpy as np

from jaxlike import dtypes, tree_util
from jaxlike.core import Literal, Primitive, ShapedArray, abstract_eval, get_aval
from jaxlike.core.ir import param_printers
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters.batching import not_mapped
from jaxlike.interpreters import partial_eval as pe

# ---------------------------------------------------------------------------------------------
# Dtype families a primitive accepts: tuples of dtype kinds (see dtype_kind) and/or exact
# dtype names. Error messages name them as JAX does ("integer", "floating", ...).

_bool = ("bool",)
_int = ("int", "uint")
_signedint = ("int",)
_float = ("float",)
_complex = ("complex",)
_complex_elem = ("float32", "float64")  # the parts of complex64 / complex128
_inexact = _float + _complex
_num = _int + _inexact
_any = _bool + _num
_ordered = _int + _float + _bool
_int_or_bool = _int + _bool

# Primitive name -> the jnp function that promotes, for the "same dtypes" error.
_JNP_EQUIVALENTS = {
    "abs": "fabs", "acos": "arccos", "acosh": "arccosh", "add": "add", "asin": "arcsin",
    "asinh": "arcsinh", "atan": "arctan", "atan2": "arctan2", "atanh": "arctanh",
    "cbrt": "cbrt", "ceil": "ceil", "cos": "cos", "cosh": "cosh", "div": "divide",
    "eq": "equal", "exp": "exp", "expm1": "expm1", "floor": "floor", "log": "log",
    "log1p": "log1p", "max": "maximum", "min": "minimum", "mul": "multiply",
    "ne": "not_equal", "neg": "negative", "nextafter": "nextafter", "pow": "float_power",
    "round": "round", "select": "where", "shift_left": "left_shift",
    "shift_right_logical": "right_shift", "shift_right_arithmetic": "right_shift",
    "sign": "sign", "sin": "sin", "sinh": "sinh", "sqrt": "sqrt", "sub": "subtract",
    "tan": "tan", "tanh": "tanh",
}


def dtype_kind(dtype):
    """Returns "bool", "int", "uint", "float" or "complex" for a dtype."""
    if dtype == np.bool_:
        return "bool"
    if dtypes.is_complex(dtype):
        return "complex"
    if dtypes.is_float(dtype):
        return "float"
    return "uint" if dtypes.is_unsigned(dtype) else "int"


_accepts_cache = {}


def _accepts(dtype, accepted):
    """Returns True when `dtype`'s kind, or its name, is in `accepted`."""
    key = (dtype, accepted)
    ok = _accepts_cache.get(key)
    if ok is None:
        ok = _accepts_cache[key] = dtype_kind(dtype) in accepted or dtype.name in accepted
    return ok


_FAMILY_NAMES = {"bool": "bool", "float": "floating", "complex": "complexfloating",
                 "int": "signedinteger", "uint": "unsignedinteger"}


def _family_names(accepted):
    """Returns JAX's wording for a family tuple, e.g. "integer, floating"."""
    names = []
    for kind in accepted:
        if kind in ("int", "uint") and "int" in accepted and "uint" in accepted:
            name = "integer"
        else:
            name = _FAMILY_NAMES.get(kind, kind)
        if name not in names:
            names.append(name)
    return ", ".join(names)


def _describe(aval):
    """Returns JAX's short description of an aval in messages, e.g. `int32[3]`."""
    return f"{aval.dtype.name}[{','.join(map(str, aval.shape))}]"


def check_unary_dtype(name, accepted, aval):
    """Raises TypeError (JAX's message) unless `aval`'s dtype is in the `accepted` families."""
    if not _accepts(aval.dtype, accepted):
        raise TypeError(f"{name} does not accept dtype {aval.dtype.name}. Accepted dtypes are "
                        f"subtypes of {_family_names(accepted)}.")


def check_nary_dtypes(name, accepted, avals):
    """Raises TypeError naming the position of the first operand whose dtype is not in
    `accepted` (one tuple of families for all positions, or one tuple per position)."""
    for i, aval in enumerate(avals):
        allowed = accepted[i] if isinstance(accepted[0], tuple) else accepted
        if not _accepts(aval.dtype, allowed):
            raise TypeError(f"{name} does not accept dtype {aval.dtype.name} at position {i}. "
                            f"Accepted dtypes at position {i} are subtypes of "
                            f"{_family_names(allowed)}.")


def check_same_dtypes(name, avals):
    """Raises TypeError (JAX's message, with a hint at the promoting jnp function) unless all
    avals have one dtype."""
    first = avals[0].dtype
    if builtins.any(a.dtype != first for a in avals[1:]):
        msg = (f"lax.{name} requires arguments to have the same dtypes, got "
               f"{', '.join(a.dtype.name for a in avals)}.")
        if name in _JNP_EQUIVALENTS:
            msg += (f" (Tip: jnp.{_JNP_EQUIVALENTS[name]} is a similar function that does "
                    "automatic type promotion on inputs).")
        raise TypeError(msg)


def _check_kinds(name, kinds, avals):
    """Raises TypeError unless every aval's dtype is in `kinds` (JAX's unary message for one
    aval, the positional one for several)."""
    if len(avals) == 1:
        check_unary_dtype(name, kinds, avals[0])
    else:
        check_nary_dtypes(name, kinds, avals)


_check_same_dtypes = check_same_dtypes


def broadcast_shapes_of(name, avals):
    """Returns the result shape of n-ary elementwise operands: rank-0 operands broadcast,
    the others must have one rank and per axis equal sizes or size 1 (as in JAX's lax).
    Raises TypeError naming the operation and every shape when they disagree."""
    shapes = [a.shape for a in avals if a.shape]
    if not shapes:
        return ()
    if builtins.all(s == shapes[0] for s in shapes[1:]):
        return shapes[0]
    ranks = {len(s) for s in shapes}
    if len(ranks) != 1:
        raise TypeError(f"{name}: arrays must have the same number of dimensions, got "
                        f"{ranks} (shapes {', '.join(str(tuple(s)) for s in shapes)}). Use jnp "
                        "functions (which broadcast) or lax.broadcast_in_dim first.")
    result = []
    for sizes in zip(*shapes):
        non_1 = {d for d in sizes if d != 1}
        if len(non_1) > 1:
            raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                            f"{', '.join(str(tuple(s)) for s in shapes)}.")
        result.append(non_1.pop() if non_1 else 1)
    return tuple(result)


def _all_weak(avals):
    return builtins.all(a.weak_type for a in avals)


def naryop_aval(name, accepted, *avals, out_dtype=None, require_same=True):
    """The abstract-eval rule shared by n-ary elementwise ops: checks dtypes and shapes. The
    result has the operands' dtype (or `out_dtype`) and is weak when every operand is."""
    check_nary_dtypes(name, accepted, avals)
    if require_same:
        check_same_dtypes(name, avals)
    shape = broadcast_shapes_of(name, avals)
    dtype = avals[0].dtype if out_dtype is None else np.dtype(out_dtype)
    return ShapedArray(shape, dtype, _all_weak(avals))


def _identity_dtype(dtype):
    return dtype


def _real_dtype_of(dtype):
    """complex64 -> float32, complex128 -> float64; other dtypes unchanged."""
    if dtype == np.complex64:
        return np.dtype(np.float32)
    if dtype == np.complex128:
        return np.dtype(np.float64)
    return dtype


def _complex_dtype_of(dtype):
    """float32/complex64 -> complex64, float64/complex128 -> complex128."""
    return np.dtype(np.complex128 if dtype in (np.float64, np.complex128) else np.complex64)


def unop(name, accepted, out_dtype_fn=_identity_dtype):
    """Returns a new unary elementwise primitive accepting the `accepted` dtype families."""
    prim = Primitive(name)

    def rule(x, **params):
        check_unary_dtype(name, accepted, x)
        return ShapedArray(x.shape, out_dtype_fn(x.dtype), x.weak_type)
    prim.def_abstract_eval(rule)
    return prim


def binop(name, accepted):
    """Returns a new binary elementwise primitive (operands of one dtype)."""
    prim = Primitive(name)
    prim.def_abstract_eval(partial(naryop_aval, name, accepted))
    return prim


def compare_op(name, accepted=_any):
    """Returns a new comparison primitive (bool result)."""
    prim = Primitive(name)
    prim.def_abstract_eval(partial(naryop_aval, name, accepted, out_dtype=np.bool_))
    return prim


def _check_accuracy(name, accuracy):
    if accuracy is not None:
        raise NotImplementedError(
            f"lax.{name}(accuracy={accuracy!r}): jaxlike does not support requesting a result "
            "accuracy; call it without `accuracy` (XLA's default implementation is used).")


# ---------------------------------------------------------------------------------------------
# Helpers for the differentiation rules, which sit next to each primitive below. Rules are
# written with this module's functions (each a `bind`), so derivatives of any order compose.
# A tangent has its primal's aval, weak type included; constants in rules take it too.

def _const(x, value):
    """Returns the scalar `value` with x's dtype and weak type (a Python scalar when that has
    x's aval, so jaxprs show `mul b 2.0:f32[]`; a numpy scalar when x is not weak)."""
    aval = get_aval(x)
    if not aval.weak_type:
        return np.asarray(value, aval.dtype)
    scalar = _PYTHON_SCALAR_TYPES[dtype_kind(aval.dtype)](value)
    if get_aval(scalar).dtype == aval.dtype:
        return scalar
    return _convert_element_type(np.asarray(value, aval.dtype), aval.dtype, True)


_PYTHON_SCALAR_TYPES = {"bool": bool, "int": int, "uint": int, "float": float,
                        "complex": builtins.complex}


def _one(x):
    """Returns the scalar 1 with x's dtype and weak type."""
    return _const(x, 1)


def _indicator(pred, aval):
    """Returns the bool array `pred` as 1s and 0s of `aval`'s dtype and weak type."""
    return _convert_element_type(pred, aval.dtype, aval.weak_type)


def _zeros(x):
    """Returns zeros of x's shape, dtype and weak type."""
    return ad.zeros_like_aval(get_aval(x))


def _replace_zero(x):
    """Returns x with its zeros replaced by ones (a safe divisor or log argument)."""
    return select(eq(x, _const(x, 0)), _broadcast_to(_const(x, 1), get_aval(x).shape), x)


def _broadcast_to(x, shape):
    """Returns x broadcast to `shape` (x is rank-0 or has size-1 axes where `shape` has
    more), as n-ary ops broadcast their operands; x itself when its shape is `shape`."""
    x_shape = get_aval(x).shape
    if x_shape == shape:
        return x
    from jaxlike.lax import structural  # structural builds on this module
    return structural.broadcast_in_dim(x, shape, tuple(range(len(x_shape))))


def _unbroadcast(aval, ct):
    """Returns the cotangent `ct` (of an n-ary op's output) summed back to the shape of an
    operand of `aval` that the op broadcast (rank 0, or size-1 axes)."""
    ct_shape = get_aval(ct).shape
    if ct_shape == aval.shape:
        return ct
    from jaxlike.lax import reductions, structural  # they build on this module
    if not aval.shape:
        return reductions.reduce_sum(ct, tuple(range(len(ct_shape))))
    axes = tuple(i for i, (a, c) in enumerate(zip(aval.shape, ct_shape)) if a == 1 and c != 1)
    return structural.reshape(reductions.reduce_sum(ct, axes), aval.shape)


def _defjvp(prim, *jvp_fns):
    """Registers prim's JVP from one function per operand, `fn(t, out, *primals, **params)`
    giving that operand's contribution (possibly a Zero) for its non-zero tangent `t`, with
    `out` the primitive's output (None: no derivative). Contributions are broadcast to the output's
    shape (a rank-0 operand's tangent is rank 0) and summed."""
    def rule(tangents, out, *primals, **params):
        out_aval = get_aval(out)
        total = ad.Zero(out_aval)
        for fn, t in zip(jvp_fns, tangents):
            if fn is None or type(t) is ad.Zero:
                continue
            contribution = fn(t, out, *primals, **params)
            if type(contribution) is not ad.Zero:
                total = ad.add_tangents(total, _broadcast_to(contribution, out_aval.shape))
        return total
    ad.defjvp_with_output(prim, rule)


def _linear_transpose(prim, *per_operand):
    """Registers the JVP and transpose of a primitive linear in all its operands:
    `per_operand[i](ct, *args, **params)` gives operand i's cotangent before it is summed
    back to that operand's shape."""
    def transpose(ct, *args, **params):
        return [_unbroadcast(x.aval, fn(ct, *args, **params)) if ad.is_undefined_primal(x)
                else None for fn, x in zip(per_operand, args)]
    ad.deflinear(prim, transpose)


def _defnondiff(*prims):
    """Registers zero derivatives for `prims` (integer, boolean and piecewise-constant
    results)."""
    for prim in prims:
        ad.defnondiff(prim)


# ---------------------------------------------------------------------------------------------
# Helpers for the batching (vmap) rules, which follow each group's derivative rules. Unary
# primitives keep the batch axis where it is (their params never depend on the shape); n-ary
# ones keep it when every batched operand has it at one place and the others are rank 0, and
# otherwise move it to the front (batching.broadcast_batcher). N-ary rules first check the
# operands of one example: vmap(f) then fails exactly when f would (batched shapes may
# broadcast where one example's do not, e.g. ranks (3,) and (2, 3)), naming f's shapes.

def _example_avals(vals, dims):
    """Returns the avals of one example of the batched operands `vals`."""
    avals = []
    for v, d in zip(vals, dims):
        aval = get_aval(v)
        if d is not not_mapped:
            aval = aval.update(shape=aval.shape[:d] + aval.shape[d + 1:])
        avals.append(aval)
    return avals


def _batcher(prim, rule):
    """Registers `rule` as prim's batching rule, behind a check of one example's operands."""
    def checked(vals, dims, **params):
        abstract_eval(prim, _example_avals(vals, dims), params)
        return rule(vals, dims, **params)
    batching.primitive_batchers[prim] = checked


def _vectorized(*prims):
    """Registers the batching rules of unary elementwise primitives."""
    for prim in prims:
        batching.vectorized_batcher(prim)


def _broadcasting(*prims):
    """Registers the batching rules of n-ary elementwise primitives whose operands broadcast
    (rank 0, size-1 axes)."""
    for prim in prims:
        _batcher(prim, batching.broadcast_batcher(prim))


def _align_exact(vals, dims, full):
    """Returns (batch dim of the result, operands) for a primitive whose operands at indices
    `full` must have the result's exact shape while the others may also be rank 0 (select_n,
    clamp): the batch axis stays where the first batched full-shape operand has it, an
    unbatched rank-0 operand stays rank 0, and any other operand is broadcast or moved."""
    size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not not_mapped)
    avals = _example_avals(vals, dims)
    shape = avals[full[0]].shape
    # The batch axis of a full-shape operand, else that of a full-rank `which` or bound.
    order = list(full) + [i for i in range(len(vals)) if i not in full]
    dim = next((dims[i] for i in order
                if dims[i] is not not_mapped and avals[i].ndim == len(shape)), 0)
    operands = []
    for i, (v, d, aval) in enumerate(zip(vals, dims, avals)):
        if d is not_mapped and i not in full and not aval.shape:
            operands.append(v)
        elif d is not_mapped:
            operands.append(batching.broadcast_batched(v, size, dim))
        elif aval.ndim == len(shape):
            operands.append(batching.moveaxis(v, d, dim))
        else:  # one rank-0 value per example, against full-shape operands
            from jaxlike.lax import structural  # structural builds on this module
            operands.append(structural.broadcast_in_dim(
                v, shape[:dim] + (size,) + shape[dim:], (dim,)))
    return dim, operands


# ---------------------------------------------------------------------------------------------
# Unary arithmetic.

neg_p = unop("neg", _num)
sign_p = unop("sign", _num)
floor_p = unop("floor", _float)
ceil_p = unop("ceil", _float)
round_p = unop("round", _float)
is_finite_p = unop("is_finite", _float, lambda _: np.dtype(np.bool_))
abs_p = unop("abs", _signedint + _float + _complex, _real_dtype_of)
square_p = unop("square", _num)
sqrt_p = unop("sqrt", _inexact)
rsqrt_p = unop("rsqrt", _inexact)
cbrt_p = unop("cbrt", _float)
integer_pow_p = Primitive("integer_pow")
reduce_precision_p = Primitive("reduce_precision")

# Derivatives. Rounding, sign and is_finite are piecewise constant: zero derivative, also at
# their jumps (as in JAX).
_defnondiff(sign_p, floor_p, ceil_p, round_p, is_finite_p)
_linear_transpose(neg_p, lambda ct, x: neg(ct))


def _abs_jvp(t, out, x):
    # Real x: +t where x >= 0 (so the derivative at 0 is 1, as in JAX), -t elsewhere. Complex
    # x: the real part of t * conj(x) / |x|, zero at x = 0.
    if not dtypes.is_complex(get_aval(x).dtype):
        return select(ge(x, _const(x, 0)), t, neg(t))
    magnitude = _replace_zero(_convert_element_type(out, get_aval(x).dtype))
    return real(mul(t, div(conj(x), magnitude)))


def _integer_pow_jvp(t, out, x, *, y):
    if y == 0:
        return ad.Zero(get_aval(t))
    if y == 1:
        return t
    return mul(t, mul(_const(x, y), x if y == 2 else integer_pow(x, y - 1)))


_defjvp(abs_p, _abs_jvp)
_defjvp(integer_pow_p, _integer_pow_jvp)
# reduce_precision is the identity up to rounding: JAX differentiates it as linear, with the
# tangent (and cotangent) rounded the same way.
_linear_transpose(reduce_precision_p,
                  lambda ct, x, **params: reduce_precision_p.bind(ct, **params))
for _prim, _jvp in {
    square_p: lambda t, out, x: mul(t, mul(_const(x, 2), x)),
    sqrt_p: lambda t, out, x: mul(t, div(_const(x, 0.5), out)),
    rsqrt_p: lambda t, out, x: mul(t, mul(_const(x, -0.5), div(out, x))),
    cbrt_p: lambda t, out, x: mul(t, mul(_const(x, 1 / 3), integer_pow(out, -2))),
}.items():
    _defjvp(_prim, _jvp)
_vectorized(neg_p, sign_p, floor_p, ceil_p, round_p, is_finite_p, abs_p, square_p, sqrt_p,
            rsqrt_p, cbrt_p, integer_pow_p, reduce_precision_p)


class RoundingMethod(enum.IntEnum):
    """How `round` treats halfway values (0.5)."""

    AWAY_FROM_ZERO = 0
    """Halfway values round away from zero: 0.5 -> 1, -0.5 -> -1."""

    TO_NEAREST_EVEN = 1
    """Halfway values round to the nearest even integer (banker's rounding): 0.5 -> 0."""


def neg(x):
    """Returns -x elementwise."""
    return neg_p.bind(x)


def sign(x):
    """Returns the sign of x elementwise: -1, 0 or 1 (x/|x| for complex; NaN stays NaN)."""
    return sign_p.bind(x)


def floor(x):
    """Returns the floor of x elementwise."""
    return floor_p.bind(x)


def ceil(x):
    """Returns the ceiling of x elementwise."""
    return ceil_p.bind(x)


# Printed as its int value, like JAX's IntEnum on every Python version: round[rounding_method=0].
param_printers["round"] = lambda params: {k: int(v) if k == "rounding_method" else v
                                          for k, v in params.items()}


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001 -- JAX's name
    """Returns x rounded to the nearest integer elementwise; `rounding_method` (a
    RoundingMethod or its int value) decides halfway values."""
    return round_p.bind(x, rounding_method=RoundingMethod(rounding_method))


def is_finite(x):
    """Returns True where x is neither infinite nor NaN (floating x only)."""
    return is_finite_p.bind(x)


def abs(x):  # noqa: A001 -- JAX's name
    """Returns |x| elementwise (the real magnitude for complex x; signed ints wrap at MIN)."""
    return abs_p.bind(x)


def square(x):
    """Returns x * x elementwise."""
    return square_p.bind(x)


def sqrt(x, *, accuracy=None):
    """Returns the square root of x elementwise."""
    _check_accuracy("sqrt", accuracy)
    return sqrt_p.bind(x)


def rsqrt(x, *, accuracy=None):
    """Returns 1 / sqrt(x) elementwise."""
    _check_accuracy("rsqrt", accuracy)
    return rsqrt_p.bind(x)


def cbrt(x, *, accuracy=None):
    """Returns the real cube root of x elementwise."""
    _check_accuracy("cbrt", accuracy)
    return cbrt_p.bind(x)


def _integer_pow_aval(x, *, y):
    check_unary_dtype("integer_pow", _num, x)
    if y < 0 and dtype_kind(x.dtype) in ("int", "uint"):
        raise TypeError(f"Integers cannot be raised to negative powers, got "
                        f"integer_pow({_describe(x)}, {y})")
    return x


integer_pow_p.def_abstract_eval(_integer_pow_aval)


def _static_int(value, what):
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be a static Python integer, got {value!r} of type "
                        f"{type(value).__name__}.") from None


def integer_pow(x, y):
    """Returns x ** y elementwise for a static integer exponent `y`, as O(log y)
    multiplications (negative `y` gives 1 / x ** -y, for inexact x only)."""
    return integer_pow_p.bind(x, y=_static_int(y, "integer_pow's exponent y"))


def reciprocal(x):
    """Returns 1 / x elementwise."""
    return integer_pow(x, -1)


def _reduce_precision_aval(x, *, exponent_bits, mantissa_bits):
    check_unary_dtype("reduce_precision", _float, x)
    if exponent_bits < 1:
        raise ValueError(f"reduce_precision: exponent_bits must be positive; got "
                         f"{exponent_bits}")
    if mantissa_bits < 0:
        raise ValueError(f"reduce_precision: mantissa_bits must be non-negative; got "
                         f"{mantissa_bits}")
    return x


reduce_precision_p.def_abstract_eval(_reduce_precision_aval)


def reduce_precision(operand, exponent_bits, mantissa_bits):
    """Returns `operand` rounded to a floating format with the given exponent and mantissa
    bits (e.g. 5 and 10 emulate float16), keeping its dtype."""
    return reduce_precision_p.bind(
        operand, exponent_bits=_static_int(exponent_bits, "reduce_precision's exponent_bits"),
        mantissa_bits=_static_int(mantissa_bits, "reduce_precision's mantissa_bits"))


# ---------------------------------------------------------------------------------------------
# Exponentials, logarithms, trigonometric and hyperbolic functions.

exp_p = unop("exp", _inexact)
exp2_p = unop("exp2", _inexact)
log_p = unop("log", _inexact)
log1p_p = unop("log1p", _inexact)
expm1_p = unop("expm1", _inexact)
logistic_p = unop("logistic", _inexact)
sin_p = unop("sin", _inexact)
cos_p = unop("cos", _inexact)
tan_p = unop("tan", _inexact)
asin_p = unop("asin", _inexact)
acos_p = unop("acos", _inexact)
atan_p = unop("atan", _inexact)
sinh_p = unop("sinh", _inexact)
cosh_p = unop("cosh", _inexact)
tanh_p = unop("tanh", _inexact)
asinh_p = unop("asinh", _inexact)
acosh_p = unop("acosh", _inexact)
atanh_p = unop("atanh", _inexact)
atan2_p = binop("atan2", _inexact)


# Derivatives, from the input x or the output `out` where that saves work.
for _prim, _jvp in {
    exp_p: lambda t, out, x: mul(t, out),
    exp2_p: lambda t, out, x: mul(t, mul(_const(x, np.log(2)), out)),
    log_p: lambda t, out, x: div(t, x),
    log1p_p: lambda t, out, x: div(t, add(x, _one(x))),
    expm1_p: lambda t, out, x: mul(t, add(out, _one(out))),
    logistic_p: lambda t, out, x: mul(t, mul(out, sub(_one(out), out))),
    sin_p: lambda t, out, x: mul(t, cos(x)),
    cos_p: lambda t, out, x: neg(mul(t, sin(x))),
    tan_p: lambda t, out, x: mul(t, add(_one(out), square(out))),
    asin_p: lambda t, out, x: mul(t, rsqrt(sub(_one(x), square(x)))),
    acos_p: lambda t, out, x: mul(t, neg(rsqrt(sub(_one(x), square(x))))),
    atan_p: lambda t, out, x: div(t, add(_one(x), square(x))),
    sinh_p: lambda t, out, x: mul(t, cosh(x)),
    cosh_p: lambda t, out, x: mul(t, sinh(x)),
    # (1 + tanh)(1 - tanh) rather than 1 - tanh², which loses accuracy as |tanh| -> 1.
    tanh_p: lambda t, out, x: mul(mul(t, add(_one(out), out)), sub(_one(out), out)),
    asinh_p: lambda t, out, x: mul(t, rsqrt(add(square(x), _one(x)))),
    acosh_p: lambda t, out, x: mul(t, rsqrt(mul(sub(x, _one(x)), add(x, _one(x))))),
    atanh_p: lambda t, out, x: div(t, mul(sub(_one(x), x), add(_one(x), x))),
}.items():
    _defjvp(_prim, _jvp)


def _atan2_denominator(x, y):
    return add(square(x), square(y))


# atan2(x, y) is the angle of the point (y, x): d/dx = y / r², d/dy = -x / r².
_defjvp(atan2_p, lambda t, out, x, y: mul(t, div(y, _atan2_denominator(x, y))),
        lambda t, out, x, y: mul(t, div(neg(x), _atan2_denominator(x, y))))
_vectorized(exp_p, exp2_p, log_p, log1p_p, expm1_p, logistic_p, sin_p, cos_p, tan_p, asin_p,
            acos_p, atan_p, sinh_p, cosh_p, tanh_p, asinh_p, acosh_p, atanh_p)
_broadcasting(atan2_p)


def exp(x, *, accuracy=None):
    """Returns e**x elementwise."""
    _check_accuracy("exp", accuracy)
    return exp_p.bind(x)


def exp2(x, *, accuracy=None):
    """Returns 2**x elementwise."""
    _check_accuracy("exp2", accuracy)
    return exp2_p.bind(x)


def log(x, *, accuracy=None):
    """Returns the natural logarithm of x elementwise."""
    _check_accuracy("log", accuracy)
    return log_p.bind(x)


def log1p(x, *, accuracy=None):
    """Returns log(1 + x) elementwise, accurate for small x."""
    _check_accuracy("log1p", accuracy)
    return log1p_p.bind(x)


def expm1(x, *, accuracy=None):
    """Returns e**x - 1 elementwise, accurate for small x."""
    _check_accuracy("expm1", accuracy)
    return expm1_p.bind(x)


def logistic(x, *, accuracy=None):
    """Returns the logistic sigmoid 1 / (1 + e**-x) elementwise."""
    _check_accuracy("logistic", accuracy)
    return logistic_p.bind(x)


def sin(x, *, accuracy=None):
    """Returns sin(x) elementwise."""
    _check_accuracy("sin", accuracy)
    return sin_p.bind(x)


def cos(x, *, accuracy=None):
    """Returns cos(x) elementwise."""
    _check_accuracy("cos", accuracy)
    return cos_p.bind(x)


def tan(x, *, accuracy=None):
    """Returns tan(x) elementwise."""
    _check_accuracy("tan", accuracy)
    return tan_p.bind(x)


def asin(x):
    """Returns the arc sine of x elementwise."""
    return asin_p.bind(x)


def acos(x):
    """Returns the arc cosine of x elementwise."""
    return acos_p.bind(x)


def atan(x):
    """Returns the arc tangent of x elementwise."""
    return atan_p.bind(x)


def atan2(x, y):
    """Returns the arc tangent of x / y elementwise, using the signs of both for the
    quadrant (numpy's arctan2(x, y))."""
    return atan2_p.bind(x, y)


def sinh(x):
    """Returns sinh(x) elementwise."""
    return sinh_p.bind(x)


def cosh(x):
    """Returns cosh(x) elementwise."""
    return cosh_p.bind(x)


def tanh(x, *, accuracy=None):
    """Returns tanh(x) elementwise."""
    _check_accuracy("tanh", accuracy)
    return tanh_p.bind(x)


def asinh(x):
    """Returns the inverse hyperbolic sine of x elementwise."""
    return asinh_p.bind(x)


def acosh(x):
    """Returns the inverse hyperbolic cosine of x elementwise."""
    return acosh_p.bind(x)


def atanh(x):
    """Returns the inverse hyperbolic tangent of x elementwise."""
    return atanh_p.bind(x)


# ---------------------------------------------------------------------------------------------
# Special functions (floating only).

erf_p = unop("erf", _float)
erfc_p = unop("erfc", _float)
erf_inv_p = unop("erf_inv", _float)
lgamma_p = unop("lgamma", _float)
digamma_p = unop("digamma", _float)
polygamma_p = binop("polygamma", _float)


def _erf_jvp_scale(x, scale):
    """Returns scale * exp(-x²): the derivative of erf (scale 2/√π) or erfc (-2/√π)."""
    return mul(_const(x, scale), exp(neg(square(x))))


def _polygamma_jvp_m(t, out, m, x):
    # The order m is an integer: polygamma has no derivative with respect to it.
    raise ValueError("polygamma gradient with respect to m is not supported; differentiate "
                     "with respect to x only (m is an integer order).")


_defjvp(erf_p, lambda t, out, x: mul(t, _erf_jvp_scale(x, 2 / np.sqrt(np.pi))))
_defjvp(erfc_p, lambda t, out, x: mul(t, _erf_jvp_scale(x, -2 / np.sqrt(np.pi))))
_defjvp(erf_inv_p, lambda t, out, x: mul(t, mul(_const(x, np.sqrt(np.pi) / 2),
                                                exp(square(out)))))
_defjvp(lgamma_p, lambda t, out, x: mul(t, digamma(x)))
_defjvp(digamma_p, lambda t, out, x: mul(t, polygamma(_one(x), x)))
_defjvp(polygamma_p, _polygamma_jvp_m,
        lambda t, out, m, x: mul(t, polygamma(add(m, _one(m)), x)))
_vectorized(erf_p, erfc_p, erf_inv_p, lgamma_p, digamma_p)
_broadcasting(polygamma_p)  # m is often a rank-0 order against a batched x


def erf(x):
    """Returns the error function of x elementwise."""
    return erf_p.bind(x)


def erfc(x):
    """Returns the complementary error function 1 - erf(x) elementwise."""
    return erfc_p.bind(x)


def erf_inv(x):
    """Returns the inverse error function of x elementwise (±inf at ±1, NaN outside)."""
    return erf_inv_p.bind(x)


def lgamma(x):
    """Returns log|Γ(x)| elementwise."""
    return lgamma_p.bind(x)


def digamma(x):
    """Returns the digamma function ψ(x) = d/dx log Γ(x) elementwise."""
    return digamma_p.bind(x)


def polygamma(m, x):
    """Returns the polygamma function ψ⁽ᵐ⁾(x), the m-th derivative of digamma, elementwise;
    the order m is a non-negative integer value of x's floating dtype."""
    return polygamma_p.bind(m, x)


# ---------------------------------------------------------------------------------------------
# Binary arithmetic.

add_p = binop("add", _num)
sub_p = binop("sub", _num)
mul_p = binop("mul", _num)
div_p = binop("div", _num)
rem_p = binop("rem", _int + _float)
max_p = binop("max", _any)
min_p = binop("min", _any)
nextafter_p = binop("nextafter", _float)
pow_p = Primitive("pow")

# Derivatives. add and sub are linear; mul is linear in each operand separately (its
# transpose is taken with respect to whichever operand is the linear one); div is linear in
# its numerator. Cotangents of broadcast operands are summed back to their shapes.
_linear_transpose(add_p, lambda ct, x, y: ct, lambda ct, x, y: ct)
_linear_transpose(sub_p, lambda ct, x, y: ct, lambda ct, x, y: neg(ct))


def _add_sub_jvp(prim, negate_right):
    # With one zero tangent the other one (negated for sub's right operand), broadcast to the
    # output, is the answer: instantiating the zero would cost an array and an op.
    def rule(primals, tangents):
        out = prim.bind(*primals)
        tx, ty = tangents
        if type(tx) is ad.Zero and type(ty) is ad.Zero:
            return out, ad.Zero(ad.tangent_aval(get_aval(out)))
        shape = get_aval(out).shape
        if type(ty) is ad.Zero:
            return out, _broadcast_to(tx, shape)
        if type(tx) is ad.Zero:
            return out, _broadcast_to(neg(ty) if negate_right else ty, shape)
        return out, prim.bind(tx, ty)
    ad.primitive_jvps[prim] = rule


_add_sub_jvp(add_p, False)
_add_sub_jvp(sub_p, True)
_defnondiff(nextafter_p)
_defjvp(mul_p, lambda t, out, x, y: mul(t, y), lambda t, out, x, y: mul(x, t))
_defjvp(div_p, lambda t, out, x, y: div(t, y),
        lambda t, out, x, y: mul(mul(neg(t), x), integer_pow(y, -2)))
# rem(x, y) = x - y * trunc(x / y): d/dx = 1, d/dy = -trunc(x / y).
_defjvp(rem_p, lambda t, out, x, y: t,
        lambda t, out, x, y: mul(neg(t), mul(sign(div(x, y)), floor(abs(div(x, y))))))


def _mul_transpose(ct, x, y):
    if ad.is_undefined_primal(x):
        if ad.is_undefined_primal(y):
            raise ValueError("mul is not linear in both operands at once: transposing "
                             "x * y needs one of them known.")
        return [_unbroadcast(x.aval, mul(ct, y)), None]
    return [None, _unbroadcast(y.aval, mul(x, ct))]


def _div_transpose(ct, x, y):
    if ad.is_undefined_primal(y):
        raise ValueError("div is linear in its numerator only: transposing x / y needs the "
                         "denominator y known.")
    return [_unbroadcast(x.aval, div(ct, y)), None]


ad.primitive_transposes[mul_p] = _mul_transpose
ad.primitive_transposes[div_p] = _div_transpose


def _chooser_jvp(tangents, out, x, y):
    # As JAX does: the tangent of the operand equal to the result passes, and ties split it
    # evenly (weight 1 / (1 + [other == out]), 0 where the operand is not the result).
    out_aval = get_aval(out)
    total = ad.Zero(out_aval)
    for t, mine, other in zip(tangents, (x, y), (y, x)):
        if type(t) is not ad.Zero:
            chosen = _indicator(eq(mine, out), out_aval)
            tie = _indicator(eq(other, out), out_aval)
            weight = div(chosen, add(_one(tie), tie))
            total = ad.add_tangents(total, mul(_broadcast_to(t, out_aval.shape), weight))
    return total


ad.defjvp_with_output(max_p, _chooser_jvp)
ad.defjvp_with_output(min_p, _chooser_jvp)


def _pow_jvp_x(t, out, x, y):
    # y * x^(y-1). For an integer exponent, y = 0 gives 0 even at x = 0 (not 0 * inf).
    y_aval = get_aval(y)
    if dtypes.is_float(y_aval.dtype) or dtypes.is_complex(y_aval.dtype):
        return mul(t, mul(y, pow(x, sub(y, _one(y)))))
    shape = get_aval(out).shape
    x, y = _broadcast_to(x, shape), _broadcast_to(y, shape)
    y_as_x = _convert_element_type(y, get_aval(x).dtype, y_aval.weak_type)
    jacobian = mul(y_as_x, pow(x, sub(y, _const(y, 1))))
    return mul(t, select(eq(y, _const(y, 0)), _zeros(jacobian), jacobian))


# d/dy x^y = log(x) x^y, taken as 0 where x = 0 (JAX's convention).
_defjvp(pow_p, _pow_jvp_x, lambda t, out, x, y: mul(t, mul(log(_replace_zero(x)), out)))
_broadcasting(add_p, sub_p, mul_p, div_p, rem_p, max_p, min_p, nextafter_p, pow_p)


def add(x, y):
    """Returns x + y elementwise."""
    return add_p.bind(x, y)


def sub(x, y):
    """Returns x - y elementwise."""
    return sub_p.bind(x, y)


def mul(x, y):
    """Returns x * y elementwise."""
    return mul_p.bind(x, y)


def div(x, y):
    """Returns x / y elementwise (rounding toward zero for integers)."""
    return div_p.bind(x, y)


def rem(x, y):
    """Returns the remainder of x / y elementwise, with the sign of x (C's fmod)."""
    return rem_p.bind(x, y)


def max(x, y):  # noqa: A001 -- JAX's name
    """Returns the elementwise maximum (NaN-propagating; lexicographic for complex)."""
    return max_p.bind(x, y)


def min(x, y):  # noqa: A001 -- JAX's name
    """Returns the elementwise minimum (NaN-propagating; lexicographic for complex)."""
    return min_p.bind(x, y)


def nextafter(x1, x2):
    """Returns the next representable value after x1 in the direction of x2."""
    return nextafter_p.bind(x1, x2)


def _pow_aval(x, y):
    check_nary_dtypes("pow", (_inexact, _num), (x, y))
    if not (x.dtype == y.dtype or dtype_kind(y.dtype) in ("int", "uint")):
        raise TypeError("the first argument to pow must have an inexact dtype (float or "
                        "complex), and the second argument must have an inexact or integer "
                        "dtype, and two inexact dtypes must match, but got "
                        f"{x.dtype.name} and {y.dtype.name} respectively.")
    return ShapedArray(broadcast_shapes_of("pow", (x, y)), x.dtype, _all_weak((x, y)))


pow_p.def_abstract_eval(_pow_aval)


def pow(x, y):  # noqa: A001 -- JAX's name
    """Returns x ** y elementwise. x is floating or complex; y has x's dtype or is an
    integer array (then converted to x's dtype)."""
    return pow_p.bind(x, y)


# ---------------------------------------------------------------------------------------------
# Comparisons.

eq_p = compare_op("eq")
ne_p = compare_op("ne")
lt_p = compare_op("lt", _ordered)
le_p = compare_op("le", _ordered)
gt_p = compare_op("gt", _ordered)
ge_p = compare_op("ge", _ordered)
_defnondiff(eq_p, ne_p, lt_p, le_p, gt_p, ge_p)
_broadcasting(eq_p, ne_p, lt_p, le_p, gt_p, ge_p)


def eq(x, y):
    """Returns x == y elementwise (bool)."""
    return eq_p.bind(x, y)


def ne(x, y):
    """Returns x != y elementwise (bool)."""
    return ne_p.bind(x, y)


def lt(x, y):
    """Returns x < y elementwise (bool)."""
    return lt_p.bind(x, y)


def le(x, y):
    """Returns x <= y elementwise (bool)."""
    return le_p.bind(x, y)


def gt(x, y):
    """Returns x > y elementwise (bool)."""
    return gt_p.bind(x, y)


def ge(x, y):
    """Returns x >= y elementwise (bool)."""
    return ge_p.bind(x, y)


# ---------------------------------------------------------------------------------------------
# Bitwise operations (on bools they are the logical ones).

not_p = unop("not", _int_or_bool)
and_p = binop("and", _int_or_bool)
or_p = binop("or", _int_or_bool)
xor_p = binop("xor", _int_or_bool)
shift_left_p = binop("shift_left", _int)
shift_right_logical_p = binop("shift_right_logical", _int)
shift_right_arithmetic_p = binop("shift_right_arithmetic", _int)
population_count_p = unop("population_count", _int)
clz_p = unop("clz", _int)
_defnondiff(not_p, and_p, or_p, xor_p, shift_left_p, shift_right_logical_p,
            shift_right_arithmetic_p, population_count_p, clz_p)
_vectorized(not_p, population_count_p, clz_p)
_broadcasting(and_p, or_p, xor_p, shift_left_p, shift_right_logical_p,
              shift_right_arithmetic_p)


def bitwise_not(x):
    """Returns ~x elementwise (logical not for bools)."""
    return not_p.bind(x)


def bitwise_and(x, y):
    """Returns x & y elementwise."""
    return and_p.bind(x, y)


def bitwise_or(x, y):
    """Returns x | y elementwise."""
    return or_p.bind(x, y)


def bitwise_xor(x, y):
    """Returns x ^ y elementwise."""
    return xor_p.bind(x, y)


def shift_left(x, y):
    """Returns x << y elementwise (0 when y >= the bit width)."""
    return shift_left_p.bind(x, y)


def shift_right_logical(x, y):
    """Returns x >> y elementwise, shifting in zeros (0 when y >= the bit width)."""
    return shift_right_logical_p.bind(x, y)


def shift_right_arithmetic(x, y):
    """Returns x >> y elementwise, shifting in copies of the sign bit."""
    return shift_right_arithmetic_p.bind(x, y)


def population_count(x):
    """Returns the number of set bits of each element."""
    return population_count_p.bind(x)


def clz(x):
    """Returns the number of leading zero bits of each element."""
    return clz_p.bind(x)


# ---------------------------------------------------------------------------------------------
# Complex numbers.

real_p = unop("real", _complex, _real_dtype_of)
imag_p = unop("imag", _complex, _real_dtype_of)
complex_p = Primitive("complex")
conj_p = Primitive("conj")


def _complex_aval(x, y):
    aval = naryop_aval("complex", _complex_elem, x, y)
    return aval.update(dtype=_complex_dtype_of(aval.dtype))


complex_p.def_abstract_eval(_complex_aval)


def _conj_aval(x, *, input_dtype):
    check_unary_dtype("conj", _complex_elem + _complex, x)
    return x.update(dtype=_complex_dtype_of(x.dtype))


conj_p.def_abstract_eval(_conj_aval)


# Derivatives: all four are linear. As in JAX, transposes are plain linear transposes (no
# conjugation): real's takes ct to complex(ct, 0), imag's to complex(0, -ct), complex's
# splits ct into (real(ct), -imag(ct)), and conj's conjugates (or, for a real input, keeps
# the real part).
_linear_transpose(real_p, lambda ct, x: complex(ct, _zeros(ct)))
_linear_transpose(imag_p, lambda ct, x: complex(_zeros(ct), neg(ct)))
_linear_transpose(complex_p, lambda ct, x, y: real(ct), lambda ct, x, y: imag(neg(ct)))


def _conj_transpose(ct, x, *, input_dtype):
    if dtypes.is_complex(input_dtype):
        return [conj_p.bind(ct, input_dtype=input_dtype)]
    return [real(ct)]


ad.deflinear(conj_p, _conj_transpose)
_vectorized(real_p, imag_p, conj_p)
_broadcasting(complex_p)


def real(x):
    """Returns the real part of complex x."""
    return real_p.bind(x)


def imag(x):
    """Returns the imaginary part of complex x."""
    return imag_p.bind(x)


def complex(x, y):  # noqa: A001 -- JAX's name
    """Returns x + 1j * y for float32 or float64 x and y (of one dtype)."""
    return complex_p.bind(x, y)


def conj(x):
    """Returns the complex conjugate of x; real float32/float64 x gives a complex result."""
    return conj_p.bind(x, input_dtype=get_aval(x).dtype)


# ---------------------------------------------------------------------------------------------
# Selection and clamping.

select_n_p = Primitive("select_n")
clamp_p = Primitive("clamp")


def _select_n_aval(which, *cases):
    if not cases:
        raise TypeError("select must have at least one case")
    if builtins.any(c.shape != cases[0].shape for c in cases[1:]):
        raise TypeError(f"select cases must have the same shapes, got "
                        f"[{', '.join(str(c.shape) for c in cases)}].")
    if which.shape and which.shape != cases[0].shape:
        raise TypeError(f"select `which` must be scalar or have the same shape as cases, got "
                        f"`which` shape {which.shape} but case shape {cases[0].shape}.")
    check_same_dtypes("select", cases)
    kind = dtype_kind(which.dtype)
    if kind not in ("bool", "int", "uint"):
        raise TypeError(f"select `which` must be boolean or integer type, got "
                        f"{which.dtype.name}.")
    if kind == "bool" and len(cases) > 2:
        raise TypeError("select with boolean `which` cannot have > 2 cases.")
    return ShapedArray(cases[0].shape, cases[0].dtype, _all_weak(cases))


select_n_p.def_abstract_eval(_select_n_aval)


def _select_n_jvp(primals, tangents):
    # Linear in the cases (the tangent is selected as the value is), constant in `which`.
    which, *cases = primals
    out = select_n_p.bind(which, *cases)
    case_tangents = tangents[1:]
    if builtins.all(type(t) is ad.Zero for t in case_tangents):
        return out, ad.Zero(ad.tangent_aval(get_aval(out)))
    return out, select_n_p.bind(which, *map(ad.instantiate_zeros, case_tangents))


def _select_n_transpose(ct, which, *cases):
    # Each linear case receives ct where it was selected and zeros elsewhere.
    if ad.is_undefined_primal(which):
        raise ValueError("select_n is not linear in its `which` operand.")
    zeros = _zeros(ct)
    return [None] + [
        select_n_p.bind(which, *(ct if j == i else zeros for j in range(len(cases))))
        if ad.is_undefined_primal(case) else None for i, case in enumerate(cases)]


ad.primitive_jvps[select_n_p] = _select_n_jvp
ad.primitive_transposes[select_n_p] = _select_n_transpose


def _select_n_batch(vals, dims):
    # The cases must have one shape (no size-1 broadcasting); `which` may stay rank 0.
    dim, operands = _align_exact(vals, dims, full=tuple(range(1, len(vals))))
    return select_n_p.bind(*operands), dim


_batcher(select_n_p, _select_n_batch)


def select_n(which, *cases):
    """Returns, elementwise, cases[which]: `which` is bool (False picks cases[0], True
    cases[1]) or integer in [0, len(cases)), scalar or of the cases' common shape."""
    if not cases:
        raise ValueError("select_n() must have at least one case")
    return select_n_p.bind(which, *cases)


def select(pred, on_true, on_false):
    """Returns on_true where `pred` is True and on_false elsewhere."""
    return select_n_p.bind(pred, on_false, on_true)


def _clamp_aval(lo, x, hi):
    for name, bound in (("min", lo), ("max", hi)):
        if bound.shape and bound.shape != x.shape:
            raise TypeError(f"clamp requires {name}.shape == operand.shape or {name}.shape == "
                            f"(), got {name}.shape={bound.shape}, operand.shape={x.shape}.")
    check_nary_dtypes("clamp", _any, (lo, x, hi))
    check_same_dtypes("clamp", (lo, x, hi))
    return ShapedArray(x.shape, x.dtype, _all_weak((lo, x, hi)))


clamp_p.def_abstract_eval(_clamp_aval)


def _where(pred, t, like):
    """Returns t (broadcast to like's shape) where `pred`, zeros elsewhere."""
    t = _broadcast_to(t, get_aval(like).shape)
    return select(pred, t, _zeros(t))


# Derivatives as JAX's: x's tangent passes strictly inside (min, max); min's where it clips
# x from below (and min < max), max's where it clips x from above. Ties give zero.
_defjvp(clamp_p,
        lambda t, out, lo, x, hi: _where(bitwise_and(gt(lo, x), lt(lo, hi)), t, x),
        lambda t, out, lo, x, hi: _where(bitwise_and(gt(x, lo), lt(x, hi)), t, x),
        lambda t, out, lo, x, hi: _where(lt(hi, x), t, x))


def _clamp_batch(vals, dims):
    # The bounds may stay rank 0 (the usual scalar bounds); otherwise they take x's shape.
    dim, operands = _align_exact(vals, dims, full=(1,))
    return clamp_p.bind(*operands), dim


_batcher(clamp_p, _clamp_batch)


def clamp(min, x, max):  # noqa: A002 -- JAX's argument names
    """Returns x clipped to [min, max] elementwise; min and max have x's shape or rank 0."""
    return clamp_p.bind(min, x, max)


# ---------------------------------------------------------------------------------------------
# Dtype conversion, bitcasts and stop_gradient.

convert_element_type_p = Primitive("convert_element_type")
bitcast_convert_type_p = Primitive("bitcast_convert_type")
stop_gradient_p = Primitive("stop_gradient")


def _user_dtype(dtype, fun_name):
    """Returns the canonical dtype for a dtype-like the user passed, warning (as JAX does)
    when an explicitly requested 64-bit dtype is truncated because x64 is off."""
    requested = dtypes.dtype(dtype)
    canonical = dtypes.canonicalize_dtype(requested)
    python_type = builtins.any(dtype is t for t in (int, float, builtins.complex))
    if canonical != requested and not python_type:
        warnings.warn(f"Explicitly requested dtype {requested.name} requested in {fun_name} is "
                      f"not available, and will be truncated to dtype {canonical.name}. To "
                      "enable more dtypes, set the jax_enable_x64 configuration option.",
                      UserWarning, stacklevel=3)
    return canonical


def _convert_aval(x, *, new_dtype, weak_type, sharding=None):
    if np.dtype(new_dtype) not in dtypes.supported_dtypes:
        raise TypeError(f"convert_element_type: unsupported target dtype {new_dtype}")
    return ShapedArray(x.shape, new_dtype, weak_type)


convert_element_type_p.def_abstract_eval(_convert_aval)
# As in JAX, the (always None) sharding param is not printed.
param_printers["convert_element_type"] = lambda params: {
    k: v for k, v in params.items() if k != "sharding"}


def _convert_jvp(primals, tangents, *, new_dtype, weak_type, sharding=None):
    # Linear between inexact dtypes; a conversion to an integer or bool dtype has no
    # derivative (a float0 tangent).
    out = convert_element_type_p.bind(*primals, new_dtype=new_dtype, weak_type=weak_type,
                                      sharding=sharding)
    out_tangent_aval = ad.tangent_aval(get_aval(out))
    (t,) = tangents
    if type(t) is ad.Zero or out_tangent_aval.dtype == dtypes.float0:
        return out, ad.Zero(out_tangent_aval)
    return out, convert_element_type_p.bind(t, new_dtype=new_dtype, weak_type=weak_type,
                                            sharding=sharding)


def _convert_transpose(ct, x, *, new_dtype, weak_type, sharding=None):
    # The cotangent converts back to the input's dtype and weak type (complex -> real keeps
    # the real part); an integer input gets none.
    aval = x.aval
    if ad.tangent_aval(aval).dtype == dtypes.float0:
        return [ad.Zero(ad.tangent_aval(aval))]
    return [convert_element_type_p.bind(ct, new_dtype=aval.dtype, weak_type=aval.weak_type,
                                        sharding=sharding)]


ad.primitive_jvps[convert_element_type_p] = _convert_jvp
ad.primitive_transposes[convert_element_type_p] = _convert_transpose
_vectorized(convert_element_type_p)


def _fold_convert(x, *, new_dtype, weak_type, sharding=None):
    # Converting a scalar constant (e.g. a Python scalar) happens at trace time, so jaxprs
    # show `mul b 2.0:f16[]` rather than a conversion equation. Non-finite floats converted
    # to integers are left to XLA (saturating), as in JAX.
    val = np.asarray(x.val)
    if dtypes.is_complex(val.dtype) and not dtypes.is_complex(new_dtype):
        val = val.real
    if (dtypes.is_float(val.dtype) or dtypes.is_complex(val.dtype)) and \
            dtype_kind(new_dtype) in ("int", "uint") and not np.isfinite(val):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return Literal(val.astype(new_dtype), ShapedArray((), new_dtype, weak_type))


pe.const_fold_rules[convert_element_type_p] = _fold_convert


def convert_element_type(operand, new_dtype, weak_type=False):
    """Returns `operand` converted to `new_dtype` (canonicalized for x64): floats to ints
    truncate toward zero and saturate (NaN -> 0), anything to bool is `!= 0`, complex to
    real keeps the real part. `weak_type` (a jaxlike extension used by jnp's promotion)
    marks the result weakly typed."""
    new_dtype = _user_dtype(new_dtype, "convert_element_type")
    return _convert_element_type(operand, new_dtype, weak_type)


def _convert_element_type(operand, new_dtype, weak_type=False):
    weak_type = bool(weak_type)
    if type(operand) is int:  # may not fit int32/int64 but fit the target, e.g. 2**40 -> f32
        operand = np.asarray(operand).astype(new_dtype)
    aval = get_aval(operand)
    if dtypes.is_complex(aval.dtype) and not dtypes.is_complex(new_dtype):
        warnings.warn("Casting complex values to real discards the imaginary part",
                      np.exceptions.ComplexWarning, stacklevel=3)
    if aval.dtype == new_dtype and aval.weak_type == weak_type and hasattr(operand, "aval"):
        return operand  # an Array or tracer that needs no conversion
    return convert_element_type_p.bind(operand, new_dtype=new_dtype, weak_type=weak_type,
                                       sharding=None)


def _bitcast_aval(x, *, new_dtype):
    old_dtype = x.dtype
    special = ("bool", "complex")
    if (dtype_kind(old_dtype) in special or dtype_kind(new_dtype) in special) \
            and old_dtype != new_dtype:
        raise TypeError("lax.bitcast_convert_type does not support bool or complex values "
                        "unless the operand and destination types match. Got operand "
                        f"dtype={old_dtype.name}, new_dtype={np.dtype(new_dtype).name}. "
                        "Consider using the arr.view() method instead.")
    old_bits, new_bits = old_dtype.itemsize * 8, np.dtype(new_dtype).itemsize * 8
    if old_bits == new_bits:
        shape = x.shape
    elif old_bits > new_bits:
        shape = (*x.shape, old_bits // new_bits)
    else:
        last = x.shape[-1] if x.shape else 1
        if last * old_bits != new_bits:
            raise ValueError(f"Attempting to convert array of shape {x.shape} from "
                             f"{old_dtype.name} of size {old_bits} bits to "
                             f"{np.dtype(new_dtype).name} of size {new_bits} bits, but "
                             f"{last} * {old_bits} != {new_bits}")
        shape = x.shape[:-1]
    return ShapedArray(shape, new_dtype, False)


bitcast_convert_type_p.def_abstract_eval(_bitcast_aval)
_defnondiff(bitcast_convert_type_p)


def _bitcast_batch(vals, dims, *, new_dtype):
    # A narrower dtype adds a trailing axis and a wider one consumes the last axis, which
    # must then not be the batch axis (the example check guarantees the example has one).
    (x,), (dim,) = vals, dims
    aval = get_aval(x)
    if np.dtype(new_dtype).itemsize > aval.dtype.itemsize and dim == aval.ndim - 1:
        x, dim = batching.moveaxis(x, dim, 0), 0
    return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), dim


_batcher(bitcast_convert_type_p, _bitcast_batch)


def bitcast_convert_type(operand, new_dtype):
    """Returns `operand`'s bits reinterpreted as `new_dtype`. A narrower new dtype adds a
    trailing axis (f32[3] -> u8[3,4]); a wider one consumes it (u8[3,4] -> f32[3])."""
    new_dtype = _user_dtype(new_dtype, "bitcast_convert_type")
    return bitcast_convert_type_p.bind(operand, new_dtype=new_dtype)


stop_gradient_p.def_abstract_eval(lambda x: x)
stop_gradient_p.def_impl(lambda x: x)
_defnondiff(stop_gradient_p)
_vectorized(stop_gradient_p)


def stop_gradient(x):
    """Returns x (any pytree of arrays) unchanged; differentiation treats it as a
    constant."""
    return tree_util.tree_map(stop_gradient_p.bind, x)


__all__ = [
    "RoundingMethod",
    # functions
    "neg", "sign", "floor", "ceil", "round", "is_finite", "abs", "square", "sqrt", "rsqrt",
    "cbrt", "integer_pow", "reciprocal", "reduce_precision", "exp", "exp2", "log", "log1p",
    "expm1", "logistic", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
    "tanh", "asinh", "acosh", "atanh", "erf", "erfc", "erf_inv", "lgamma", "digamma",
    "polygamma", "add", "sub", "mul", "div", "rem", "max", "min", "nextafter", "pow", "eq",
    "ne", "lt", "le", "gt", "ge", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "shift_left", "shift_right_logical", "shift_right_arithmetic", "population_count", "clz",
    "real", "imag", "complex", "conj", "select_n", "select", "clamp", "convert_element_type",
    "bitcast_convert_type", "stop_gradient",
]
__all__ += [name for name, value in list(globals().items())
            if name.endswith("_p") and isinstance(value, Primitive)]
