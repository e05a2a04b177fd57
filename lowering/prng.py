"""Lowering of `threefry2x32` (see jaxlike/lax/prng.py) to StableHLO integer ops, and of
`random_gamma` (see jaxlike/random/_gamma.py), whose implementation travels as a jaxpr.

Threefry-2x32 with 20 rounds, as specified by Salmon et al. (SC 2011) and Random123:
the key schedule is ks = (k0, k1, k0 ^ k1 ^ 0x1BD11BDA); the counter words start as
(x0 + ks[0], x1 + ks[1]); each round adds x1 into x0, rotates x1 left by the round's
constant and xors x0 into it; after every fourth round the key schedule is injected
(x0 += ks[s % 3], x1 += ks[(s + 1) % 3] + s for the s-th injection, s = 1..5).

The five groups of four rounds run as a stablehlo.while (the odd groups rotate by the first
four constants, the even ones by the last four; the carried key words rotate by one at each
injection): a program that draws random bits in several places stays small, so XLA compiles
it fast, and the loop keeps XLA from copying the rounds into every consumer.
"""
import numpy as np

from lowering.elementwise import broadcast_operands, compare, full_like
from lowering.mlir import constant, emit_jaxpr, hlo, ir, register

_ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)
_PARITY = 0x1BD11BDA
_GROUPS = 5


def _u32(value):
    return constant(np.uint32(value))


def _broadcast_scalar(x, aval):
    return hlo.BroadcastInDimOp(ir.RankedTensorType.get(aval.shape, x.type.element_type), x,
                                ir.DenseI64ArrayAttr.get([])).result


def _rotate_left(x, r, aval):
    """Returns x rotated left by the uint32 scalar r."""
    left = hlo.ShiftLeftOp(x, _broadcast_scalar(r, aval)).result
    right = hlo.ShiftRightLogicalOp(
        x, _broadcast_scalar(hlo.SubtractOp(_u32(32), r).result, aval)).result
    return hlo.OrOp(left, right).result


def _group(aval, values):
    """Emits four rounds and one key injection; returns the next loop state."""
    s, x0, x1, p, q, r = values
    odd = compare(hlo.AndOp(s, _u32(1)).result, _u32(1), "EQ", np.uint32)
    for j in range(4):
        rotation = hlo.SelectOp(odd, _u32(_ROTATIONS[j]), _u32(_ROTATIONS[4 + j])).result
        x0 = hlo.AddOp(x0, x1).result
        x1 = hlo.XorOp(_rotate_left(x1, rotation, aval), x0).result
    x0 = hlo.AddOp(x0, p).result
    x1 = hlo.AddOp(hlo.AddOp(x1, q).result, _broadcast_scalar(s, aval)).result
    return [hlo.AddOp(s, _u32(1)).result, x0, x1, q, r, p]


@register("threefry2x32")
def _threefry2x32(ctx, k1, k2, x1, x2):
    aval = ctx.avals_out[0]
    k1, k2, x0, x1 = broadcast_operands(ctx, (k1, k2, x1, x2))
    k3 = hlo.XorOp(hlo.XorOp(k1, k2).result, full_like(aval, _PARITY)).result
    x0, x1 = hlo.AddOp(x0, k1).result, hlo.AddOp(x1, k2).result
    # State: injection number s, the counter words, and (ks[s % 3], ks[(s + 1) % 3], the
    # third key word) for the next injection.
    state = [_u32(1), x0, x1, k2, k3, k1]
    types = [v.type for v in state]
    loop = hlo.WhileOp(types, state)
    cond = loop.cond.blocks.append(*types)
    with ir.InsertionPoint(cond):
        hlo.ReturnOp([compare(cond.arguments[0], _u32(_GROUPS), "LE", np.uint32)])
    body = loop.body.blocks.append(*types)
    with ir.InsertionPoint(body):
        hlo.ReturnOp(_group(aval, list(body.arguments)))
    return [loop.results[1], loop.results[2]]


@register("random_gamma")
def _random_gamma(ctx, *args, log_space, jaxpr):
    # The sampler's implementation travels as a jaxpr (consts made leading operands).
    return emit_jaxpr(ctx.module, jaxpr.jaxpr, [], list(args))[0]
