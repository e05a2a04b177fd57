"""Lowering rules for elementwise primitives."""
import numpy as np

from lowering.mlir import chlo, hlo, ir, register, tensor_type


def broadcast_scalars(ctx, operands):
    """Returns operands with rank-0 ones broadcast to the output shape."""
    shape = ctx.avals_out[0].shape
    if not shape:
        return operands
    out = []
    for value, aval in zip(operands, ctx.avals_in):
        if aval.shape == () :
            value = hlo.BroadcastInDimOp(tensor_type(aval.update(shape=shape)), value,
                                         ir.DenseI64ArrayAttr.get([])).result
        out.append(value)
    return out


def _nary(op):
    def rule(ctx, *operands, **params):
        return op(*broadcast_scalars(ctx, operands)).result
    return rule


for _name, _op in {
    "neg": hlo.NegOp, "sign": hlo.SignOp, "floor": hlo.FloorOp, "ceil": hlo.CeilOp,
    "abs": hlo.AbsOp, "exp": hlo.ExpOp, "log": hlo.LogOp, "sin": hlo.SineOp,
    "cos": hlo.CosineOp, "tanh": hlo.TanhOp, "sqrt": hlo.SqrtOp,
    "add": hlo.AddOp, "sub": hlo.SubtractOp, "mul": hlo.MulOp, "div": hlo.DivOp,
    "max": hlo.MaxOp, "min": hlo.MinOp,
}.items():
    register(_name)(_nary(_op))


def _compare_type(dtype):
    if np.issubdtype(dtype, np.inexact) or dtype.name == "bfloat16":
        return "FLOAT"
    if dtype == np.bool_ or np.issubdtype(dtype, np.unsignedinteger):
        return "UNSIGNED"
    return "SIGNED"


def _compare(direction):
    def rule(ctx, x, y):
        x, y = broadcast_scalars(ctx, [x, y])
        return hlo.CompareOp(x, y, hlo.ComparisonDirectionAttr.get(direction),
                             compare_type=hlo.ComparisonTypeAttr.get(
                                 _compare_type(ctx.avals_in[0].dtype))).result
    return rule


for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    register(_name)(_compare(_name.upper()))


@register("convert_element_type")
def _convert(ctx, x, *, new_dtype, weak_type, sharding=None):
    aval_in, aval_out = ctx.avals_in[0], ctx.avals_out[0]
    if aval_in.dtype == np.bool_ or not np.issubdtype(aval_out.dtype, np.complexfloating) \
            and np.issubdtype(aval_in.dtype, np.complexfloating):
        if np.issubdtype(aval_in.dtype, np.complexfloating):
            x = hlo.RealOp(x).result
    if aval_out.dtype == np.bool_ and aval_in.dtype != np.bool_:
        # Nonzero means True (a plain convert would truncate 0.5 to False).
        zero = hlo.ConstantOp(ir.DenseElementsAttr.get_splat(
            ir.RankedTensorType.get(aval_in.shape, x.type.element_type),
            _zero_attr(x.type.element_type))).result
        return hlo.CompareOp(x, zero, hlo.ComparisonDirectionAttr.get("NE"),
                             compare_type=hlo.ComparisonTypeAttr.get(
                                 _compare_type(aval_in.dtype))).result
    return hlo.ConvertOp(tensor_type(aval_out), x).result


def _zero_attr(elt):
    if ir.IntegerType.isinstance(elt):
        return ir.IntegerAttr.get(elt, 0)
    if ir.ComplexType.isinstance(elt):
        raise NotImplementedError
    return ir.FloatAttr.get(elt, 0.0)


_ = chlo
