"""Lowering rules for gather and the scatter family (see jaxlike/lax/slicing.py): one
hlo.GatherOp or hlo.ScatterOp each, plus what the out-of-bounds mode asks for.

XLA clamps gather start indices and skips scatter windows that do not fit, so only two modes
need extra ops: a FILL_OR_DROP gather masks the windows whose start was out of range, and a
CLIP scatter clamps its indices first. Modes are compared by name: lowering does not import
jaxlike.lax.
"""
import numpy as np

from lowering.elementwise import compare, full_like
from lowering.mlir import constant, emit_jaxpr, hlo, ir, ir_type, register, tensor_type
from lowering.reductions import emit_reduce


def _dims(values):
    return ir.DenseI64ArrayAttr.get([int(v) for v in values])


def _bounds_along_last(bounds, idx_aval):
    """Returns the per-component constants `bounds` broadcast along the last dimension of
    an indices tensor of `idx_aval`."""
    value = constant(np.asarray(bounds, dtype=idx_aval.dtype).reshape(-1))
    return hlo.BroadcastInDimOp(tensor_type(idx_aval), value,
                                _dims([idx_aval.ndim - 1])).result


def _max_starts(operand_shape, window_sizes, index_map):
    """Returns, per index vector component, the largest start that keeps the window in."""
    return [max(operand_shape[d] - window_sizes[d], 0) for d in index_map]


def _in_bounds(indices, idx_aval, upper):
    """Returns a bool tensor of the indices' batch shape: True where every component of the
    index vector is in [0, upper]."""
    zero = full_like(idx_aval, 0)
    ok = hlo.AndOp(compare(indices, zero, "GE", idx_aval.dtype),
                   compare(indices, _bounds_along_last(upper, idx_aval), "LE",
                           idx_aval.dtype)).result
    batch_type = ir.RankedTensorType.get(idx_aval.shape[:-1], ir.IntegerType.get_signless(1))
    init = constant(np.array(True))
    (all_ok,) = emit_reduce([batch_type], [ok], [init], [idx_aval.ndim - 1],
                            lambda acc, x: [hlo.AndOp(acc, x).result])
    return all_ok


@register("gather")
def _gather(ctx, operand, indices, *, dimension_numbers, slice_sizes, indices_are_sorted,
            unique_indices, mode, fill_value):
    op_aval, idx_aval = ctx.avals_in
    out_aval = ctx.avals_out[0]
    if 0 in out_aval.shape:
        return full_like(out_aval, 0)  # nothing to read; XLA need not see an empty gather
    dn = dimension_numbers
    attr = hlo.GatherDimensionNumbers.get(
        list(dn.offset_dims), list(dn.collapsed_slice_dims), list(dn.operand_batching_dims),
        list(dn.start_indices_batching_dims), list(dn.start_index_map), idx_aval.ndim - 1)
    out = hlo.GatherOp(operand, indices, attr, _dims(slice_sizes),
                       indices_are_sorted=ir.BoolAttr.get(indices_are_sorted)).result
    if mode.name != "FILL_OR_DROP":
        return out
    upper = _max_starts(op_aval.shape, slice_sizes, dn.start_index_map)
    mask = _in_bounds(indices, idx_aval, upper)
    batch_positions = [i for i in range(out_aval.ndim) if i not in dn.offset_dims]
    mask = hlo.BroadcastInDimOp(
        ir.RankedTensorType.get(out_aval.shape, ir.IntegerType.get_signless(1)), mask,
        _dims(batch_positions)).result
    return hlo.SelectOp(mask, out, full_like(out_aval, fill_value)).result


def _scatter_window_sizes(op_aval, up_aval, dn):
    """Returns the size of the scattered window along each operand dimension."""
    sizes = [1] * op_aval.ndim
    window = [d for d in range(op_aval.ndim)
              if d not in dn.inserted_window_dims and d not in dn.operand_batching_dims]
    for d, u in zip(window, dn.update_window_dims):
        sizes[d] = up_aval.shape[u]
    return sizes


def _clamp_indices(indices, idx_aval, upper):
    zero = constant(np.zeros((), idx_aval.dtype))
    zero = hlo.BroadcastInDimOp(tensor_type(idx_aval), zero, _dims([])).result
    return hlo.ClampOp(zero, indices, _bounds_along_last(upper, idx_aval)).result


@register("scatter", "scatter-add", "scatter-sub", "scatter-mul", "scatter-min",
          "scatter-max")
def _scatter(ctx, operand, indices, updates, *, dimension_numbers, indices_are_sorted,
             unique_indices, mode, update_jaxpr, update_consts):
    op_aval, idx_aval, up_aval = ctx.avals_in
    dn = dimension_numbers
    if mode.name == "CLIP":
        sizes = _scatter_window_sizes(op_aval, up_aval, dn)
        indices = _clamp_indices(indices, idx_aval,
                                 _max_starts(op_aval.shape, sizes, dn.scatter_dims_to_operand_dims))
    attr = hlo.ScatterDimensionNumbers.get(
        list(dn.update_window_dims), list(dn.inserted_window_dims),
        list(dn.operand_batching_dims), list(dn.scatter_indices_batching_dims),
        list(dn.scatter_dims_to_operand_dims), idx_aval.ndim - 1)
    op = hlo.ScatterOp([tensor_type(ctx.avals_out[0])], [operand], indices, [updates], attr,
                       indices_are_sorted=ir.BoolAttr.get(indices_are_sorted),
                       unique_indices=ir.BoolAttr.get(unique_indices))
    scalar = ir.RankedTensorType.get([], ir_type(op_aval.dtype))
    block = op.update_computation.blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        if update_jaxpr is None:  # plain scatter: the update replaces the value
            outs = [block.arguments[1]]
        else:  # the combining function, e.g. add for scatter-add
            consts = [constant(np.asarray(c)) for c in update_consts]
            outs = emit_jaxpr(ctx.module, update_jaxpr, consts, list(block.arguments))
        hlo.ReturnOp(outs)
    return op.results[0]
