"""Lowering of `top_k` (see jaxlike/lax/sorting_extra.py): one chlo.top_k, which selects
along the last axis; another axis is transposed there and the results back."""
from lowering.mlir import chlo, hlo, ir, register


def _move_last(x, axis, ndim, back=False):
    perm = [d for d in range(ndim) if d != axis] + [axis]
    if back:
        perm = [perm.index(d) for d in range(ndim)]
    return hlo.TransposeOp(x, ir.DenseI64ArrayAttr.get(perm)).result


@register("top_k")
def _top_k(ctx, x, *, k, axis):
    ndim = ctx.avals_in[0].ndim
    last = axis == ndim - 1
    if not last:
        x = _move_last(x, axis, ndim)
    op = chlo.TopKOp(x, k)
    outs = list(op.results)
    if not last:
        outs = [_move_last(o, axis, ndim, back=True) for o in outs]
    return outs
