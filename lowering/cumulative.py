"""Lowering of the cumulative reductions (see jaxlike/lax/cumulative.py): one
stablehlo.reduce_window per primitive, as JAX emits.

The window spans the whole scanned axis and the operand is padded by n - 1 identities on
the side the prefix comes from, so output i reduces elements 0..i (i..n-1 when reversed).
XLA rewrites such prefix windows into a logarithmic-depth scan, so this costs O(n log n)
work, not O(n^2). Measured on the 2-core CPU (float32, jit, run / cold compile):

| 10^6 elements                              | run     | compile    |
| ------------------------------------------ | ------- | ---------- |
| reduce_window (this rule; JAX's too)       | 6-8 ms  | 0.1-0.3 s  |
| odd/even parallel prefix of slices + pads  | 5 ms    | 0.6-1.0 s  |
| Hillis-Steele (log2 n shifted adds)        | 64 ms   | 0.4 s      |

The parallel prefix (lax.associative_scan) runs about as fast but compiles 3-5 times
slower, which eager execution (one compile per primitive and shape) pays on every new
shape; so reduce_window it is. cumlogsumexp's window body runs exp and log1p per combine
(~0.4 s at 10^6, as in JAX).
"""
import numpy as np

from lowering.elementwise import compare
from lowering.mlir import RuleContext, constant, hlo, ir, register, rules, tensor_type
from lowering.reductions import _highest, _lowest


def _logaddexp(ctx, a, b):
    """Emits log(exp(a) + exp(b)) for scalars, stable, and exact for equal infinities."""
    dtype = ctx.avals_in[0].dtype
    top = hlo.MaxOp(a, b).result
    delta = hlo.SubtractOp(a, b).result
    spread = hlo.Log1pOp(hlo.ExpOp(hlo.NegOp(hlo.AbsOp(delta))).result).result
    is_nan = compare(delta, delta, "NE", dtype)
    return hlo.SelectOp(is_nan, top, hlo.AddOp(top, spread)).result


# Per primitive: (identity for a dtype, the scalar combiner's lowering rule).
_CUMULATIVE = {
    "cumsum": (lambda dtype: np.zeros((), dtype), lambda: rules["add"]),
    "cumprod": (lambda dtype: np.ones((), dtype), lambda: rules["mul"]),
    "cummax": (_lowest, lambda: rules["max"]),
    "cummin": (_highest, lambda: rules["min"]),
    "cumlogsumexp": (_lowest, lambda: _logaddexp),
}


def _cumulative_rule(name):
    identity, combiner = _CUMULATIVE[name]

    def rule(ctx, x, *, axis, reverse):
        aval = ctx.avals_in[0]
        scalar = aval.update(shape=())
        scalar_ctx = RuleContext(ctx.module, None, [scalar, scalar], [scalar])
        n = aval.shape[axis]
        if n == 0:
            return x
        window = [n if d == axis else 1 for d in range(aval.ndim)]
        padding = np.zeros((aval.ndim, 2), np.int64)
        padding[axis, 1 if reverse else 0] = max(n - 1, 0)
        init = constant(identity(aval.dtype), aval.dtype)
        op = hlo.ReduceWindowOp([tensor_type(aval)], [x], [init], window,
                                window_strides=[1] * aval.ndim,
                                padding=ir.DenseIntElementsAttr.get(padding))
        scalar_type = ir.RankedTensorType.get([], tensor_type(aval).element_type)
        block = op.body.blocks.append(scalar_type, scalar_type)
        with ir.InsertionPoint(block):
            hlo.ReturnOp([combiner()(scalar_ctx, *block.arguments)])
        return op.result
    return rule


for _name in _CUMULATIVE:
    register(_name)(_cumulative_rule(_name))
