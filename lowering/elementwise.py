"""Lowering rules for elementwise primitives (see jaxlike/lax/elementwise.py), mostly one
StableHLO or CHLO op each; the few that need more (complex sin/cos, conj, integer_pow,
select_n with an integer `which`, unsigned sign, ...) are spelled out as JAX lowers them.
"""
import numpy as np

from lowering.mlir import chlo, constant, hlo, ir, register, tensor_type

# ---------------------------------------------------------------------------------------------
# Helpers.

def _broadcast_to(value, aval, shape):
    """Returns `value` (of `aval`) broadcast to `shape`: rank-0 values everywhere, values of
    equal rank along their size-1 axes."""
    if tuple(aval.shape) == tuple(shape):
        return value
    dims = [] if aval.shape == () else list(range(len(shape)))
    return hlo.BroadcastInDimOp(tensor_type(aval.update(shape=shape)), value,
                                ir.DenseI64ArrayAttr.get(dims)).result


def broadcast_operands(ctx, operands):
    """Returns the operands broadcast to the output shape (rank-0 operands and size-1 axes
    broadcast, as lax's n-ary ops allow)."""
    shape = ctx.avals_out[0].shape
    return [_broadcast_to(v, a, shape) for v, a in zip(operands, ctx.avals_in)]


broadcast_scalars = broadcast_operands  # the name earlier rules used


def full_like(aval, value):
    """Returns a constant of `aval`'s shape and dtype filled with `value` (a scalar constant
    broadcast, so large shapes cost nothing in the module)."""
    scalar = constant(np.asarray(value, dtype=aval.dtype))
    return _broadcast_to(scalar, aval.update(shape=()), aval.shape)


def _is_complex(aval):
    return np.issubdtype(aval.dtype, np.complexfloating)


def _real_aval(aval):
    return aval.update(dtype=np.float64 if aval.dtype == np.complex128 else np.float32) \
        if _is_complex(aval) else aval


def compare_type(dtype):
    """Returns the stablehlo comparison type for operands of `dtype` (JAX's choice: FLOAT for
    floating and complex, SIGNED for signed ints, UNSIGNED for unsigned ints and bool)."""
    dtype = np.dtype(dtype)
    if dtype.name == "bfloat16" or np.issubdtype(dtype, np.inexact):
        return "FLOAT"
    if np.issubdtype(dtype, np.signedinteger):
        return "SIGNED"
    return "UNSIGNED"


_compare_type = compare_type  # the name earlier rules used


def compare(x, y, direction, dtype):
    """Returns the bool tensor `x <direction> y` for operands of `dtype`."""
    return hlo.CompareOp(x, y, hlo.ComparisonDirectionAttr.get(direction),
                         compare_type=hlo.ComparisonTypeAttr.get(compare_type(dtype))).result


def _nary(op):
    def rule(ctx, *operands, **params):
        return op(*broadcast_operands(ctx, operands)).result
    return rule


# ---------------------------------------------------------------------------------------------
# One op each.

for _name, _op in {
    "neg": hlo.NegOp, "floor": hlo.FloorOp, "ceil": hlo.CeilOp, "is_finite": hlo.IsFiniteOp,
    "abs": hlo.AbsOp, "sqrt": hlo.SqrtOp, "rsqrt": hlo.RsqrtOp, "cbrt": hlo.CbrtOp,
    "exp": hlo.ExpOp, "log": hlo.LogOp, "log1p": hlo.Log1pOp, "expm1": hlo.Expm1Op,
    "tan": hlo.TanOp, "tanh": hlo.TanhOp, "asin": chlo.AsinOp, "acos": chlo.AcosOp,
    "atan": chlo.AtanOp, "sinh": chlo.SinhOp, "cosh": chlo.CoshOp, "asinh": chlo.AsinhOp,
    "acosh": chlo.AcoshOp, "atanh": chlo.AtanhOp, "atan2": hlo.Atan2Op,
    "erf": chlo.ErfOp, "erfc": chlo.ErfcOp, "erf_inv": chlo.ErfInvOp, "lgamma": chlo.LgammaOp,
    "digamma": chlo.DigammaOp, "polygamma": chlo.PolygammaOp,
    "add": hlo.AddOp, "sub": hlo.SubtractOp, "mul": hlo.MulOp, "div": hlo.DivOp,
    "rem": hlo.RemOp, "nextafter": chlo.NextAfterOp,
    "not": hlo.NotOp, "and": hlo.AndOp, "or": hlo.OrOp, "xor": hlo.XorOp,
    "shift_left": hlo.ShiftLeftOp, "shift_right_logical": hlo.ShiftRightLogicalOp,
    "shift_right_arithmetic": hlo.ShiftRightArithmeticOp,
    "population_count": hlo.PopulationCountOp, "clz": hlo.ClzOp,
    "real": hlo.RealOp, "imag": hlo.ImagOp, "complex": hlo.ComplexOp,
}.items():
    register(_name)(_nary(_op))


@register("stop_gradient")
def _identity(ctx, x):
    return x


@register("sign")
def _sign(ctx, x):
    aval = ctx.avals_in[0]
    if np.issubdtype(aval.dtype, np.unsignedinteger):
        is_zero = compare(x, full_like(aval, 0), "EQ", aval.dtype)
        return hlo.SelectOp(is_zero, full_like(aval, 0), full_like(aval, 1)).result
    return hlo.SignOp(x).result


@register("round")
def _round(ctx, x, *, rounding_method):
    if int(rounding_method) == 0:  # RoundingMethod.AWAY_FROM_ZERO
        return hlo.RoundOp(x).result
    return hlo.RoundNearestEvenOp(x).result


@register("square")
def _square(ctx, x):
    if np.issubdtype(ctx.avals_in[0].dtype, np.integer):
        return hlo.MulOp(x, x).result
    return chlo.SquareOp(x).result


@register("exp2")
def _exp2(ctx, x):
    aval = ctx.avals_in[0]
    return hlo.ExpOp(hlo.MulOp(full_like(aval, np.log(2)), x).result).result


@register("logistic")
def _logistic(ctx, x):
    # 1 / (1 + exp(-x)), as JAX lowers it (it avoids stablehlo.logistic for accuracy).
    one = full_like(ctx.avals_in[0], 1)
    denom = hlo.AddOp(one, hlo.ExpOp(hlo.NegOp(x).result).result).result
    return hlo.DivOp(one, denom).result


def _sin_cos_complex(aval, x, is_sin):
    # With x = a + ib: sin x = sin a cosh b + i cos a sinh b, cos x = cos a cosh b
    # - i sin a sinh b; sinh/cosh via expm1 to stay accurate for small b (JAX's formula).
    part = _real_aval(aval)
    a, b = hlo.RealOp(x).result, hlo.ImagOp(x).result
    zero, two = full_like(part, 0), full_like(part, 2)
    sn, cs = hlo.SineOp(a).result, hlo.CosineOp(a).result
    e1m, e2m = hlo.Expm1Op(b).result, hlo.Expm1Op(hlo.NegOp(b).result).result
    snh = hlo.DivOp(hlo.SubtractOp(e1m, e2m).result, two).result
    csh = hlo.DivOp(hlo.AddOp(hlo.AddOp(e1m, e2m).result, two).result, two).result
    if is_sin:
        re, im = hlo.MulOp(sn, csh).result, hlo.MulOp(cs, snh).result
        special = hlo.ComplexOp(zero, im).result  # avoids inf * 0 when a == 0
    else:
        re, im = hlo.MulOp(cs, csh).result, hlo.NegOp(hlo.MulOp(sn, snh).result).result
        special = hlo.ComplexOp(re, zero).result
    a_is_zero = compare(a, zero, "EQ", part.dtype)
    return hlo.SelectOp(a_is_zero, special, hlo.ComplexOp(re, im).result).result


@register("sin")
def _sin(ctx, x):
    if _is_complex(ctx.avals_in[0]):
        return _sin_cos_complex(ctx.avals_in[0], x, True)
    return hlo.SineOp(x).result


@register("cos")
def _cos(ctx, x):
    if _is_complex(ctx.avals_in[0]):
        return _sin_cos_complex(ctx.avals_in[0], x, False)
    return hlo.CosineOp(x).result


@register("conj")
def _conj(ctx, x, *, input_dtype):
    aval = ctx.avals_in[0]
    if _is_complex(aval):
        return hlo.ComplexOp(hlo.RealOp(x).result,
                             hlo.NegOp(hlo.ImagOp(x).result).result).result
    return hlo.ComplexOp(x, full_like(aval, 0)).result


@register("reduce_precision")
def _reduce_precision(ctx, x, *, exponent_bits, mantissa_bits):
    i32 = ir.IntegerType.get_signless(32)
    return hlo.ReducePrecisionOp(x, ir.IntegerAttr.get(i32, exponent_bits),
                                 ir.IntegerAttr.get(i32, mantissa_bits)).result


# ---------------------------------------------------------------------------------------------
# Powers.

@register("integer_pow")
def _integer_pow(ctx, x, *, y):
    aval = ctx.avals_in[0]
    if y == 0:
        return full_like(aval, 1)
    n, acc = -y if y < 0 else y, None
    while n > 0:  # square-and-multiply: O(log n) multiplications
        if n & 1:
            acc = x if acc is None else hlo.MulOp(acc, x).result
        n >>= 1
        if n:
            x = hlo.MulOp(x, x).result
    return hlo.DivOp(full_like(aval, 1), acc).result if y < 0 else acc


@register("pow")
def _pow(ctx, x, y):
    x_aval, y_aval = ctx.avals_in
    if y_aval.dtype != x_aval.dtype:  # an integer exponent: convert it to the base's dtype
        y_aval = y_aval.update(dtype=x_aval.dtype)
        y = hlo.ConvertOp(tensor_type(y_aval), y).result
    shape = ctx.avals_out[0].shape
    return hlo.PowOp(_broadcast_to(x, x_aval, shape), _broadcast_to(y, y_aval, shape)).result


# ---------------------------------------------------------------------------------------------
# max/min (lexicographic for complex, as JAX) and comparisons.

def _minmax(op, direction):
    def rule(ctx, x, y):
        x, y = broadcast_operands(ctx, [x, y])
        aval = ctx.avals_in[0]
        if not _is_complex(aval):
            return op(x, y).result
        rx, ry = hlo.RealOp(x).result, hlo.RealOp(y).result
        real_eq = compare(rx, ry, "EQ", aval.dtype)
        real_cmp = compare(rx, ry, direction, aval.dtype)
        imag_cmp = compare(hlo.ImagOp(x).result, hlo.ImagOp(y).result, direction, aval.dtype)
        which = hlo.SelectOp(real_eq, imag_cmp, real_cmp).result
        return hlo.SelectOp(which, x, y).result
    return rule


register("max")(_minmax(hlo.MaxOp, "GT"))
register("min")(_minmax(hlo.MinOp, "LT"))


def _compare(direction):
    def rule(ctx, x, y):
        x, y = broadcast_operands(ctx, [x, y])
        return compare(x, y, direction, ctx.avals_in[0].dtype)
    return rule


for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    register(_name)(_compare(_name.upper()))


# ---------------------------------------------------------------------------------------------
# Selection.

@register("select_n")
def _select_n(ctx, which, *cases):
    which_aval = ctx.avals_in[0]
    if len(cases) == 1:
        return cases[0]
    if which_aval.dtype == np.bool_:
        return hlo.SelectOp(which, cases[1], cases[0]).result

    def pick(offset, cases):  # a balanced tree of selects on `which < offset + mid`
        if len(cases) == 1:
            return cases[0]
        mid = len(cases) // 2
        pred = compare(which, full_like(which_aval, offset + mid), "LT", which_aval.dtype)
        return hlo.SelectOp(pred, pick(offset, cases[:mid]),
                            pick(offset + mid, cases[mid:])).result
    return pick(0, list(cases))


@register("clamp")
def _clamp(ctx, lo, x, hi):
    return hlo.ClampOp(lo, x, hi).result


# ---------------------------------------------------------------------------------------------
# Conversions.

@register("convert_element_type")
def _convert(ctx, x, *, new_dtype, weak_type, sharding=None):
    aval_in, aval_out = ctx.avals_in[0], ctx.avals_out[0]
    if _is_complex(aval_in) and not _is_complex(aval_out):
        x = hlo.RealOp(x).result  # complex -> real keeps the real part
        aval_in = _real_aval(aval_in)
    if aval_out.dtype == np.bool_ and aval_in.dtype != np.bool_:
        # Nonzero means True (a plain convert would truncate 0.5 to False).
        return compare(x, full_like(aval_in, 0), "NE", aval_in.dtype)
    if aval_in.dtype == aval_out.dtype:
        return x
    return hlo.ConvertOp(tensor_type(aval_out), x).result


@register("bitcast_convert_type")
def _bitcast(ctx, x, *, new_dtype):
    return hlo.BitcastConvertOp(tensor_type(ctx.avals_out[0]), x).result
