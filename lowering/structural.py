"""Lowering rules for the structural (shape) primitives: each is one StableHLO op."""
import numpy as np

from lowering.mlir import hlo, ir, ir_type, register, tensor_type


def _dims(values):
    return ir.DenseI64ArrayAttr.get(list(values))


def _result_type(ctx):
    return tensor_type(ctx.avals_out[0])


@register("broadcast_in_dim")
def _broadcast_in_dim(ctx, x, *, shape, broadcast_dimensions, sharding):
    return hlo.BroadcastInDimOp(_result_type(ctx), x, _dims(broadcast_dimensions)).result


@register("reshape")
def _reshape(ctx, x, *, new_sizes, dimensions, sharding):
    if dimensions is not None:
        x = hlo.TransposeOp(x, _dims(dimensions)).result
    return hlo.ReshapeOp(_result_type(ctx), x).result


@register("squeeze")
def _squeeze(ctx, x, *, dimensions):
    return hlo.ReshapeOp(_result_type(ctx), x).result


@register("transpose")
def _transpose(ctx, x, *, permutation):
    return hlo.TransposeOp(x, _dims(permutation)).result


@register("rev")
def _rev(ctx, x, *, dimensions):
    return hlo.ReverseOp(x, _dims(dimensions)).result


@register("iota")
def _iota(ctx, *, dtype, shape, dimension, sharding):
    return hlo.IotaOp(_result_type(ctx), dimension).result


@register("concatenate")
def _concatenate(ctx, *xs, dimension):
    return hlo.ConcatenateOp(list(xs), dimension).result


@register("pad")
def _pad(ctx, x, padding_value, *, padding_config):
    low, high, interior = zip(*padding_config) if padding_config else ((), (), ())
    return hlo.PadOp(x, padding_value, _dims(low), _dims(high), _dims(interior)).result


@register("slice")
def _slice(ctx, x, *, start_indices, limit_indices, strides):
    strides = strides or (1,) * len(start_indices)
    return hlo.SliceOp(x, _dims(start_indices), _dims(limit_indices), _dims(strides)).result


def _same_index_dtype(indices, avals):
    """Returns the scalar index values converted to one integer type (StableHLO requires it),
    the promoted one, when their dtypes differ."""
    index_dtypes = {a.dtype for a in avals}
    if len(index_dtypes) <= 1:
        return list(indices)
    common = np.result_type(*index_dtypes)
    target = ir.RankedTensorType.get((), ir_type(common))
    return [v if a.dtype == common else hlo.ConvertOp(target, v).result
            for v, a in zip(indices, avals)]


@register("dynamic_slice")
def _dynamic_slice(ctx, x, *indices, slice_sizes):
    indices = _same_index_dtype(indices, ctx.avals_in[1:])
    return hlo.DynamicSliceOp(x, indices, _dims(slice_sizes)).result


@register("dynamic_update_slice")
def _dynamic_update_slice(ctx, x, update, *indices):
    indices = _same_index_dtype(indices, ctx.avals_in[2:])
    return hlo.DynamicUpdateSliceOp(x, update, indices).result
