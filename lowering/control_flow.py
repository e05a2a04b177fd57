"""Lowering rules for the control-flow primitives.

`cond` becomes `stablehlo.case` (its regions take no arguments: each branch's equations
are emitted inside its region, reading the operands from the enclosing block). `while`
becomes `stablehlo.while`, whose regions receive the loop state as block arguments; the
consts travel in the state unchanged. `scan` becomes a `stablehlo.while` over an int32
induction variable whose body reads step i of each xs with a dynamic slice and writes step
i of each ys with a dynamic update slice, so the program does not grow with the length.
"""
import numpy as np

from lowering.mlir import constant, emit_jaxpr, hlo, ir, register, tensor_type


@register("cond")
def _cond(ctx, index, *args, branches):
    case = hlo.CaseOp([tensor_type(a) for a in ctx.avals_out], index, len(branches))
    for region, branch in zip(case.branches, branches):
        block = region.blocks.append()
        with ir.InsertionPoint(block):
            hlo.ReturnOp(emit_jaxpr(ctx.module, branch.jaxpr, [], list(args)))
    return list(case.results)


def _loop(state, cond, body):
    # Emits a stablehlo.while over `state` (a list of values): `cond(values) -> pred` and
    # `body(values) -> new values` emit the regions. Returns the final values.
    types = [v.type for v in state]
    loop = hlo.WhileOp(types, state)
    cond_block = loop.cond.blocks.append(*types)
    with ir.InsertionPoint(cond_block):
        hlo.ReturnOp([cond(list(cond_block.arguments))])
    body_block = loop.body.blocks.append(*types)
    with ir.InsertionPoint(body_block):
        hlo.ReturnOp(body(list(body_block.arguments)))
    return list(loop.results)


@register("while")
def _while(ctx, *args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    n_consts = cond_nconsts + body_nconsts

    def cond(values):
        carry = values[n_consts:]
        return emit_jaxpr(ctx.module, cond_jaxpr.jaxpr, [], values[:cond_nconsts] + carry)[0]

    def body(values):
        return values[:n_consts] + emit_jaxpr(ctx.module, body_jaxpr.jaxpr, [],
                                              values[cond_nconsts:])
    return _loop(list(args), cond, body)[n_consts:]


def _i32(value):
    return constant(np.int32(value))


def _zeros(aval):
    return hlo.BroadcastInDimOp(tensor_type(aval), constant(np.zeros((), aval.dtype)),
                                ir.DenseI64ArrayAttr.get([])).result


def _read_step(x, index, slice_aval):
    # x[index] for x of shape (length, *slice_aval.shape).
    starts = [index] + [_i32(0)] * len(slice_aval.shape)
    step = hlo.DynamicSliceOp(x, starts, ir.DenseI64ArrayAttr.get([1, *slice_aval.shape]))
    return hlo.ReshapeOp(tensor_type(slice_aval), step.result).result


def _write_step(buf, y, index, y_aval):
    # buf with buf[index] = y.
    row = ir.RankedTensorType.get([1, *y_aval.shape], tensor_type(y_aval).element_type)
    update = hlo.ReshapeOp(row, y).result
    starts = [index] + [_i32(0)] * len(y_aval.shape)
    return hlo.DynamicUpdateSliceOp(buf, update, starts).result


class _ScanStep:
    """Emits step t of a scan (t a scalar i32 value): reads xs[t], runs the body, writes
    ys[t] (t counted from the end when `reverse`)."""

    def __init__(self, ctx, jaxpr, length, reverse, nc, nk):
        self.ctx, self.jaxpr, self.length, self.reverse = ctx, jaxpr, length, reverse
        self.nc, self.nk = nc, nk
        self.x_avals = [a.update(shape=a.shape[1:]) for a in ctx.avals_in[nc + nk:]]
        self.y_avals = [a.update(shape=a.shape[1:]) for a in ctx.avals_out[nk:]]

    def __call__(self, t, consts, carry, xs, bufs):
        # Returns (new carry, new ys buffers).
        index = hlo.SubtractOp(_i32(self.length - 1), t).result if self.reverse else t
        slices = [_read_step(x, index, a) for x, a in zip(xs, self.x_avals)]
        outs = emit_jaxpr(self.ctx.module, self.jaxpr.jaxpr, [], consts + carry + slices)
        bufs = [_write_step(b, y, index, a)
                for b, y, a in zip(bufs, outs[self.nk:], self.y_avals)]
        return outs[:self.nk], bufs


@register("scan")
def _scan(ctx, *args, jaxpr, length, reverse, num_consts, num_carry, unroll):
    # A while loop runs length // unroll iterations of `unroll` steps each; the remaining
    # length % unroll steps follow it, unrolled.
    nc, nk = num_consts, num_carry
    nx = len(args) - nc - nk
    step = _ScanStep(ctx, jaxpr, length, reverse, nc, nk)
    consts, carry, xs = _split(list(args), [nc, nk])
    bufs = [_zeros(a) for a in ctx.avals_out[nk:]]
    unroll = max(1, min(unroll, length))
    n_loop = length // unroll * unroll if length else 0

    def cond(values):
        return hlo.CompareOp(values[0], _i32(n_loop), hlo.ComparisonDirectionAttr.get("LT"),
                             compare_type=hlo.ComparisonTypeAttr.get("SIGNED")).result

    def body(values):
        t, consts, carry, xs, bufs = _split(values, [1, nc, nk, nx])
        t = t[0]
        for k in range(unroll):
            carry, bufs = step(hlo.AddOp(t, _i32(k)).result if k else t, consts, carry, xs,
                               bufs)
        return [hlo.AddOp(t, _i32(unroll)).result, *consts, *carry, *xs, *bufs]
    if n_loop > unroll:
        final = _loop([_i32(0), *consts, *carry, *xs, *bufs], cond, body)
        carry, bufs = final[1 + nc:1 + nc + nk], final[1 + nc + nk + nx:]
        first = n_loop
    else:
        first = 0  # a single iteration (or none): no loop at all
    for t in range(first, length):
        carry, bufs = step(_i32(t), consts, carry, xs, bufs)
    return list(carry) + bufs


def _split(values, sizes):
    out, start = [], 0
    for n in sizes:
        out.append(values[start:start + n])
        start += n
    out.append(values[start:])
    return out
