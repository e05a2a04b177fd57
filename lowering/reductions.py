"""Lowering rules for reductions (one hlo.ReduceOp with a scalar region), argmax/argmin (a
variadic reduce over (value, index) pairs) and dot_general (hlo.DotGeneralOp)."""
import numpy as np

from lowering.elementwise import compare
from lowering.mlir import RuleContext, constant, hlo, ir, register, rules, tensor_type


def _is_inexact(dtype):
    return np.issubdtype(dtype, np.inexact) or dtype.name == "bfloat16"


def _lowest(dtype):
    """Returns the identity of max for `dtype`: -inf, the integer minimum, or False."""
    if dtype == np.bool_:
        return np.array(False)
    if _is_inexact(dtype):
        return np.array(-np.inf, dtype)
    return np.array(np.iinfo(dtype).min, dtype)


def _highest(dtype):
    """Returns the identity of min for `dtype`: +inf, the integer maximum, or True."""
    if dtype == np.bool_:
        return np.array(True)
    if _is_inexact(dtype):
        return np.array(np.inf, dtype)
    return np.array(np.iinfo(dtype).max, dtype)


def _all_ones(dtype):
    # The identity of AND: True, or every bit set (-1 for signed integers).
    return np.invert(np.zeros((), dtype))


# Per reduction: (identity for a dtype, the elementwise primitive that combines two values).
# The region reuses that primitive's lowering rule, so e.g. complex max is lexicographic here
# exactly as in lax.max.
_REDUCTIONS = {
    "reduce_sum": (lambda dtype: np.zeros((), dtype), "add"),
    "reduce_prod": (lambda dtype: np.ones((), dtype), "mul"),
    "reduce_max": (_lowest, "max"),
    "reduce_min": (_highest, "min"),
    "reduce_and": (_all_ones, "and"),
    "reduce_or": (lambda dtype: np.zeros((), dtype), "or"),
    "reduce_xor": (lambda dtype: np.zeros((), dtype), "xor"),
}


def emit_reduce(out_types, operands, inits, axes, combine):
    """Emits a (variadic) reduce of `operands` over `axes` starting from the scalar `inits`;
    `combine(*accumulators, *elements)` emits the region body and returns the new
    accumulators. Returns the reduce's results."""
    op = hlo.ReduceOp(out_types, operands, inits, list(axes))
    scalar_types = [ir.RankedTensorType.get([], v.type.element_type) for v in operands]
    block = op.body.blocks.append(*scalar_types, *scalar_types)
    with ir.InsertionPoint(block):
        hlo.ReturnOp(combine(*block.arguments))
    return list(op.results)


def _reduction_rule(name):
    identity, binary = _REDUCTIONS[name]

    def rule(ctx, x, *, axes, **_):
        scalar = ctx.avals_in[0].update(shape=())
        binary_ctx = RuleContext(ctx.module, None, [scalar, scalar], [scalar])

        def combine(acc, elt):
            return [rules[binary](binary_ctx, acc, elt)]

        init = constant(identity(scalar.dtype), scalar.dtype)
        return emit_reduce([tensor_type(ctx.avals_out[0])], [x], [init], axes, combine)[0]
    return rule


for _name in _REDUCTIONS:
    register(_name)(_reduction_rule(_name))


# ---------------------------------------------------------------------------------------------
# argmax / argmin.

def _arg_combiner(direction, dtype, index_dtype):
    """Returns the region body of argmax (direction "GT") or argmin ("LT"): the pair with the
    better value wins, NaN beats everything, and ties (NaN with NaN too) go to the smaller
    index, so the result does not depend on the order XLA combines elements in."""
    def combine(a, ai, b, bi):
        a_wins = compare(a, b, direction, dtype)
        tie = compare(a, b, "EQ", dtype)
        if _is_inexact(dtype):
            a_nan, b_nan = compare(a, a, "NE", dtype), compare(b, b, "NE", dtype)
            a_wins = hlo.OrOp(a_wins, hlo.AndOp(a_nan, hlo.NotOp(b_nan))).result
            tie = hlo.OrOp(tie, hlo.AndOp(a_nan, b_nan)).result
        smaller_index = compare(ai, bi, "LT", index_dtype)
        pick_a = hlo.OrOp(a_wins, hlo.AndOp(tie, smaller_index)).result
        return [hlo.SelectOp(pick_a, a, b).result, hlo.SelectOp(pick_a, ai, bi).result]
    return combine


def _arg_reduction_rule(direction, init_value):
    def rule(ctx, x, *, axes, index_dtype):
        aval_in, aval_out = ctx.avals_in[0], ctx.avals_out[0]
        (axis,) = axes
        dtype = aval_in.dtype
        indices = hlo.IotaOp(tensor_type(aval_in.update(dtype=index_dtype)), axis).result
        out_types = [tensor_type(aval_out.update(dtype=dtype)), tensor_type(aval_out)]
        inits = [constant(init_value(dtype), dtype), constant(np.zeros((), index_dtype))]
        return emit_reduce(out_types, [x, indices], inits, axes,
                           _arg_combiner(direction, dtype, index_dtype))[1]
    return rule


register("argmax")(_arg_reduction_rule("GT", _lowest))
register("argmin")(_arg_reduction_rule("LT", _highest))


# ---------------------------------------------------------------------------------------------
# dot_general.

@register("dot_general")
def _dot_general(ctx, lhs, rhs, *, dimension_numbers, precision, preferred_element_type,
                 out_sharding):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs_aval, rhs_aval = ctx.avals_in
    out_aval = ctx.avals_out[0]
    if lhs_aval.dtype != rhs_aval.dtype:
        # XLA wants equal operand types: compute in the result type, as JAX does.
        lhs = hlo.ConvertOp(tensor_type(lhs_aval.update(dtype=out_aval.dtype)), lhs).result
        rhs = hlo.ConvertOp(tensor_type(rhs_aval.update(dtype=out_aval.dtype)), rhs).result
    # Precision params are lax.Precision members (read by name: lowering never imports lax).
    names = ("DEFAULT", "DEFAULT") if precision is None else tuple(p.name for p in precision)
    dims = hlo.DotDimensionNumbers.get(lhs_batching_dimensions=list(lb),
                                       rhs_batching_dimensions=list(rb),
                                       lhs_contracting_dimensions=list(lc),
                                       rhs_contracting_dimensions=list(rc))
    return hlo.DotGeneralOp(tensor_type(out_aval), lhs, rhs, dims,
                            precision_config=ir.ArrayAttr.get(
                                [hlo.PrecisionAttr.get(n) for n in names])).result
