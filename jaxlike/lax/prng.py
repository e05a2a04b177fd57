"""The Threefry-2x32 counter-based hash as a primitive (`threefry2x32`).

Threefry-2x32 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
SC 2011; the Random123 library) maps a 64-bit key (two uint32 words) and a 64-bit counter
(two uint32 words) to 64 pseudo-random bits. jaxlike.random derives every key and every
random bit from it. The primitive is elementwise over its four uint32 operands
(key1, key2, count1, count2): equal shapes, or rank 0 (which broadcasts), or size-1 axes.
It returns the two output words. It has no derivative (its outputs are integers). The
20 rounds are emitted in lowering/prng.py.
"""
import numpy as np

from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.lax.elementwise import broadcast_shapes_of

threefry2x32_p = Primitive("threefry2x32", multiple_results=True)

_OPERAND_NAMES = ("key1", "key2", "count1", "count2")


@threefry2x32_p.def_abstract_eval
def _threefry2x32_aval(k1, k2, x1, x2):
    avals = (k1, k2, x1, x2)
    for name, aval in zip(_OPERAND_NAMES, avals):
        if aval.dtype != np.uint32:
            raise TypeError(f"threefry2x32 requires uint32 operands, got {name} of dtype "
                            f"{aval.dtype.name} (operands: "
                            f"{', '.join(a.str_short() for a in avals)}).")
    shape = broadcast_shapes_of("threefry2x32", avals)
    out = ShapedArray(shape, np.dtype(np.uint32))
    return [out, out]


ad.defnondiff(threefry2x32_p)


def _threefry2x32_batch(vals, dims):
    # Elementwise: the batch axis stays where the operands have it (rank-0 keys broadcast).
    out_dim, operands = batching.elementwise_operands(vals, dims)
    return threefry2x32_p.bind(*operands), [out_dim, out_dim]


batching.primitive_batchers[threefry2x32_p] = _threefry2x32_batch


def threefry2x32(key1, key2, count1, count2):
    """Returns the two uint32 words [y1, y2] of Threefry-2x32 (20 rounds) applied to the
    counter words (count1, count2) under the key words (key1, key2), elementwise (rank-0
    operands broadcast)."""
    for x in (key1, key2, count1, count2):
        get_aval(x)  # raises a TypeError for non-arrays
    return threefry2x32_p.bind(key1, key2, count1, count2)


__all__ = ["threefry2x32_p", "threefry2x32"]
