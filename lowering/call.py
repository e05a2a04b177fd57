"""Lowering rules for call-like primitives that carry a jaxpr (`jit`)."""
from lowering.mlir import emit_jaxpr, hlo, register


@register("jit")
def _jit(ctx, *args, jaxpr, name, donated_invars=(), keep_unused=False, inline=False):
    # The callee has no consts (they were made arguments when it was staged), so it can be
    # emitted inline; XLA sees one flat program either way.
    return emit_jaxpr(ctx.module, jaxpr.jaxpr, [], list(args))


@register("custom_jvp_call", "custom_vjp_call")
def _custom_call(ctx, *args, call_jaxpr, **params):
    # The custom rule matters only to differentiation; compiled, it is the function itself.
    return emit_jaxpr(ctx.module, call_jaxpr.jaxpr, [], list(args))


@register("checkpoint")
def _checkpoint(ctx, *args, jaxpr, prevent_cse=True, differentiated=False, **params):
    # When recomputation is part of a derivative, an optimization barrier on the inputs stops
    # XLA from merging it with the original computation (which would undo the checkpoint).
    if prevent_cse and differentiated and args:
        args = hlo.OptimizationBarrierOp(list(args)).results
    return emit_jaxpr(ctx.module, jaxpr.jaxpr, [], list(args))
