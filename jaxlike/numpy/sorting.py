"""Sorting, selection and order statistics: sort, argsort, lexsort, sort_complex,
partition, argpartition, searchsorted, and median / percentile / quantile with their NaN-
ignoring variants.

All orderings are lax.sort's: stable, NaNs last, -0.0 equal to 0.0, complex numbers by real
then imaginary part. partition and argpartition use lax.top_k as JAX does, so the order
inside each side of the partition is JAX's (ascending before kth, descending after), not
NumPy's. Quantiles sort along the reduced axis and gather the order statistics; the
non-NaN variants return NaN for a slice containing NaN, as NumPy does.
"""
import functools
import operator

import numpy as np

from jaxlike import dtypes, lax
from jaxlike.api import jit
from jaxlike.core import get_aval
from jaxlike.numpy import creation, indexing_ops, reductions, shapes, ufuncs
from jaxlike.numpy._util import check_arraylike, promote_dtypes, shape_of, to_inexact_dtype

__all__ = ["sort", "argsort", "lexsort", "sort_complex", "partition", "argpartition",
           "searchsorted", "quantile", "percentile", "median", "nanquantile",
           "nanpercentile", "nanmedian"]


def _axis(name, axis, ndim):
    """Returns `axis` in [0, ndim), or raises ValueError naming the function and ndim."""
    return shapes.normalize_axis(axis, ndim, f"jnp.{name}")


def _prepare(name, a, axis, kind, order):
    """Returns (array, axis) for a sort along `axis` (the flattened array when None)."""
    if order is not None:
        raise ValueError(f"jnp.{name}: the 'order' argument is not supported (jaxlike arrays "
                         "have no structured dtypes).")
    del kind  # every sort is stable; `kind` only exists for NumPy compatibility
    check_arraylike(f"jnp.{name}", a)
    a = creation.asarray(a)
    if axis is None:
        return shapes.ravel(a), 0
    if get_aval(a).ndim == 0:
        raise ValueError(f"jnp.{name}: axis {axis} is out of bounds for array of dimension 0; "
                         "use axis=None to sort a scalar.")
    return a, _axis(name, axis, get_aval(a).ndim)


@functools.partial(jit, static_argnames=("axis", "kind", "order", "stable", "descending"))
def sort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """Returns a sorted copy of `a` along `axis` (of the flattened array when None); NaNs
    sort last (first when `descending`)."""
    a, axis = _prepare("sort", a, axis, kind, order)
    if descending:
        return lax.rev(lax.sort(lax.rev(a, (axis,)), dimension=axis), (axis,))
    return lax.sort(a, dimension=axis, is_stable=stable)


@functools.partial(jit, static_argnames=("axis", "kind", "order", "stable", "descending", "dtype"))
def argsort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False, dtype=None):
    """Returns the indices that sort `a` along `axis` (stable: equal elements keep their
    order, also when `descending`), of the default integer dtype or `dtype`."""
    a, axis = _prepare("argsort", a, axis, kind, order)
    index_dtype = dtypes.canonicalize_dtype(dtype or dtypes.default_int_dtype())
    shape = shape_of(a)
    iota = lax.broadcasted_iota(index_dtype, shape, axis)
    if descending:
        # Sorting the reversed array keeps equal elements in reversed order; reversing the
        # result restores their original order.
        flipped = lax.sort((lax.rev(a, (axis,)), lax.rev(iota, (axis,))), dimension=axis,
                           num_keys=1)[1]
        return lax.rev(flipped, (axis,))
    return lax.sort((a, iota), dimension=axis, is_stable=stable, num_keys=1)[1]


@jit
def sort_complex(a):
    """Returns `a` sorted along its last axis (by real, then imaginary part), as complex."""
    check_arraylike("jnp.sort_complex", a)
    out = sort(a, axis=-1)
    dtype = get_aval(out).dtype
    if not dtypes.is_complex(dtype):
        wide = to_inexact_dtype(dtype).itemsize == 8
        out = lax.convert_element_type(
            out, dtypes.canonicalize_dtype(np.complex128 if wide else np.complex64), False)
    return out


@functools.partial(jit, static_argnames=("axis",))
def lexsort(keys, axis=-1):
    """Returns the indices that sort by several keys along `axis`: the last key is the
    primary one, ties are broken by the one before, and so on (stable)."""
    if isinstance(keys, (list, tuple)):
        check_arraylike("jnp.lexsort", *keys)
        keys = [creation.asarray(k) for k in keys]
    else:
        check_arraylike("jnp.lexsort", keys)
        keys = list(shapes.unstack(creation.asarray(keys)))
    if not keys:
        raise TypeError("jnp.lexsort: need at least one key to sort by.")
    shape = shape_of(keys[0])
    if any(shape_of(k) != shape for k in keys):
        raise ValueError(f"jnp.lexsort: all keys need the same shape, got "
                         f"{[tuple(shape_of(k)) for k in keys]}.")
    if not shape:
        raise TypeError("jnp.lexsort: keys must have at least one dimension.")
    axis = _axis("lexsort", axis, len(shape))
    iota = lax.broadcasted_iota(dtypes.default_int_dtype(), shape, axis)
    return lax.sort((*keys[::-1], iota), dimension=axis, num_keys=len(keys))[-1]


# ---------------------------------------------------------------------------------------------
# partition and argpartition.

def _reverse_order(x):
    """Returns an order-reversing map of x (its own inverse): bitwise not for integers and
    booleans (no overflow, unsigned too), negation otherwise."""
    if dtypes.is_float(get_aval(x).dtype) or dtypes.is_complex(get_aval(x).dtype):
        return lax.neg(x)
    return lax.bitwise_not(x)


def _partition_parts(name, a, kth, axis):
    check_arraylike(f"jnp.{name}", a)
    a = creation.asarray(a)
    if get_aval(a).ndim == 0:
        raise TypeError(f"jnp.{name}: a must have at least one dimension.")
    axis = _axis(name, axis, get_aval(a).ndim)
    n = shape_of(a)[axis]
    kth = operator.index(kth)
    if not -n <= kth < n:
        raise ValueError(f"jnp.{name}: kth {kth} is out of bounds for an axis of size {n} "
                         f"(array shape {tuple(shape_of(a))}, axis {axis}).")
    kth %= n
    # top_k prefers earlier entries among equals. The bottom part takes the kth + 1 smallest
    # (earliest first among equals); the top part selects from the reversed array, so it
    # takes the latest among equals: the two index sets never overlap, even with ties.
    bottom, bottom_idx = lax.top_k(_reverse_order(a), kth + 1, axis=axis)
    top, top_idx = lax.top_k(lax.rev(a, (axis,)), n - kth - 1, axis=axis)
    top_idx = lax.sub(np.int32(n - 1), top_idx)
    return axis, (_reverse_order(bottom), top), (bottom_idx, top_idx)


@functools.partial(jit, static_argnames=("kth", "axis"))
def partition(a, kth, axis=-1):
    """Returns `a` rearranged along `axis` so that the element at `kth` is the one a sort
    would put there, smaller-or-equal elements come before it (ascending) and the rest
    after it (descending, as in JAX)."""
    axis, values, _ = _partition_parts("partition", a, kth, axis)
    return lax.concatenate(list(values), axis)


@functools.partial(jit, static_argnames=("kth", "axis"))
def argpartition(a, kth, axis=-1):
    """Returns the indices that would partition `a` along `axis` as `partition` does."""
    axis, _, indices = _partition_parts("argpartition", a, kth, axis)
    out = lax.concatenate(list(indices), axis)
    return lax.convert_element_type(out, dtypes.default_int_dtype(), False)


# ---------------------------------------------------------------------------------------------
# searchsorted.

def _less(x, y):
    """Returns x < y in sort order: NaN is larger than every number (and equal to NaN)."""
    if dtypes.is_float(get_aval(x).dtype) or dtypes.is_complex(get_aval(x).dtype):
        return ufuncs.logical_or(ufuncs.less(x, y), ufuncs.logical_and(
            ufuncs.isnan(y), ufuncs.logical_not(ufuncs.isnan(x))))
    return ufuncs.less(x, y)


def _goes_before(side):
    """Returns the test "an element of `a` goes before the query value" for `side`."""
    if side == "left":
        return _less
    return lambda elt, value: ufuncs.logical_not(_less(value, elt))


def _search_binary(a, v, before, unroll):
    """Bisection: ceil(log2(n + 1)) halvings of [lo, hi), vectorized over v."""
    n = shape_of(a)[0]
    index = np.dtype(np.int32)
    lo = creation.zeros(shape_of(v), index)
    hi = creation.full(shape_of(v), n, index)

    def step(_, bounds):
        lo, hi = bounds
        mid = lax.div(lax.add(lo, hi), np.int32(2))
        elt = lax.index_take(a, (lax.min(mid, np.int32(max(n - 1, 0))),), (0,))
        right = ufuncs.logical_and(lax.lt(lo, hi), before(elt, v))
        left = ufuncs.logical_and(lax.lt(lo, hi), ufuncs.logical_not(right))
        return (lax.select(right, lax.add(mid, np.int32(1)), lo), lax.select(left, mid, hi))

    steps = int(np.ceil(np.log2(n + 1)))
    if unroll:
        bounds = (lo, hi)
        for i in range(steps):
            bounds = step(i, bounds)
        return bounds[0]
    return lax.fori_loop(0, steps, step, (lo, hi))[0]


def _search_compare_all(a, v, before):
    """Counts the elements of `a` that go before each query: O(n) work per query."""
    flat_v = shapes.reshape(v, shape_of(v) + (1,))
    hits = before(a, flat_v)
    return reductions.sum(hits, axis=-1, dtype=np.int32)


def _search_sort(a, v, before, side):
    """One stable sort of a and v together: each query's position, less the queries before
    it, counts the elements of a before it."""
    flat_v = shapes.ravel(v)
    n, m = shape_of(a)[0], shape_of(flat_v)[0]
    values = lax.concatenate([a, flat_v], 0)
    # Queries sort before equal elements of `a` for side='left', after them for 'right'.
    is_query = np.concatenate([np.zeros(n, bool), np.ones(m, bool)])
    tie = np.int32(1) - is_query if side == "left" else is_query.astype(np.int32)
    ids = np.arange(n + m, dtype=np.int32)
    _, _, order = lax.sort((values, tie, ids), dimension=0, num_keys=2)
    from_a = lax.convert_element_type(lax.lt(order, np.int32(n)), np.int32)
    counts = lax.cumsum(from_a)
    _, placed = lax.sort((order, counts), dimension=0, num_keys=1)
    return shapes.reshape(lax.slice_in_dim(placed, n, n + m), shape_of(v))


_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
    """Returns the int32 indices at which the values `v` would be inserted into the sorted
    1-D `a` to keep it sorted: before equal elements for side='left', after them for
    'right'. `sorter` (indices that sort a) may be given instead of a sorted `a`. `method`:
    'scan' (bisection loop), 'scan_unrolled', 'sort' or 'compare_all'."""
    check_arraylike("jnp.searchsorted", a, v)
    if side not in ("left", "right"):
        raise ValueError(f"jnp.searchsorted: side must be 'left' or 'right', got {side!r}.")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"jnp.searchsorted: method must be one of {_SEARCH_METHODS}, got "
                         f"{method!r}.")
    a, v = creation.asarray(a), creation.asarray(v)
    if get_aval(a).ndim != 1:
        raise ValueError(f"jnp.searchsorted: a should be 1-dimensional, got shape "
                         f"{tuple(shape_of(a))}.")
    if sorter is not None:
        a = indexing_ops.take(a, sorter, mode="clip")
    a, v = promote_dtypes(a, v)
    if shape_of(a)[0] == 0:
        return creation.zeros(shape_of(v), np.int32)
    return _searchsorted(a, v, side, method)


@functools.partial(jit, static_argnames=("side", "method"))
def _searchsorted(a, v, side, method):
    before = _goes_before(side)
    if method == "compare_all":
        return _search_compare_all(a, v, before)
    if method == "sort":
        return _search_sort(a, v, before, side)
    return _search_binary(a, v, before, unroll=method == "scan_unrolled")


# ---------------------------------------------------------------------------------------------
# Quantiles.

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _reduced_last(a, axes):
    """Returns `a` with the reduced `axes` moved last and flattened into one axis."""
    ndim = get_aval(a).ndim
    kept = tuple(d for d in range(ndim) if d not in axes)
    a = lax.transpose(a, kept + axes) if kept + axes != tuple(range(ndim)) else a
    shape = shape_of(a)
    size = int(np.prod(shape[len(kept):], dtype=np.int64))
    return shapes.reshape(a, shape[:len(kept)] + (size,))


def _order_statistics(sorted_a, positions, method):
    """Returns the `method` interpolation between the order statistics around
    `positions` (fractional indices along the last axis of `sorted_a`)."""
    n = shape_of(sorted_a)[-1]

    def at(index):
        index = lax.clamp(np.int32(0), lax.convert_element_type(index, np.int32),
                          np.int32(n - 1))
        return indexing_ops.take_along_axis(sorted_a, index, axis=-1)
    low, high = lax.floor(positions), lax.ceil(positions)
    if method == "lower":
        return at(low)
    if method == "higher":
        return at(high)
    if method == "nearest":
        return at(lax.round(positions, lax.RoundingMethod.TO_NEAREST_EVEN))
    if method == "midpoint":
        return lax.mul(lax.add(at(low), at(high)), np.asarray(0.5, get_aval(sorted_a).dtype))
    below = at(low)
    return lax.add(below, lax.mul(lax.sub(at(high), below), lax.sub(positions, low)))


def _quantile(name, a, q, axis, method, keepdims, ignore_nans, out=None, weights=None):
    if out is not None:
        raise NotImplementedError(f"jnp.{name}: the 'out' argument is not supported; use "
                                  "the returned value.")
    if weights is not None:
        raise NotImplementedError(f"jnp.{name}: weights are not supported yet.")
    if method not in _METHODS:
        raise ValueError(f"jnp.{name}: method must be one of {_METHODS}, got {method!r}.")
    check_arraylike(f"jnp.{name}", a, q)
    a = creation.asarray(a)
    dtype = to_inexact_dtype(get_aval(a).dtype)
    a = lax.convert_element_type(a, dtype, False)
    q = lax.convert_element_type(creation.asarray(q), dtype, False)
    if get_aval(q).ndim > 1:
        raise ValueError(f"jnp.{name}: q must have rank <= 1, got shape "
                         f"{tuple(shape_of(q))}.")
    axes = reductions._canonicalize_axes(name, axis, get_aval(a).ndim)
    return _quantile_core(a, q, axes, method, bool(keepdims), ignore_nans)


@functools.partial(jit, static_argnames=("axes", "method", "keepdims", "ignore_nans"))
def _quantile_core(a, q, axes, method, keepdims, ignore_nans):
    shape, dtype = shape_of(a), get_aval(a).dtype
    flat = _reduced_last(a, axes)
    n = shape_of(flat)[-1]
    sorted_a = lax.sort(flat, dimension=len(shape_of(flat)) - 1)
    nans = ufuncs.isnan(flat)
    if ignore_nans:
        count = reductions.sum(ufuncs.logical_not(nans), axis=-1, keepdims=True, dtype=dtype)
    else:
        count = np.asarray(n, dtype)
    q_row = shapes.reshape(q, (1,) * (len(shape_of(flat)) - 1) + (-1,))
    positions = lax.mul(q_row, lax.sub(count, np.asarray(1, dtype)))
    positions = shapes.broadcast_to(positions, shape_of(flat)[:-1] + shape_of(q_row)[-1:])
    result = _order_statistics(sorted_a, positions, method)
    if not ignore_nans:
        any_nan = reductions.any(nans, axis=-1, keepdims=True)
        result = ufuncs.where(any_nan, np.asarray(np.nan, dtype), result)
    if keepdims:
        kept_shape = tuple(1 if d in axes else s for d, s in enumerate(shape))
        result = shapes.reshape(result, kept_shape + (-1,))
    result = shapes.moveaxis(result, -1, 0)
    return lax.squeeze(result, (0,)) if get_aval(q).ndim == 0 else result


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """Returns the `q`-th quantiles (q in [0, 1], a scalar or 1-D) of `a` over `axis`
    (all axes when None; an int or a tuple), interpolated by `method`: 'linear', 'lower',
    'higher', 'midpoint' or 'nearest'. A leading axis indexes 1-D q; NaN where a slice
    holds NaN."""
    return _quantile("quantile", a, q, axis, method, keepdims, False, out, weights)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """Returns the `q`-th percentiles (q in [0, 100]) of `a` over `axis`: quantile(a,
    q / 100, ...)."""
    return _quantile("percentile", a, _percent(q), axis, method, keepdims, False, out,
                     weights)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """Returns the median of `a` over `axis` (the mean of the two middle values for an even
    count); NaN where a slice holds NaN."""
    return _quantile("median", a, 0.5, axis, "midpoint", keepdims, False, out)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    """Returns quantile(a, q, ...) ignoring NaNs (NaN only for an all-NaN slice)."""
    return _quantile("nanquantile", a, q, axis, method, keepdims, True, out, weights)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    """Returns percentile(a, q, ...) ignoring NaNs (NaN only for an all-NaN slice)."""
    return _quantile("nanpercentile", a, _percent(q), axis, method, keepdims, True, out,
                     weights)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """Returns median(a, ...) ignoring NaNs (NaN only for an all-NaN slice)."""
    return _quantile("nanmedian", a, 0.5, axis, "midpoint", keepdims, True, out)


def _percent(q):
    check_arraylike("jnp.percentile", q)
    return ufuncs.true_divide(q, 100)
