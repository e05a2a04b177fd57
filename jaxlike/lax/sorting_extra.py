"""Selection: the `top_k` primitive, with JAX's name and params (`top_k[axis=0 k=3]`).

top_k returns the k largest entries along `axis`, in descending order, and their int32
indices; among equal entries the earlier one comes first, and NaNs count as larger than
every number (XLA's TopK uses the total order). The lowering (lowering/sorting_extra.py) is
one chlo.top_k, which works along the last axis: other axes are transposed there and back.

Derivatives: the values are entries of the operand, so their tangent is the operand's
tangent gathered at the indices (take-along-axis); indices are integers, without one.
"""
import operator

import numpy as np

from jaxlike import dtypes
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.lax import slicing
from jaxlike.lax import structural as st

__all__ = ["top_k", "top_k_p"]

top_k_p = Primitive("top_k", multiple_results=True)


@top_k_p.def_abstract_eval
def _top_k_aval(operand, *, k, axis):
    if dtypes.is_complex(operand.dtype):
        raise TypeError(f"top_k is not compatible with complex inputs (operand: "
                        f"{operand.str_short()}); complex numbers are not ordered.")
    if not 0 <= axis < operand.ndim:
        raise ValueError(f"top_k: axis {axis} is out of bounds for an operand of shape "
                         f"{operand.shape}.")
    if k < 0:
        raise ValueError(f"top_k: the k argument must be nonnegative, got {k}.")
    if k > operand.shape[axis]:
        raise ValueError(f"top_k: the k argument must be no larger than the size along the "
                         f"axis; got k={k} with shape={list(operand.shape)} and axis={axis}.")
    shape = operand.shape[:axis] + (k,) + operand.shape[axis + 1:]
    return [ShapedArray(shape, operand.dtype, operand.weak_type),
            ShapedArray(shape, np.dtype(np.int32))]


def take_along(x, indices, axis):
    """Returns x's entries at `indices` along `axis` (indices of x's shape on the other
    axes): one gather whose other axes are batching dimensions."""
    aval = get_aval(x)
    others = tuple(d for d in range(aval.ndim) if d != axis)
    dn = slicing.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(axis,),
                                        start_index_map=(axis,), operand_batching_dims=others,
                                        start_indices_batching_dims=others)
    idx = st.expand_dims(indices, (aval.ndim,))
    return slicing.gather(x, idx, dn, (1,) * aval.ndim, mode="promise_in_bounds")


def _top_k_jvp(primals, tangents, *, k, axis):
    (operand,), (tangent,) = primals, tangents
    values, indices = top_k_p.bind(operand, k=k, axis=axis)
    return [values, indices], [take_along(tangent, indices, axis),
                               ad.Zero(ad.tangent_aval(get_aval(indices)))]


ad.primitive_jvps[top_k_p] = _top_k_jvp


def _top_k_batch(vals, dims, *, k, axis):
    # The batch axis stays put; `axis` is renumbered around it.
    (operand,), (bdim,) = vals, dims
    outs = top_k_p.bind(operand, k=k, axis=axis + (bdim <= axis))
    return outs, [bdim, bdim]


batching.primitive_batchers[top_k_p] = _top_k_batch


def top_k(operand, k, *, axis=-1):
    """Returns (values, indices): the `k` largest entries of `operand` along `axis` in
    descending order (earlier entries first among equals), and their int32 positions."""
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"top_k: k must be an int, got {k!r}.") from None
    ndim = get_aval(operand).ndim
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"top_k: axis {axis} is out of bounds for an operand of shape "
                         f"{get_aval(operand).shape}.")
    return tuple(top_k_p.bind(operand, k=k, axis=axis % ndim))
