"""Lowering of `sort` (see jaxlike/lax/sorting.py): one stablehlo.sort whose comparator
orders the first `num_keys` operands lexicographically.

Floating-point keys are compared with the IEEE total order after mapping -0.0 to 0.0 and
every NaN to one positive quiet NaN, so that -0.0 and 0.0 tie (a stable sort keeps their
order) and NaNs sort last; complex keys compare their real parts, then imaginary parts.
"""
import numpy as np

from lowering.elementwise import compare
from lowering.mlir import constant, hlo, ir, register, tensor_type


def _is_float(dtype):
    return dtype.name == "bfloat16" or np.issubdtype(dtype, np.floating)


def _canonical_float(x, dtype):
    """Returns x with -0.0 replaced by 0.0 and every NaN by the canonical quiet NaN."""
    zero = constant(np.zeros((), dtype))
    x = hlo.SelectOp(compare(x, zero, "EQ", dtype), zero, x).result
    nan = constant(np.full((), np.nan, dtype))
    return hlo.SelectOp(compare(x, x, "NE", dtype), nan, x).result


def _compare_total(x, y, direction):
    return hlo.CompareOp(x, y, hlo.ComparisonDirectionAttr.get(direction),
                         compare_type=hlo.ComparisonTypeAttr.get("TOTALORDER")).result


def _key_parts(x, dtype):
    """Returns [(value, dtype)] to compare lexicographically for one scalar key."""
    if np.issubdtype(dtype, np.complexfloating):
        part = np.dtype(np.float64 if dtype == np.complex128 else np.float32)
        return [(hlo.RealOp(x).result, part), (hlo.ImagOp(x).result, part)]
    return [(x, dtype)]


def _less_equal(x, y, dtype):
    """Returns (x < y, x == y) for scalars of a key's (real) dtype."""
    if _is_float(dtype):
        x, y = _canonical_float(x, dtype), _canonical_float(y, dtype)
        return _compare_total(x, y, "LT"), _compare_total(x, y, "EQ")
    return compare(x, y, "LT", dtype), compare(x, y, "EQ", dtype)


def _comparator(lhs, rhs, key_dtypes):
    """Emits lexicographic less-than over the key scalars; returns the i1 result."""
    parts = []
    for x, y, dtype in zip(lhs, rhs, key_dtypes):
        parts.extend(zip(_key_parts(x, dtype), _key_parts(y, dtype)))
    result = None
    for (x, dtype), (y, _) in reversed(parts):
        lt, eq = _less_equal(x, y, dtype)
        result = lt if result is None else hlo.OrOp(lt, hlo.AndOp(eq, result).result).result
    return result


@register("sort")
def _sort(ctx, *operands, dimension, is_stable, num_keys):
    out_types = [tensor_type(a) for a in ctx.avals_out]
    op = hlo.SortOp(out_types, list(operands), dimension=dimension, is_stable=is_stable)
    scalar_types = [ir.RankedTensorType.get([], tensor_type(a).element_type)
                    for a in ctx.avals_in]
    block = op.comparator.blocks.append(*[t for t in scalar_types for _ in range(2)])
    args = list(block.arguments)
    key_dtypes = [a.dtype for a in ctx.avals_in[:num_keys]]
    with ir.InsertionPoint(block):
        less = _comparator(args[0:2 * num_keys:2], args[1:2 * num_keys:2], key_dtypes)
        hlo.ReturnOp([less])
    return list(op.results)

