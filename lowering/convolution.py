"""Lowering of `conv_general_dilated` to `stablehlo.convolution`."""
from lowering.mlir import hlo, ir, register, tensor_type
from lowering.windowed import padding_attr


@register("conv_general_dilated")
def _conv_general_dilated(ctx, lhs, rhs, *, window_strides, padding, lhs_dilation,
                          rhs_dilation, dimension_numbers, feature_group_count,
                          batch_group_count, precision, preferred_element_type, out_sharding):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    dims = hlo.ConvDimensionNumbers.get(
        input_batch_dimension=lhs_spec[0], input_feature_dimension=lhs_spec[1],
        input_spatial_dimensions=list(lhs_spec[2:]),
        kernel_input_feature_dimension=rhs_spec[1],
        kernel_output_feature_dimension=rhs_spec[0],
        kernel_spatial_dimensions=list(rhs_spec[2:]),
        output_batch_dimension=out_spec[0], output_feature_dimension=out_spec[1],
        output_spatial_dimensions=list(out_spec[2:]))
    # Precision params are lax.Precision members (read by name: lowering never imports lax).
    names = ("DEFAULT", "DEFAULT") if precision is None else tuple(p.name for p in precision)
    return hlo.ConvolutionOp(
        tensor_type(ctx.avals_out[0]), lhs, rhs, dims, feature_group_count, batch_group_count,
        window_strides=list(window_strides), padding=padding_attr(padding),
        lhs_dilation=list(lhs_dilation), rhs_dilation=list(rhs_dilation),
        precision_config=ir.ArrayAttr.get([hlo.PrecisionAttr.get(n) for n in names])).result
