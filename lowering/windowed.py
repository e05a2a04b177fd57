"""Lowering rules for the windowed reductions: `stablehlo.reduce_window` (with the sum, max or
min region, a traced computation, or, for select_and_gather_add, a region over (value,
tangent) pairs keeping the pair with the larger/smaller value), and
`stablehlo.select_and_scatter` for select_and_scatter_add."""
import numpy as np

from lowering.elementwise import compare
from lowering.mlir import RuleContext, constant, emit_jaxpr, hlo, ir, register, rules, tensor_type
from lowering.reductions import _REDUCTIONS, _highest, _lowest


def padding_attr(padding):
    """Returns (low, high) pairs as the n×2 i64 attribute of windowed and convolution ops."""
    return ir.DenseIntElementsAttr.get(np.asarray(padding, np.int64).reshape(len(padding), 2))


def _scalar_type(value):
    return ir.RankedTensorType.get([], value.type.element_type)


def _reduce_window(out_types, operands, inits, params, combine):
    """Emits a (variadic) reduce_window; `combine(*accumulators, *elements)` emits the
    region body and returns the new accumulators. Returns the op's results."""
    op = hlo.ReduceWindowOp(out_types, operands, inits, list(params["window_dimensions"]),
                            window_strides=list(params["window_strides"]),
                            base_dilations=list(params["base_dilation"]),
                            window_dilations=list(params["window_dilation"]),
                            padding=padding_attr(params["padding"]))
    scalar_types = [_scalar_type(v) for v in operands]
    block = op.body.blocks.append(*scalar_types, *scalar_types)
    with ir.InsertionPoint(block):
        hlo.ReturnOp(combine(*block.arguments))
    return list(op.results)


def _monoid_rule(reduction):
    identity, binary = _REDUCTIONS[reduction]

    def rule(ctx, x, **params):
        scalar = ctx.avals_in[0].update(shape=())
        binary_ctx = RuleContext(ctx.module, None, [scalar, scalar], [scalar])

        def combine(acc, elt):
            return [rules[binary](binary_ctx, acc, elt)]

        init = constant(identity(scalar.dtype), scalar.dtype)
        return _reduce_window([tensor_type(ctx.avals_out[0])], [x], [init], params,
                              combine)[0]
    return rule


register("reduce_window_sum")(_monoid_rule("reduce_sum"))
register("reduce_window_max")(_monoid_rule("reduce_max"))
register("reduce_window_min")(_monoid_rule("reduce_min"))


@register("reduce_window")
def _generic(ctx, *args, jaxpr, consts, **params):
    n = len(args) // 2

    def combine(*scalars):
        return emit_jaxpr(ctx.module, jaxpr.jaxpr, [], list(scalars))

    return _reduce_window([tensor_type(a) for a in ctx.avals_out], list(args[:n]),
                          list(args[n:]), params, combine)


def _direction(select_prim):
    # select_prim is lax.ge_p or lax.le_p (read by name: lowering never imports lax).
    return {"ge": "GE", "le": "LE"}[select_prim.name]


@register("select_and_gather_add")
def _select_and_gather_add(ctx, tangents, operand, *, select_prim, **params):
    dtype = ctx.avals_in[1].dtype
    direction = _direction(select_prim)
    worst = (_lowest if direction == "GE" else _highest)(dtype)

    def combine(acc, acc_t, x, x_t):
        keep = compare(acc, x, direction, dtype)
        return [hlo.SelectOp(keep, acc, x).result, hlo.SelectOp(keep, acc_t, x_t).result]

    out_types = [tensor_type(ctx.avals_out[0].update(dtype=dtype)),
                 tensor_type(ctx.avals_out[0])]
    inits = [constant(worst, dtype), constant(np.zeros((), ctx.avals_in[0].dtype))]
    return _reduce_window(out_types, [operand, tangents], inits, params, combine)[1]


@register("select_and_scatter_add")
def _select_and_scatter_add(ctx, source, operand, *, select_prim, window_dimensions,
                            window_strides, padding):
    dtype, source_dtype = ctx.avals_in[1].dtype, ctx.avals_in[0].dtype
    op = hlo.SelectAndScatterOp(tensor_type(ctx.avals_out[0]), operand, source,
                                constant(np.zeros((), source_dtype)),
                                window_dimensions=list(window_dimensions),
                                window_strides=list(window_strides),
                                padding=padding_attr(padding))
    scalar = _scalar_type(operand)
    select = op.select.blocks.append(scalar, scalar)
    with ir.InsertionPoint(select):
        hlo.ReturnOp([compare(*select.arguments, _direction(select_prim), dtype)])
    source_scalar = _scalar_type(source)
    scatter = op.scatter.blocks.append(source_scalar, source_scalar)
    with ir.InsertionPoint(scatter):
        hlo.ReturnOp([hlo.AddOp(*scatter.arguments).result])
    return op.result
