"""Gather and scatter: XLA's general indexed reads and indexed updates.

`gather` reads one window of the operand per index vector; `scatter` and its combining
variants (`scatter-add`, `-sub`, `-mul`, `-min`, `-max`) write one window of updates per
index vector, combining with what is there. The dimension numbers are XLA's, with the index
vector always the last dimension of the indices, as in JAX; `operand_batching_dims` pair
operand dimensions with index dimensions elementwise (what vmap adds when both are batched).

Out-of-bounds windows follow `GatherScatterMode`: CLIP clamps the start so the window fits;
FILL_OR_DROP fills gathered windows with `fill_value` and drops scattered ones;
PROMISE_IN_BOUNDS leaves it to XLA, which clamps gathers and drops scatters.

Gather is linear in its operand: its transpose is a scatter-add of the cotangent into zeros,
and scatter-add's transpose (for the updates) is the matching gather, so reverse mode through
indexing is one gather or scatter each way. The scatter JVPs follow JAX's definitions: a plain
scatter with possibly repeated indices decides which update won by scattering update ids;
scatter-min/max share the tangent among tied winners.
"""
import enum
import functools
import math
import operator
from typing import NamedTuple

import numpy as np

from jaxlike import core, dtypes
from jaxlike.core import Primitive, ShapedArray, get_aval
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters.batching import not_mapped
from jaxlike.lax import elementwise as ew
from jaxlike.lax import structural as st

__all__ = [
    "GatherDimensionNumbers", "ScatterDimensionNumbers", "GatherScatterMode",
    "gather_p", "scatter_p", "scatter_add_p", "scatter_sub_p", "scatter_mul_p",
    "scatter_min_p", "scatter_max_p",
    "gather", "scatter", "scatter_add", "scatter_sub", "scatter_mul", "scatter_min",
    "scatter_max", "scatter_apply", "index_take",
]


class GatherDimensionNumbers(NamedTuple):
    """How the dimensions of a gather's operand, indices and output correspond (XLA's gather
    dimension numbers; the index vector is always the last dimension of the indices).

    offset_dims: output dimensions that hold the window dimensions kept from the operand.
    collapsed_slice_dims: operand dimensions of window size 1 dropped from the output.
    start_index_map: for each entry of an index vector, the operand dimension it starts.
    operand_batching_dims / start_indices_batching_dims: operand and index dimensions that
    are paired elementwise (each index row reads only its own operand slice)."""
    offset_dims: tuple
    collapsed_slice_dims: tuple
    start_index_map: tuple
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
    """How the dimensions of a scatter's operand, indices and updates correspond (XLA's
    scatter dimension numbers; the index vector is always the last dimension of the indices).

    update_window_dims: dimensions of `updates` that are window dimensions.
    inserted_window_dims: operand dimensions of window size 1 absent from the updates.
    scatter_dims_to_operand_dims: for each entry of an index vector, the operand dimension.
    operand_batching_dims / scatter_indices_batching_dims: operand and index dimensions
    paired elementwise."""
    update_window_dims: tuple
    inserted_window_dims: tuple
    scatter_dims_to_operand_dims: tuple
    operand_batching_dims: tuple = ()
    scatter_indices_batching_dims: tuple = ()


class GatherScatterMode(enum.Enum):
    """What a gather or scatter does with windows that do not fit in the operand.

    CLIP: clamp the start indices so that the window fits.
    FILL_OR_DROP: a gather returns `fill_value` for the whole window; a scatter skips it.
    PROMISE_IN_BOUNDS: the caller promises in-bounds indices (XLA clamps gathers and drops
    scatters; gradients assume the promise holds).
    ONE_HOT: accepted for compatibility; jaxlike does not implement it."""
    CLIP = enum.auto()
    FILL_OR_DROP = enum.auto()
    PROMISE_IN_BOUNDS = enum.auto()
    ONE_HOT = enum.auto()

    @staticmethod
    def from_any(s):
        """Returns the mode named by `s`: a GatherScatterMode, 'clip', 'fill' or 'drop' (or
        None: FILL_OR_DROP), 'promise_in_bounds' or 'one_hot'."""
        if isinstance(s, GatherScatterMode):
            return s
        named = {"clip": GatherScatterMode.CLIP, "fill": GatherScatterMode.FILL_OR_DROP,
                 "drop": GatherScatterMode.FILL_OR_DROP, None: GatherScatterMode.FILL_OR_DROP,
                 "promise_in_bounds": GatherScatterMode.PROMISE_IN_BOUNDS,
                 "one_hot": GatherScatterMode.ONE_HOT}
        try:
            return named[s]
        except (KeyError, TypeError):
            raise ValueError(f'Unknown gather mode "{s}"') from None


# ---------------------------------------------------------------------------------------------
# Argument checking shared by gather and scatter.

def _ints(fname, what, values):
    """Returns `values` as a tuple of Python ints, or raises TypeError naming them."""
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{fname}: {what} must be a sequence of integers, got "
                        f"{values!r}") from None


def _canonical_dnums(fname, dnums, cls):
    """Returns the dimension numbers as `cls` with tuple-of-int fields (hashable params)."""
    if not isinstance(dnums, tuple) or len(dnums) not in (3, 5):
        raise TypeError(f"{fname}: dimension_numbers must be a {cls.__name__}, got {dnums!r}")
    return cls(*(_ints(fname, field, v) for field, v in zip(cls._fields, dnums)))


def _check_dims(fname, what, dims, rank, sorted_=True):
    """Checks that `dims` are distinct dimensions in [0, rank) (in increasing order when
    `sorted_`); raises TypeError naming the function and the dimension numbers."""
    if any(not 0 <= d < rank for d in dims):
        raise TypeError(f"{fname}: {what} {dims} must be in the range [0, {rank})")
    if len(set(dims)) != len(dims):
        raise TypeError(f"{fname}: {what} {dims} must not repeat a dimension")
    if sorted_ and list(dims) != sorted(dims):
        raise TypeError(f"{fname}: {what} {dims} must be sorted")


def _check_indices(fname, indices):
    if not dtypes.is_int(indices.dtype):
        raise TypeError(f"{fname}: indices must have an integer dtype, got "
                        f"{indices.dtype.name} (shape {indices.shape})")
    if indices.ndim < 1:
        raise TypeError(f"{fname}: indices must have rank at least 1 (the last dimension "
                        f"holds the index vectors), got shape {indices.shape}")


def _check_batching(fname, operand, indices, operand_dims, index_dims, index_what):
    """Checks the paired batching dimensions of operand and indices."""
    _check_dims(fname, "operand_batching_dims", operand_dims, operand.ndim)
    _check_dims(fname, index_what, index_dims, indices.ndim - 1, sorted_=False)
    if len(operand_dims) != len(index_dims):
        raise TypeError(f"{fname}: operand_batching_dims {operand_dims} and {index_what} "
                        f"{index_dims} must have the same length")
    for o, i in zip(operand_dims, index_dims):
        if operand.shape[o] != indices.shape[i]:
            raise TypeError(f"{fname}: operand batching dimension {o} (size {operand.shape[o]}) "
                            f"and {index_what} dimension {i} (size {indices.shape[i]}) of "
                            f"indices shape {indices.shape} must have the same size")


def _window_operand_dims(ndim, dropped, batching_dims):
    """Returns the operand dimensions that are window dimensions of the output/updates."""
    return [d for d in range(ndim) if d not in dropped and d not in batching_dims]


# ---------------------------------------------------------------------------------------------
# gather

gather_p = Primitive("gather")


@gather_p.def_abstract_eval
def _gather_aval(operand, indices, *, dimension_numbers, slice_sizes, indices_are_sorted,
                 unique_indices, mode, fill_value):
    fname, dn = "gather", dimension_numbers
    _check_indices(fname, indices)
    batch_shape = indices.shape[:-1]
    out_rank = len(dn.offset_dims) + len(batch_shape)
    _check_dims(fname, "offset_dims", dn.offset_dims, out_rank)
    _check_dims(fname, "collapsed_slice_dims", dn.collapsed_slice_dims, operand.ndim)
    _check_dims(fname, "start_index_map", dn.start_index_map, operand.ndim, sorted_=False)
    _check_batching(fname, operand, indices, dn.operand_batching_dims,
                    dn.start_indices_batching_dims, "start_indices_batching_dims")
    if set(dn.collapsed_slice_dims) & set(dn.operand_batching_dims):
        raise TypeError(f"{fname}: collapsed_slice_dims {dn.collapsed_slice_dims} and "
                        f"operand_batching_dims {dn.operand_batching_dims} must be disjoint")
    if set(dn.start_index_map) & set(dn.operand_batching_dims):
        raise TypeError(f"{fname}: start_index_map {dn.start_index_map} and "
                        f"operand_batching_dims {dn.operand_batching_dims} must be disjoint")
    if len(dn.start_index_map) != indices.shape[-1]:
        raise TypeError(f"{fname}: start_index_map {dn.start_index_map} must have one entry "
                        f"per index vector element; indices shape is {indices.shape}")
    if len(slice_sizes) != operand.ndim:
        raise TypeError(f"{fname}: slice_sizes {slice_sizes} must have one entry per "
                        f"dimension of operand shape {operand.shape}")
    if any(not 0 <= s <= n for s, n in zip(slice_sizes, operand.shape)):
        raise TypeError(f"{fname}: slice_sizes {slice_sizes} must be nonnegative and at most "
                        f"operand shape {operand.shape}")
    for d in dn.collapsed_slice_dims + dn.operand_batching_dims:
        if slice_sizes[d] > 1:
            raise TypeError(f"{fname}: slice_sizes[{d}] is {slice_sizes[d]}, but collapsed "
                            "and batching dimensions must have slice size at most 1")
    window = _window_operand_dims(operand.ndim, dn.collapsed_slice_dims,
                                  dn.operand_batching_dims)
    if len(window) != len(dn.offset_dims):
        raise TypeError(f"{fname}: offset_dims {dn.offset_dims} must have one entry per "
                        f"operand dimension not collapsed or batched ({len(window)}), for "
                        f"operand shape {operand.shape}")
    offsets = iter(slice_sizes[d] for d in window)
    batches = iter(batch_shape)
    shape = tuple(next(offsets) if i in dn.offset_dims else next(batches)
                  for i in range(out_rank))
    return ShapedArray(shape, operand.dtype, operand.weak_type)


def _scatter_dnums_for(dn):
    """Returns the scatter dimension numbers that write back what a gather with `dn` read."""
    return ScatterDimensionNumbers(
        update_window_dims=dn.offset_dims, inserted_window_dims=dn.collapsed_slice_dims,
        scatter_dims_to_operand_dims=dn.start_index_map,
        operand_batching_dims=dn.operand_batching_dims,
        scatter_indices_batching_dims=dn.start_indices_batching_dims)


def _gather_for(dn, operand_shape, updates_shape):
    """Returns (gather dimension numbers, slice sizes) of the gather that reads back the
    windows a scatter with `dn` writes."""
    gdn = GatherDimensionNumbers(
        offset_dims=dn.update_window_dims, collapsed_slice_dims=dn.inserted_window_dims,
        start_index_map=dn.scatter_dims_to_operand_dims,
        operand_batching_dims=dn.operand_batching_dims,
        start_indices_batching_dims=dn.scatter_indices_batching_dims)
    sizes = [1] * len(operand_shape)
    window = _window_operand_dims(len(operand_shape), dn.inserted_window_dims,
                                  dn.operand_batching_dims)
    for d, u in zip(window, dn.update_window_dims):
        sizes[d] = updates_shape[u]
    return gdn, tuple(sizes)


def _gather_jvp(t, operand, indices, *, dimension_numbers, slice_sizes, indices_are_sorted,
                unique_indices, mode, fill_value):
    # Linear in the operand; filled (out-of-bounds) windows are constants: tangent 0.
    return gather(t, indices, dimension_numbers, slice_sizes,
                  indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                  mode=mode, fill_value=0)


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes,
                      indices_are_sorted, unique_indices, mode, fill_value):
    # Every gathered element's cotangent flows back to where it was read; elements read
    # several times accumulate.
    zeros = ad.zeros_like_aval(operand.aval)
    return [scatter_add(zeros, indices, ct, _scatter_dnums_for(dimension_numbers),
                        indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                        mode=mode), None]


ad.defjvp(gather_p, _gather_jvp)
ad.primitive_transposes[gather_p] = _gather_transpose


def _plus1(dims):
    return tuple(d + 1 for d in dims)


def _gather_batch(vals, dims, *, dimension_numbers, slice_sizes, **params):
    # The batch axis moves to the front of whichever operands carry it. Operand only: it is
    # one more window dimension (output dim 0). Indices only: one more batch dimension of
    # the indices (also output dim 0). Both: a pair of batching dimensions.
    (operand, indices), (op_dim, idx_dim) = vals, dims
    dn = dimension_numbers
    if idx_dim is not_mapped:
        operand = batching.moveaxis(operand, op_dim, 0)
        dn = GatherDimensionNumbers(
            (0,) + _plus1(dn.offset_dims), _plus1(dn.collapsed_slice_dims),
            _plus1(dn.start_index_map), _plus1(dn.operand_batching_dims),
            dn.start_indices_batching_dims)
        sizes = (get_aval(operand).shape[0],) + slice_sizes
    elif op_dim is not_mapped:
        indices = batching.moveaxis(indices, idx_dim, 0)
        dn = dn._replace(offset_dims=_plus1(dn.offset_dims),
                         start_indices_batching_dims=_plus1(dn.start_indices_batching_dims))
        sizes = slice_sizes
        # Different examples may read the same element: the promises no longer hold.
        params = dict(params, indices_are_sorted=False, unique_indices=False)
    else:
        operand = batching.moveaxis(operand, op_dim, 0)
        indices = batching.moveaxis(indices, idx_dim, 0)
        dn = GatherDimensionNumbers(
            _plus1(dn.offset_dims), _plus1(dn.collapsed_slice_dims), _plus1(dn.start_index_map),
            (0,) + _plus1(dn.operand_batching_dims),
            (0,) + _plus1(dn.start_indices_batching_dims))
        sizes = (min(1, get_aval(operand).shape[0]),) + slice_sizes
    return gather_p.bind(operand, indices, dimension_numbers=dn, slice_sizes=sizes,
                         **params), 0


batching.primitive_batchers[gather_p] = _gather_batch


def _default_fill_value(dtype):
    """Returns JAX's fill value for out-of-bounds gathers: NaN for inexact dtypes, the
    minimum of signed integers, the maximum of unsigned ones, True for bool."""
    if dtypes.is_float(dtype) or dtypes.is_complex(dtype):
        return np.nan  # the singleton, so that eager caches keyed by params hit
    if dtypes.is_unsigned(dtype):
        return int(np.iinfo(dtype).max)
    if dtypes.is_int(dtype):
        return int(np.iinfo(dtype).min)
    if np.dtype(dtype) == np.bool_:
        return True
    raise ValueError(f"Unsupported dtype for gather fill_value {np.dtype(dtype).name}")


def _check_mode(fname, mode):
    if mode is GatherScatterMode.ONE_HOT:
        raise NotImplementedError(f"{fname}: mode ONE_HOT is not implemented in jaxlike; use "
                                  "'clip', 'fill' or 'promise_in_bounds'")
    return mode


def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):
    """Returns the windows of `operand` of size `slice_sizes` that start at the index vectors
    in `start_indices` (its last dimension), laid out as `dimension_numbers` (a
    GatherDimensionNumbers) says. `mode` (default PROMISE_IN_BOUNDS) says what out-of-bounds
    windows give; with 'fill', `fill_value` (default NaN, the integer minimum for signed
    ints, the maximum for unsigned ones, True for bool)."""
    dn = _canonical_dnums("gather", dimension_numbers, GatherDimensionNumbers)
    parsed = _check_mode("gather", GatherScatterMode.from_any(
        GatherScatterMode.PROMISE_IN_BOUNDS if mode is None else mode))
    if parsed is GatherScatterMode.FILL_OR_DROP:
        if fill_value is None:
            fill_value = _default_fill_value(get_aval(operand).dtype)
        elif not isinstance(fill_value, (bool, int, float, complex)):
            fill_value = np.asarray(fill_value).item()  # a static, hashable param
    else:
        fill_value = None
    return gather_p.bind(operand, start_indices, dimension_numbers=dn,
                         slice_sizes=_ints("gather", "slice_sizes", slice_sizes),
                         indices_are_sorted=bool(indices_are_sorted),
                         unique_indices=bool(unique_indices), mode=parsed,
                         fill_value=fill_value)


def index_take(src, idxs, axes):
    """Returns src[idxs[0], idxs[1], ...] along `axes`: the rows of integer arrays `idxs`
    (all of one shape) pick elements along those axes, the other axes are kept whole."""
    idxs = [ew.convert_element_type(i, np.int32) for i in idxs]
    shape = get_aval(src).shape
    rank = get_aval(idxs[0]).ndim
    indices = st.concatenate([st.expand_dims(i, (rank,)) for i in idxs], rank)
    axes = tuple(operator.index(a) for a in axes)
    offset = tuple(d for d in range(len(shape)) if d not in axes)
    batch = get_aval(indices).ndim - 1
    dn = GatherDimensionNumbers(offset_dims=tuple(range(batch, batch + len(offset))),
                                collapsed_slice_dims=tuple(sorted(axes)), start_index_map=axes)
    sizes = tuple(1 if d in axes else n for d, n in enumerate(shape))
    return gather(src, indices, dn, sizes)


# ---------------------------------------------------------------------------------------------
# The scatter family: one abstract evaluation and batching rule for all.

def _scatter_aval(operand, indices, updates, *, dimension_numbers, indices_are_sorted,
                  unique_indices, mode, update_jaxpr, update_consts, fname):
    dn = dimension_numbers
    _check_indices(fname, indices)
    if updates.dtype != operand.dtype:
        raise TypeError(f"{fname}: operand and updates must have the same dtype, got "
                        f"{operand.dtype.name} and {updates.dtype.name}")
    _check_dims(fname, "update_window_dims", dn.update_window_dims, updates.ndim)
    _check_dims(fname, "inserted_window_dims", dn.inserted_window_dims, operand.ndim)
    _check_dims(fname, "scatter_dims_to_operand_dims", dn.scatter_dims_to_operand_dims,
                operand.ndim, sorted_=False)
    _check_batching(fname, operand, indices, dn.operand_batching_dims,
                    dn.scatter_indices_batching_dims, "scatter_indices_batching_dims")
    if len(dn.scatter_dims_to_operand_dims) != indices.shape[-1]:
        raise TypeError(f"{fname}: scatter_dims_to_operand_dims "
                        f"{dn.scatter_dims_to_operand_dims} must have one entry per index "
                        f"vector element; indices shape is {indices.shape}")
    window = _window_operand_dims(operand.ndim, dn.inserted_window_dims,
                                  dn.operand_batching_dims)
    if (set(dn.inserted_window_dims) & set(dn.operand_batching_dims) or
            len(window) != len(dn.update_window_dims)):
        raise TypeError(f"{fname}: update_window_dims {dn.update_window_dims}, "
                        f"inserted_window_dims {dn.inserted_window_dims} and "
                        f"operand_batching_dims {dn.operand_batching_dims} must account for "
                        f"each dimension of operand shape {operand.shape} exactly once")
    scatter_shape = tuple(n for i, n in enumerate(updates.shape)
                          if i not in dn.update_window_dims)
    if scatter_shape != indices.shape[:-1]:
        raise TypeError(f"{fname}: the non-window dimensions of updates shape "
                        f"{updates.shape} must equal the batch dimensions of indices shape "
                        f"{indices.shape}, got {scatter_shape} and {indices.shape[:-1]}")
    for d, u in zip(window, dn.update_window_dims):
        if updates.shape[u] > operand.shape[d]:
            raise TypeError(f"{fname}: window dimension {u} of updates shape {updates.shape} "
                            f"is larger than dimension {d} of operand shape {operand.shape}")
    return operand


def _scatter_batch(prim, vals, dims, *, dimension_numbers, **params):
    # Operand and updates get the batch axis in front (broadcast when unbatched). With
    # unbatched indices it is one more window dimension; with batched indices, a pair of
    # batching dimensions (indices') and one more scatter dimension (updates').
    (operand, indices, updates), (op_dim, idx_dim, up_dim) = vals, dims
    size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not not_mapped)
    operand = batching.bdim_at_front(operand, op_dim, size)
    updates = batching.bdim_at_front(updates, up_dim, size)
    dn = dimension_numbers
    if idx_dim is not_mapped:
        dn = ScatterDimensionNumbers(
            (0,) + _plus1(dn.update_window_dims), _plus1(dn.inserted_window_dims),
            _plus1(dn.scatter_dims_to_operand_dims), _plus1(dn.operand_batching_dims),
            dn.scatter_indices_batching_dims)
    else:
        indices = batching.moveaxis(indices, idx_dim, 0)
        dn = ScatterDimensionNumbers(
            _plus1(dn.update_window_dims), _plus1(dn.inserted_window_dims),
            _plus1(dn.scatter_dims_to_operand_dims), (0,) + _plus1(dn.operand_batching_dims),
            (0,) + _plus1(dn.scatter_indices_batching_dims))
    return prim.bind(operand, indices, updates, dimension_numbers=dn, **params), 0


def _scatter_primitive(name):
    prim = Primitive(name)
    prim.def_abstract_eval(functools.partial(_scatter_aval, fname=name.replace("-", "_")))
    batching.primitive_batchers[prim] = functools.partial(_scatter_batch, prim)
    return prim


scatter_p = _scatter_primitive("scatter")
scatter_add_p = _scatter_primitive("scatter-add")
scatter_sub_p = _scatter_primitive("scatter-sub")
scatter_mul_p = _scatter_primitive("scatter-mul")
scatter_min_p = _scatter_primitive("scatter-min")
scatter_max_p = _scatter_primitive("scatter-max")


@functools.lru_cache(maxsize=None)
def _combiner_jaxpr(combine, dtype):
    """Returns the jaxpr of `combine(x, y)` on scalars of `dtype` (the update_jaxpr param,
    which the lowering emits as the scatter's combining region). Cached: one jaxpr object
    per (function, dtype) keeps eager caches keyed by params hitting."""
    from jaxlike.interpreters import partial_eval as pe
    aval = ShapedArray((), dtype)
    with core.set_current_trace(core.eval_trace):
        closed = pe.trace_to_jaxpr(lambda x, y: [combine(x, y)], [aval, aval])
    return closed.jaxpr, tuple(closed.consts)


def _bind_scatter(prim, fname, operand, indices, updates, dimension_numbers, combine,
                  indices_are_sorted, unique_indices, mode):
    dn = _canonical_dnums(fname, dimension_numbers, ScatterDimensionNumbers)
    if combine is None:
        jaxpr, consts = None, ()
    else:
        jaxpr, consts = _combiner_jaxpr(combine, get_aval(operand).dtype)
    return prim.bind(operand, indices, updates, dimension_numbers=dn,
                     indices_are_sorted=bool(indices_are_sorted),
                     unique_indices=bool(unique_indices),
                     mode=_check_mode(fname, GatherScatterMode.from_any(mode)),
                     update_jaxpr=jaxpr, update_consts=consts)


def _scatter_fn(prim, fname, combine, what):
    def fn(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
           unique_indices=False, mode=None):
        return _bind_scatter(prim, fname, operand, scatter_indices, updates,
                             dimension_numbers, combine, indices_are_sorted, unique_indices,
                             mode)
    fn.__name__ = fn.__qualname__ = fname
    fn.__doc__ = (
        f"Returns `operand` with each window of `updates` {what} at the index vectors of "
        "`scatter_indices` (their last dimension), laid out as `dimension_numbers` (a "
        "ScatterDimensionNumbers) says. `mode` (default FILL_OR_DROP: out-of-bounds windows "
        "are skipped) may also be 'clip' or 'promise_in_bounds'.")
    return fn


scatter = _scatter_fn(scatter_p, "scatter", None,
                      "written (where indices repeat, one of the updates wins)")
scatter_add = _scatter_fn(scatter_add_p, "scatter_add", ew.add, "added")
scatter_sub = _scatter_fn(scatter_sub_p, "scatter_sub", ew.sub, "subtracted")
scatter_mul = _scatter_fn(scatter_mul_p, "scatter_mul", ew.mul, "multiplied in")
scatter_min = _scatter_fn(scatter_min_p, "scatter_min", ew.min, "combined by minimum")
scatter_max = _scatter_fn(scatter_max_p, "scatter_max", ew.max, "combined by maximum")


def scatter_apply(operand, scatter_indices, func, dimension_numbers, *, update_shape=(),
                  indices_are_sorted=False, unique_indices=False, mode=None):
    """Returns `operand` with `func` (a unary elementwise function) applied to the elements
    of the windows (of shape `update_shape`) at `scatter_indices`; a window hit twice gets
    `func` twice. Not differentiable, as in JAX."""
    dtype = get_aval(operand).dtype
    unused = st.broadcast_in_dim(np.zeros((), dtype), tuple(update_shape), ())
    return _bind_scatter(scatter_p, "scatter_apply", operand, scatter_indices, unused,
                         dimension_numbers, _applier(func), indices_are_sorted,
                         unique_indices, mode)


@functools.lru_cache(maxsize=256)
def _applier(func):
    # One combining function object per `func`, so _combiner_jaxpr's cache hits.
    return lambda x, _: func(x)


# ---------------------------------------------------------------------------------------------
# Scatter derivatives.

def _no_tangent(tangents):
    """Returns True when neither the operand nor the updates have a tangent."""
    return type(tangents[0]) is ad.Zero and type(tangents[2]) is ad.Zero


def _zero_tangent(out):
    return ad.Zero(ad.tangent_aval(get_aval(out)))


def _scatter_additive_jvp(prim, primals, tangents, **params):
    # scatter-add and scatter-sub are linear in operand and updates jointly.
    operand, indices, updates = primals
    out = prim.bind(operand, indices, updates, **params)
    if _no_tangent(tangents):
        return out, _zero_tangent(out)
    t_op, t_up = ad.instantiate_zeros(tangents[0]), ad.instantiate_zeros(tangents[2])
    return out, prim.bind(t_op, indices, t_up, **params)


def _read_back(ct, indices, updates_aval, dimension_numbers, mode, **flags):
    """Returns the gather of `ct` at the windows a scatter wrote (0 for dropped windows)."""
    gdn, sizes = _gather_for(dimension_numbers, get_aval(ct).shape, updates_aval.shape)
    return gather(ct, indices, gdn, sizes, mode=mode, fill_value=0, **flags)


def _scatter_additive_transpose(negate, ct, operand, indices, updates, *, dimension_numbers,
                                indices_are_sorted, unique_indices, mode, **_):
    ct_op = ct if ad.is_undefined_primal(operand) else None
    ct_up = None
    if ad.is_undefined_primal(updates):
        ct_up = _read_back(ct, indices, updates.aval, dimension_numbers, mode,
                           indices_are_sorted=indices_are_sorted,
                           unique_indices=unique_indices)
        ct_up = ew.neg(ct_up) if negate else ct_up
    return [ct_op, None, ct_up]


for _prim, _negate in ((scatter_add_p, False), (scatter_sub_p, True)):
    ad.primitive_jvps[_prim] = functools.partial(_scatter_additive_jvp, _prim)
    ad.primitive_transposes[_prim] = functools.partial(_scatter_additive_transpose, _negate)


def _require_unique(fname, unique_indices):
    if not unique_indices:
        raise NotImplementedError(f"{fname} gradients are only implemented if "
                                  "`unique_indices=True`")


def _scatter_mul_jvp_updates(t, operand, indices, updates, **params):
    # out = operand * updates at the (distinct) indices: d out = operand * d updates there.
    _require_unique("scatter_mul", params["unique_indices"])
    placed = scatter_add_p.bind(ad.zeros_like_aval(get_aval(operand)), indices, t,
                                **_with_combiner(params, ew.add, operand))
    return ew.mul(operand, placed)


def _with_combiner(params, combine, like):
    jaxpr, consts = _combiner_jaxpr(combine, get_aval(like).dtype)
    return dict(params, update_jaxpr=jaxpr, update_consts=consts)


def _scatter_mul_transpose(ct, operand, indices, updates, **params):
    # Linear in the operand for fixed updates, and in the updates for a fixed operand.
    ct_op = ct_up = None
    if ad.is_undefined_primal(operand):
        ct_op = scatter_mul_p.bind(ct, indices, updates, **params)
    if ad.is_undefined_primal(updates):
        _require_unique("scatter_mul", params["unique_indices"])
        ct_up = _read_back(ew.mul(ct, operand), indices, updates.aval,
                           params["dimension_numbers"], params["mode"])
    return [ct_op, None, ct_up]


ad.defjvp(scatter_mul_p,
          lambda t, operand, indices, updates, **p: scatter_mul_p.bind(t, indices, updates, **p),
          None, _scatter_mul_jvp_updates)
ad.primitive_transposes[scatter_mul_p] = _scatter_mul_transpose


def _count_hits(operand, indices, hits, dn, gdn, sizes, **flags):
    """Returns, per update element, how many elements of `hits` (a float mask of the
    updates) landed on the operand element it targets."""
    total = scatter_add(ad.zeros_like_aval(get_aval(operand)), indices, hits, dn, **flags)
    return gather(total, indices, gdn, sizes)


def _scatter_extremal_jvp(prim, primals, tangents, **params):
    # The result at each element equals the operand's value or some updates' values; the
    # tangent is the average of the tangents of all those that tie for the result.
    operand, indices, updates = primals
    out = prim.bind(operand, indices, updates, **params)
    if _no_tangent(tangents):
        return out, _zero_tangent(out)
    t_op, t_up = ad.instantiate_zeros(tangents[0]), ad.instantiate_zeros(tangents[2])
    dn = params["dimension_numbers"]
    gdn, sizes = _gather_for(dn, get_aval(operand).shape, get_aval(updates).shape)
    initial, target = (gather(v, indices, gdn, sizes) for v in (operand, out))
    won, kept = ew.eq(updates, target), ew.eq(initial, target)
    ones = ew._broadcast_to(ew._const(updates, 1), get_aval(updates).shape)
    zeros = ew._zeros(updates)
    winners = _count_hits(operand, indices, ew.select(won, ones, zeros), dn, gdn, sizes)
    refs = _count_hits(operand, indices, ones, dn, gdn, sizes)
    # Tied winners (plus the operand's value if it also equals the result) share equally.
    share = ew.div(ones, ew.add(winners, ew.select(kept, ones, zeros)))
    up_coef = ew.select(won, share, zeros)
    # Each of the `refs` updates at an element removes a 1/refs part of the operand's
    # tangent there and puts back its own share if the operand's value is kept.
    op_coef = ew.div(ew.sub(ew.select(kept, share, zeros), ones), refs)
    flags = {k: params[k] for k in ("indices_are_sorted", "unique_indices", "mode")}
    delta = ew.add(ew.mul(gather(t_op, indices, gdn, sizes), op_coef), ew.mul(t_up, up_coef))
    return out, scatter_add(t_op, indices, delta, dn, **flags)


for _prim in (scatter_min_p, scatter_max_p):
    ad.primitive_jvps[_prim] = functools.partial(_scatter_extremal_jvp, _prim)


def _update_ids(updates, dn):
    """Returns positive int32 ids, one per scatter position of `updates` (shared by the
    elements of its window), broadcast to the shape of `updates`."""
    shape = get_aval(updates).shape
    scatter_dims = tuple(i for i in range(len(shape)) if i not in dn.update_window_dims)
    scatter_shape = tuple(shape[i] for i in scatter_dims)
    ids = st.reshape(st.iota(np.int32, math.prod(scatter_shape)), scatter_shape)
    ids = ew.add(ids, np.ones((), np.int32))
    return st.broadcast_in_dim(ids, shape, scatter_dims)


def _scatter_jvp(primals, tangents, *, update_jaxpr, update_consts, **params):
    if update_jaxpr is not None:
        raise NotImplementedError("scatter_apply JVP not implemented")
    operand, indices, updates = primals
    full = dict(params, update_jaxpr=None, update_consts=())
    if _no_tangent(tangents):
        out = scatter_p.bind(operand, indices, updates, **full)
        return out, _zero_tangent(out)
    t_op, t_up = ad.instantiate_zeros(tangents[0]), ad.instantiate_zeros(tangents[2])
    if params["unique_indices"]:
        return (scatter_p.bind(operand, indices, updates, **full),
                scatter_p.bind(t_op, indices, t_up, **full))
    # Repeated indices: which update wins is up to XLA. Scatter the updates' ids to learn
    # it, keep only the winners (and the operand where nothing landed), then scatter-add
    # them, for the primal and tangent alike, so both agree and only scatter-add (which has
    # a transpose) touches tangents.
    dn = params["dimension_numbers"]
    ids = _update_ids(updates, dn)
    id_params = dict(full, update_jaxpr=None)
    landed = scatter_p.bind(st.broadcast_in_dim(np.zeros((), np.int32),
                                                get_aval(operand).shape, ()),
                            indices, ids, **id_params)
    gdn, sizes = _gather_for(dn, get_aval(operand).shape, get_aval(updates).shape)
    winner = ew.eq(ids, gather(landed, indices, gdn, sizes))
    untouched = ew.eq(landed, np.zeros((), np.int32))
    add_params = _with_combiner(full, ew.add, operand)

    def combine(op, up):
        return scatter_add_p.bind(ew.select(untouched, op, ew._zeros(op)), indices,
                                  ew.select(winner, up, ew._zeros(up)), **add_params)
    return combine(operand, updates), combine(t_op, t_up)


def _scatter_transpose(ct, operand, indices, updates, *, update_jaxpr, update_consts,
                       **params):
    # Only the unique-indices JVP leaves `scatter` in a tangent program.
    if not params["unique_indices"]:
        raise NotImplementedError("scatter transpose is only implemented where "
                                  "unique_indices=True")
    ct_op = ct_up = None
    if ad.is_undefined_primal(operand):
        # The operand's elements survive only outside the written windows.
        up_aval = updates.aval if ad.is_undefined_primal(updates) else get_aval(updates)
        zeros = ad.zeros_like_aval(up_aval.update(dtype=get_aval(ct).dtype))
        ct_op = scatter_p.bind(ct, indices, zeros, update_jaxpr=None, update_consts=(),
                               **params)
    if ad.is_undefined_primal(updates):
        ct_up = _read_back(ct, indices, updates.aval, params["dimension_numbers"],
                           params["mode"])
    return [ct_op, None, ct_up]


ad.primitive_jvps[scatter_p] = _scatter_jvp
ad.primitive_transposes[scatter_p] = _scatter_transpose
