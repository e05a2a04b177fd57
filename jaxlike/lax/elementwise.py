"""Elementwise primitives: arithmetic, transcendental functions, comparisons, bitwise ops,
selection and dtype conversion.

Each primitive is one line here (name and the dtypes it accepts) plus its user-facing
function; the shared shape/dtype rules are below. n-ary ops take operands of one shape,
except that rank-0 operands broadcast (as in JAX's jaxprs: `mul b 2.0:f32[]`).
"""
from functools import partial

import numpy as np

from jaxlike import dtypes
from jaxlike.core import Primitive, ShapedArray
from jaxlike.interpreters import partial_eval as pe

# Dtype families a primitive accepts.
_bool = ("bool",)
_int = ("int", "uint")
_float = ("float",)
_complex = ("complex",)
_inexact = _float + _complex
_num = _int + _inexact
_any = _bool + _num
_int_or_bool = _int + _bool


def dtype_kind(dtype):
    """Returns "bool", "int", "uint", "float" or "complex" for a dtype."""
    if dtype == np.bool_:
        return "bool"
    if dtypes.is_complex(dtype):
        return "complex"
    if dtypes.is_float(dtype):
        return "float"
    return "uint" if dtypes.is_unsigned(dtype) else "int"


def _describe(avals):
    return ", ".join(f"{a.dtype.name}{list(a.shape)}" for a in avals)


def broadcast_shapes_of(name, avals):
    """Returns the common shape of n-ary operands (rank-0 ones broadcast); raises TypeError
    naming the operation and every shape when they disagree."""
    shape = None
    for a in avals:
        if a.shape == ():
            continue
        if shape is None:
            shape = a.shape
        elif a.shape != shape:
            shapes = ", ".join(str(tuple(b.shape)) for b in avals)
            raise TypeError(f"{name} got incompatible shapes for broadcasting: {shapes}. "
                            "lax operations need equal shapes; use jnp functions (which "
                            "broadcast) or lax.broadcast_in_dim first.")
    return () if shape is None else shape


def _check_kinds(name, kinds, avals):
    for a in avals:
        if dtype_kind(a.dtype) not in kinds:
            accepted = " or ".join(kinds)
            raise TypeError(f"{name} does not accept dtype {a.dtype.name} (operands: "
                            f"{_describe(avals)}); it accepts {accepted} types.")


def _check_same_dtypes(name, avals):
    first = avals[0].dtype
    if any(a.dtype != first for a in avals[1:]):
        raise TypeError(f"{name} requires arguments to have the same dtypes, got "
                        f"{_describe(avals)}. Convert with lax.convert_element_type, or use the "
                        "jnp function, which promotes.")


def naryop_aval(name, kinds, *avals, out_dtype=None):
    """The abstract-eval rule shared by elementwise ops: checks dtypes and shapes; the result
    is weak only when every operand is weak."""
    _check_kinds(name, kinds, avals)
    _check_same_dtypes(name, avals)
    shape = broadcast_shapes_of(name, avals)
    dtype = avals[0].dtype if out_dtype is None else out_dtype
    weak = all(a.weak_type for a in avals) and out_dtype is None
    return ShapedArray(shape, dtype, weak)


def _real_dtype_of(dtype):
    return np.dtype(np.float64) if dtype == np.complex128 else (
        np.dtype(np.float32) if dtype == np.complex64 else dtype)


def unop(name, kinds, out_dtype_fn=None):
    """Returns a new unary elementwise primitive."""
    prim = Primitive(name)

    def rule(x):
        out_dtype = None if out_dtype_fn is None else out_dtype_fn(x.dtype)
        aval = naryop_aval(name, kinds, x, out_dtype=out_dtype)
        return aval if out_dtype is None else aval.update(weak_type=x.weak_type and
                                                          out_dtype == x.dtype)
    prim.def_abstract_eval(rule)
    return prim


def binop(name, kinds):
    """Returns a new binary (or n-ary) elementwise primitive."""
    prim = Primitive(name)
    prim.def_abstract_eval(partial(naryop_aval, name, kinds))
    return prim


def compare_op(name, kinds=_any):
    """Returns a new comparison primitive (bool result)."""
    prim = Primitive(name)
    prim.def_abstract_eval(partial(naryop_aval, name, kinds, out_dtype=np.dtype(np.bool_)))
    return prim


# ---------------------------------------------------------------------------------------------
# Unary arithmetic and transcendental functions.

neg_p = unop("neg", _num)
sign_p = unop("sign", _num)
floor_p = unop("floor", _float)
ceil_p = unop("ceil", _float)
abs_p = unop("abs", _num, _real_dtype_of)
exp_p = unop("exp", _inexact)
log_p = unop("log", _inexact)
sin_p = unop("sin", _inexact)
cos_p = unop("cos", _inexact)
tanh_p = unop("tanh", _inexact)
sqrt_p = unop("sqrt", _inexact)


def neg(x):
    """Returns -x elementwise."""
    return neg_p.bind(x)


def sign(x):
    """Returns the sign of x elementwise (-1, 0 or 1)."""
    return sign_p.bind(x)


def floor(x):
    """Returns the floor of x elementwise."""
    return floor_p.bind(x)


def ceil(x):
    """Returns the ceiling of x elementwise."""
    return ceil_p.bind(x)


def abs(x):  # noqa: A001 -- JAX's name
    """Returns |x| elementwise (the real magnitude for complex x)."""
    return abs_p.bind(x)


def exp(x):
    """Returns e**x elementwise."""
    return exp_p.bind(x)


def log(x):
    """Returns the natural logarithm of x elementwise."""
    return log_p.bind(x)


def sin(x):
    """Returns sin(x) elementwise."""
    return sin_p.bind(x)


def cos(x):
    """Returns cos(x) elementwise."""
    return cos_p.bind(x)


def tanh(x):
    """Returns tanh(x) elementwise."""
    return tanh_p.bind(x)


def sqrt(x):
    """Returns the square root of x elementwise."""
    return sqrt_p.bind(x)


# ---------------------------------------------------------------------------------------------
# Binary arithmetic.

add_p = binop("add", _num)
sub_p = binop("sub", _num)
mul_p = binop("mul", _num)
div_p = binop("div", _num)
max_p = binop("max", _any)
min_p = binop("min", _any)


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


def max(x, y):  # noqa: A001 -- JAX's name
    """Returns the elementwise maximum (NaN-propagating)."""
    return max_p.bind(x, y)


def min(x, y):  # noqa: A001 -- JAX's name
    """Returns the elementwise minimum (NaN-propagating)."""
    return min_p.bind(x, y)


# ---------------------------------------------------------------------------------------------
# Comparisons.

eq_p = compare_op("eq")
ne_p = compare_op("ne")
lt_p = compare_op("lt", _num)
le_p = compare_op("le", _num)
gt_p = compare_op("gt", _num)
ge_p = compare_op("ge", _num)


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
# Dtype conversion.

convert_element_type_p = Primitive("convert_element_type")


def _convert_aval(x, *, new_dtype, weak_type, sharding=None):
    if dtype_kind(new_dtype) not in _any:
        raise TypeError(f"convert_element_type: unsupported target dtype {new_dtype}")
    return ShapedArray(x.shape, new_dtype, weak_type)


convert_element_type_p.def_abstract_eval(_convert_aval)


def _fold_convert(x, *, new_dtype, weak_type, sharding=None):
    # Converting a scalar constant (a Python scalar's dtype) happens at trace time, so jaxprs
    # show `mul b 2.0:f16[]` rather than a conversion equation.
    from jaxlike.core import Literal
    return Literal(np.asarray(x.val).astype(new_dtype), ShapedArray((), new_dtype, weak_type))


pe.const_fold_rules[convert_element_type_p] = _fold_convert


def convert_element_type(operand, new_dtype, weak_type=False):
    """Returns `operand` converted to `new_dtype` (canonicalized for x64)."""
    from jaxlike.core import get_aval
    new_dtype = dtypes.canonicalize_dtype(new_dtype)
    aval = get_aval(operand)
    if aval.dtype == new_dtype and aval.weak_type == weak_type:
        return operand
    return convert_element_type_p.bind(operand, new_dtype=new_dtype, weak_type=bool(weak_type),
                                       sharding=None)
