"""Sorting: the multi-operand `sort` primitive, with JAX's name and params
(`sort[dimension=0 is_stable=True num_keys=1]`), `lax.sort` and `lax.sort_key_val`.

All operands have one shape and are sorted together along `dimension`, ordered
lexicographically by the first `num_keys` of them. Floating-point keys use a total order in
which -0.0 equals 0.0 and every NaN sorts last (all NaNs equal); complex keys order by
real part, then imaginary part. The lowering (lowering/sorting.py) is one stablehlo.sort.

Derivatives: sorting permutes, so the tangent of each output is the operand's tangent
permuted the same way. The JVP sorts the tangents along with the primal keys and an iota
(the iota breaks ties as a stable sort does, so the permutation is fully determined); the
transpose of that — `sort` seen as linear in its non-key operands — recovers the permutation
and applies its inverse by sorting the cotangent by the permutation.
"""
import operator

import numpy as np

from jaxlike import dtypes
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching

sort_p = Primitive("sort", multiple_results=True)


@sort_p.def_abstract_eval
def _sort_aval(*operands, dimension, is_stable, num_keys):
    if not operands:
        raise TypeError("sort requires at least one operand.")
    shape = operands[0].shape
    if any(a.shape != shape for a in operands[1:]):
        raise TypeError("sort requires all operands to have the same shape, got "
                        f"{', '.join(a.str_short() for a in operands)}.")
    if not 0 <= dimension < len(shape):
        raise ValueError(f"sort: dimension {dimension} is out of bounds for operands of shape "
                         f"{shape}.")
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"sort: num_keys={num_keys} must be between 1 and the number of "
                         f"operands ({len(operands)}).")
    return [ShapedArray(a.shape, a.dtype, a.weak_type) for a in operands]


def _iota_like(aval, dimension):
    from jaxlike.lax.structural import broadcasted_iota
    return broadcasted_iota(np.int32, aval.shape, dimension)


def _sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
    outs = sort_p.bind(*primals, dimension=dimension, is_stable=is_stable, num_keys=num_keys)
    keys = list(primals[:num_keys]) + [_iota_like(get_aval(primals[0]), dimension)]
    nonzero = [i for i, t in enumerate(tangents) if type(t) is not ad.Zero]
    out_tangents = [ad.Zero(ad.tangent_aval(get_aval(o))) for o in outs]
    if nonzero:
        permuted = sort_p.bind(*keys, *[tangents[i] for i in nonzero], dimension=dimension,
                               is_stable=True, num_keys=len(keys))[len(keys):]
        for i, t in zip(nonzero, permuted):
            out_tangents[i] = t
    return outs, out_tangents


def _sort_transpose(cts, *operands, dimension, is_stable, num_keys):
    keys = operands[:num_keys]
    if any(ad.is_undefined_primal(k) for k in keys):
        raise NotImplementedError("sort is not linear in its keys; only the operands after "
                                  "the first num_keys can be transposed.")
    iota = _iota_like(get_aval(keys[0]), dimension)
    # perm[j] = the index (along `dimension`) of the operand element that lands at j.
    perm = sort_p.bind(*keys, iota, dimension=dimension, is_stable=True,
                       num_keys=num_keys)[-1]
    result = [None] * len(operands)
    for i, (x, ct) in enumerate(zip(operands, cts)):
        if not ad.is_undefined_primal(x):
            continue
        if type(ct) is ad.Zero:
            result[i] = ad.Zero(x.aval)
        else:  # scatter ct back: sorting by perm applies the inverse permutation
            result[i] = sort_p.bind(perm, ct, dimension=dimension, is_stable=True,
                                    num_keys=1)[1]
    return result


ad.primitive_jvps[sort_p] = _sort_jvp
ad.primitive_transposes[sort_p] = _sort_transpose


def _sort_batch(axis_data, vals, dims, *, dimension, is_stable, num_keys):
    # Every operand gets the batch axis first (sort needs equal shapes); sort one axis later.
    operands = [batching.bdim_at_front(v, d, axis_data.size) for v, d in zip(vals, dims)]
    outs = sort_p.bind(*operands, dimension=dimension + 1, is_stable=is_stable,
                       num_keys=num_keys)
    return outs, [0] * len(outs)


batching.axis_primitive_batchers[sort_p] = _sort_batch


def _sort_operands(fname, operands, dimension):
    for x in operands:
        aval = get_aval(x)
        if aval.ndim == 0:
            raise TypeError(f"{fname}: cannot sort a rank-0 operand ({aval.str_short()}); "
                            "operands need at least one dimension.")
        if aval.dtype == dtypes.float0:
            raise TypeError(f"{fname}: cannot sort operands of dtype float0.")
    ndim = get_aval(operands[0]).ndim
    dimension = operator.index(dimension)
    if not -ndim <= dimension < ndim:
        raise ValueError(f"{fname}: dimension {dimension} is out of bounds for operands of "
                         f"rank {ndim}.")
    return dimension % ndim


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """Returns `operand` sorted along `dimension`, or, for a sequence of operands (of one
    shape), the tuple of all of them permuted together in the lexicographic order of the
    first `num_keys`. NaNs sort last and -0.0 equals 0.0."""
    if isinstance(operand, (list, tuple)):
        operands = tuple(operand)
        dimension = _sort_operands("sort", operands, dimension)
        return tuple(sort_p.bind(*operands, dimension=dimension, is_stable=bool(is_stable),
                                 num_keys=operator.index(num_keys)))
    if num_keys != 1:
        raise ValueError(f"sort: num_keys={num_keys} requires a sequence of operands.")
    dimension = _sort_operands("sort", (operand,), dimension)
    return sort_p.bind(operand, dimension=dimension, is_stable=bool(is_stable), num_keys=1)[0]


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    """Returns (sorted keys, values permuted like the keys) along `dimension`."""
    dimension = _sort_operands("sort_key_val", (keys, values), dimension)
    out_keys, out_values = sort_p.bind(keys, values, dimension=dimension,
                                       is_stable=bool(is_stable), num_keys=1)
    return out_keys, out_values


__all__ = ["sort_p", "sort", "sort_key_val"]
