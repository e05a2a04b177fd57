"""Lowering of `fft` (see jaxlike/lax/fft.py): one stablehlo.fft. Params arrive as
jaxlike.lax.FftType members, read by name (lowering never imports lax)."""
from lowering.mlir import hlo, register, tensor_type


@register("fft")
def _fft(ctx, x, *, fft_type, fft_lengths):
    return hlo.FftOp(x, hlo.FftTypeAttr.get(fft_type.name), list(fft_lengths),
                     results=[tensor_type(ctx.avals_out[0])]).result
