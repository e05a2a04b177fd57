"""NumPy indexing (`x[idx]`) and indexed updates (`x.at[idx].set(y)` and friends).

Basic indices (integers, slices with any step, None, Ellipsis, scalar booleans, traced
integer scalars) become at most five lax ops, in this order: `slice` (all static slices and
integer positions at once), `rev` (negative steps), `dynamic_slice` (traced integers;
unit-step slices then ride along in it instead of a `slice`), `squeeze` (integer positions)
and `broadcast_in_dim` (new axes from None / True / False). On concrete arrays, integer
positions are applied with `dynamic_slice`, so that a Python loop `x[i]` over i compiles one
program, not one per i.

Advanced indices (integer arrays, and boolean masks, which must be concrete and become
their `nonzero` integer arrays) make the whole index one `lax.gather` (see `_plan`), with
numpy's placement of the advanced dimensions: where the advanced indices are when they are
adjacent, else first. Indexed updates are the matching scatter.

Out-of-range positions follow JAX, not numpy: reads clamp them into range (integer positions
are clamped, gathers use PROMISE_IN_BOUNDS, which XLA clamps); updates drop them
(FILL_OR_DROP). Negative positions count from the end once, as in Python.
"""
import operator

import numpy as np

from jaxlike import dtypes, errors, lax
from jaxlike.array import ArrayImpl
from jaxlike.core import Tracer, get_aval
from jaxlike.numpy._util import shape_of
from jaxlike.numpy.shapes import _insert_unit_axes

__all__ = ["newaxis"]

newaxis = None  # x[jnp.newaxis] inserts a length-one axis

_SLICE, _INT, _DYNAMIC, _NEWAXIS, _BOOL = "slice", "int", "dynamic", "newaxis", "bool"
_ARRAY, _MASK = "array", "mask"  # integer and boolean arrays of rank >= 1
_ADVANCED = (_ARRAY, _INT, _DYNAMIC, _BOOL)  # the kinds numpy groups as advanced indices
_GAP = "gap"  # an Ellipsis standing for no axis: it still separates scalar booleans and ints


def getitem(x, idx):
    """Returns x[idx] for any numpy index: ints (negative ones count from the end;
    out-of-range ones are clamped, as in JAX), slices, None, Ellipsis, scalar booleans,
    traced integer scalars, integer arrays and concrete boolean masks."""
    x_shape = shape_of(x)
    entries = _parse(idx, x_shape)
    if any(k == _ARRAY for k, _ in entries):
        return gather_index(x, entries)
    concrete = type(x) is ArrayImpl
    # On concrete arrays static integers go through dynamic_slice too (see module doc).
    if concrete:
        entries = [(_DYNAMIC, v) if k == _INT else (k, v) for k, v in entries]
    if _foldable(entries, x_shape):
        # Unit-step slices ride along in the dynamic_slice: one op instead of two.
        out = _dynamic_slice(x, entries, fold_slices=True)
    else:
        out = _dynamic_slice(_static_slice(x, x_shape, entries), entries, fold_slices=False)
    out = _squeeze_positions(out, entries)
    return _insert_new_axes(out, entries)


# ---------------------------------------------------------------------------------------------
# Parsing: each index element becomes (kind, value).


def _classify_all(idx):
    if isinstance(idx, list):
        raise TypeError("Using a non-tuple sequence for multidimensional indexing is not "
                        "allowed; use `arr[tuple(seq)]` for a tuple of indices, or "
                        "`arr[jnp.array(seq)]` for an array index.")
    elements = idx if isinstance(idx, tuple) else (idx,)
    return [_classify(e) for e in elements]


def _classify(e):
    if e is None:
        return (_NEWAXIS, 1)
    if e is Ellipsis:
        return (Ellipsis, None)
    if isinstance(e, slice):
        return (_SLICE, tuple(_slice_bound(v) for v in (e.start, e.stop, e.step)))
    if isinstance(e, (bool, np.bool_)):
        return (_BOOL, bool(e))
    if isinstance(e, (int, np.integer)):
        return (_INT, int(e))
    if isinstance(e, str):
        raise TypeError(f"jaxlike does not support string indexing; got idx={e!r}")
    if isinstance(e, (float, complex, np.floating, np.complexfloating)):
        raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                        f"{np.asarray(e).dtype.name}")
    if isinstance(e, (np.ndarray, ArrayImpl, Tracer, list, tuple)):
        return _classify_array(e)
    raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and "
                     f"integer or boolean arrays are valid indices. Got {e!r}")


def _classify_array(e):
    if isinstance(e, (list, tuple)):
        e = _sequence_index(e)
    dtype = getattr(e, "dtype", np.dtype(np.int32))
    if not (np.issubdtype(dtype, np.integer) or dtype == np.bool_):
        raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                        f"{np.dtype(dtype).name}")
    if np.ndim(e) != 0:
        return (_MASK if dtype == np.bool_ else _ARRAY, e)
    if isinstance(e, Tracer):
        if dtype == np.bool_:
            raise errors.NonConcreteBooleanIndexError(e.aval.str_short())
        return (_DYNAMIC, e)
    value = np.asarray(e).item()
    return (_BOOL, value) if dtype == np.bool_ else (_INT, int(value))


def _sequence_index(e):
    """Returns a list or tuple inside a tuple index as an array, as numpy reads it (an
    empty one indexes nothing: an int array of size 0)."""
    if not e:
        return np.zeros((0,), np.int32)
    if any(isinstance(v, Tracer) for v in e):
        from jaxlike.numpy.creation import asarray
        return asarray(e)
    return np.asarray(e)


def _slice_bound(v):
    if v is None:
        return None
    if isinstance(v, Tracer):
        raise IndexError(f"Array slice indices must have static start/stop/step to be used "
                         f"with NumPy indexing syntax; found a traced bound {v!r}. Use "
                         "lax.dynamic_slice for slices starting at a traced position.")
    return operator.index(v)


def _expand(entries, ndim):
    """Returns the entries with the Ellipsis (or the implicit trailing one) replaced by full
    slices, after checking the number of indexed axes."""
    if sum(1 for k, _ in entries if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(np.ndim(v) if k == _MASK else 1 for k, v in entries
                   if k in (_SLICE, _INT, _DYNAMIC, _ARRAY, _MASK))
    if consumed > ndim:
        raise IndexError(f"Too many indices: array is {ndim}-dimensional, but {consumed} were "
                         "indexed")
    full = [(_SLICE, (None, None, None))] * (ndim - consumed) or [(_GAP, None)]
    for i, (k, _) in enumerate(entries):
        if k is Ellipsis:
            return entries[:i] + full + entries[i + 1:]
    return entries + [e for e in full if e[0] != _GAP]


# ---------------------------------------------------------------------------------------------
# The ops, one stage each. Every stage sees the entries in order, paired with input axes.


def _axes(entries):
    """Yields (input axis, kind, value) for the entries that consume an axis."""
    axis = 0
    for kind, value in entries:
        if kind in (_SLICE, _INT, _DYNAMIC):
            yield axis, kind, value
            axis += 1


def _static_slice(x, x_shape, entries):
    starts, limits, strides, reversed_axes = [], [], [], []
    for axis, kind, value in _axes(entries):
        n = x_shape[axis]
        if kind == _INT:
            i = _clamped_position(value, n, axis)
            starts.append(i), limits.append(i + 1), strides.append(1)
        elif kind == _DYNAMIC:
            starts.append(0), limits.append(n), strides.append(1)
        else:
            start, limit, stride, backwards = _slice_bounds(value, n)
            starts.append(start), limits.append(limit), strides.append(stride)
            if backwards:
                reversed_axes.append(axis)
    if (tuple(starts), tuple(limits)) != ((0,) * len(x_shape), tuple(x_shape)) or any(
            s != 1 for s in strides):
        x = lax.slice(x, tuple(starts), tuple(limits),
                      None if all(s == 1 for s in strides) else tuple(strides))
    return lax.rev(x, tuple(reversed_axes)) if reversed_axes else x


def _clamped_position(i, n, axis):
    if n == 0:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size 0")
    i = i + n if i < 0 else i
    return min(max(i, 0), n - 1)


def _slice_bounds(bounds, n):
    """Returns (start, limit, stride, backwards) of the lax.slice that selects the elements of
    slice(*bounds) on an axis of size n, in increasing order (backwards: reverse them)."""
    start, stop, step = slice(*bounds).indices(n)
    count = len(range(start, stop, step))
    if count == 0:
        return 0, 0, 1, False
    if step > 0:
        return start, start + (count - 1) * step + 1, step, False
    first = start + (count - 1) * step  # the smallest selected position
    return first, start + 1, -step, count > 1


def _foldable(entries, x_shape):
    """Returns True when the index has traced integers and only unit-step slices, which one
    dynamic_slice then does on its own."""
    kinds = [(kind, value, x_shape[axis]) for axis, kind, value in _axes(entries)]
    return any(k == _DYNAMIC for k, _, _ in kinds) and all(
        _slice_bounds(v, n)[2:] == (1, False) for k, v, n in kinds if k == _SLICE)


def _dynamic_slice(x, entries, fold_slices):
    if not any(kind == _DYNAMIC for _, kind, _ in _axes(entries)):
        return x
    x_shape = shape_of(x)
    starts, sizes = [0] * len(x_shape), list(x_shape)
    for axis, kind, value in _axes(entries):
        n = x_shape[axis]
        if kind == _SLICE and fold_slices:
            start, limit, _, _ = _slice_bounds(value, n)
            starts[axis], sizes[axis] = start, limit - start
        elif kind == _DYNAMIC:
            # lax.dynamic_slice counts a negative index from the end once, then clamps; a
            # static one is normalized here (it might not fit the index dtype).
            starts[axis] = value if isinstance(value, Tracer) else _clamped_position(
                value, n, axis)
            sizes[axis] = 1
            if n == 0:
                raise IndexError(f"index is out of bounds for axis {axis} with size 0")
    return lax.dynamic_slice(x, starts, tuple(sizes))


def _squeeze_positions(x, entries):
    dims = tuple(axis for axis, kind, _ in _axes(entries) if kind in (_INT, _DYNAMIC))
    return lax.squeeze(x, dims) if dims else x


def _insert_new_axes(x, entries):
    """Adds the axes of None (size 1) and scalar booleans (size 1 for True, 0 for False).

    Scalar booleans follow numpy's advanced-indexing rule: together with the integer
    positions they form one group that yields a single new axis (of size 0 if any of them is
    False), placed where the group is when its members are adjacent, else in front."""
    group = [i for i, (k, _) in enumerate(entries) if k in (_INT, _DYNAMIC, _BOOL)]
    bools = [v for k, v in entries if k == _BOOL]
    adjacent = bool(group) and group == list(range(group[0], group[-1] + 1))
    layout = []  # per output axis: None for an axis of x, else the size of a new axis
    for i, (kind, _) in enumerate(entries):
        if kind == _SLICE:
            layout.append(None)
        elif kind == _NEWAXIS:
            layout.append(1)
        elif bools and i == group[0]:
            layout.insert(len(layout) if adjacent else 0, int(all(bools)))
    positions = tuple(p for p, size in enumerate(layout) if size is not None)
    if not positions:
        return x
    return _insert_unit_axes(x, positions, [layout[p] for p in positions])


# ---------------------------------------------------------------------------------------------
# Advanced indexing: the whole index as one gather (reads) or scatter (updates).

def _parse(idx, x_shape):
    """Returns the index as a list of (kind, value) entries, one per element, with the
    Ellipsis expanded and boolean masks replaced by their nonzero integer arrays."""
    return _masks_to_arrays(_expand(_classify_all(idx), len(x_shape)), x_shape)


def _masks_to_arrays(entries, x_shape):
    out, axis = [], 0
    for kind, value in entries:
        if kind != _MASK:
            out.append((kind, value))
            axis += kind in (_SLICE, _INT, _DYNAMIC, _ARRAY)
            continue
        if isinstance(value, Tracer):
            raise errors.NonConcreteBooleanIndexError(value.aval.str_short())
        mask = np.asarray(value)
        expected = tuple(x_shape[axis:axis + mask.ndim])
        if mask.shape != expected:
            raise IndexError(f"boolean index did not match shape of indexed array in index "
                             f"{axis}: got {mask.shape}, expected {expected}")
        out.extend((_ARRAY, positions) for positions in np.nonzero(mask))
        axis += mask.ndim
    return out


class _Plan:
    """One gather that computes x[idx] without idx's None axes, and how to finish.

    Every indexed axis of x is one operand dimension of the gather. Advanced indices
    (integer arrays and ints) and slices with a step other than 1 index it with integer
    positions (collapsed dimension, window size 1); unit-step slices keep it as a window
    that starts at the slice start. The advanced indices broadcast together into one block
    of batch dimensions of the gather indices; each strided slice is one batch dimension of
    its own."""

    __slots__ = ("indices", "dnums", "slice_sizes", "newaxis_dims", "unique", "sorted",
                 "gather_shape")


# The output of x[idx] as groups of axes, in order: (kind, operand axis, size) with kind
# "window" (a unit-step slice), "strided" (another slice), "new" (None) or "adv" (the block
# of advanced-index dimensions; its size is the broadcast shape of the advanced indices).
_NEW_GROUP, _ADV_GROUP = ("new", None, 1), ("adv", None, None)


def _plan(x_shape, entries, normalize=True):
    """Returns the _Plan of x[idx] for the parsed index `entries`; `normalize`: count
    negative positions from the end."""
    adv = [i for i, (k, _) in enumerate(entries) if k in _ADVANCED]
    adjacent = adv == list(range(adv[0], adv[-1] + 1)) if adv else True
    adv_shape = _broadcast_index_shapes(
        [(1 if v else 0,) if k == _BOOL else np.shape(v) for k, v in entries if k in _ADVANCED])
    layout = [] if adjacent else [_ADV_GROUP]  # numpy puts separated advanced dims first
    components = []  # (operand axis, positions, group): the index vector, entry by entry
    axis = 0
    for i, (kind, value) in enumerate(entries):
        if kind == _GAP:  # an empty Ellipsis: no axis, but it separates advanced indices
            continue
        if kind == _NEWAXIS:
            layout.append(_NEW_GROUP)
            continue
        if kind in _ADVANCED:
            if adjacent and i == adv[0]:
                layout.append(_ADV_GROUP)
            if kind != _BOOL:
                components.append((axis, value, "adv"))
                axis += 1
            continue
        start, stop, step = slice(*value).indices(x_shape[axis])
        count = len(range(start, stop, step))
        if step == 1 or count <= 1:
            layout.append(("window", axis, count))
            if count and start:
                components.append((axis, start, "start"))
        else:
            layout.append(("strided", axis, count))
            components.append((axis, np.arange(start, stop, step), len(layout) - 1))
        axis += 1
    return _finish_plan(x_shape, layout, components, adv_shape, normalize)


def _broadcast_index_shapes(shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError(f"shape mismatch: indexing arrays could not be broadcast together "
                         f"with shapes {' '.join(str(tuple(s)) for s in shapes)}") from None


def _finish_plan(x_shape, layout, components, adv_shape, normalize):
    # The gather's output: the layout without None axes; windows are its offset dims, the
    # other groups its batch dims (those of the indices, in order).
    batch_shape, offset_dims, group_dims, out_shape = [], [], {}, []
    for g, (kind, _, size) in enumerate(layout):
        if kind == "new":
            continue
        sizes = adv_shape if kind == "adv" else (size,)
        if kind == "window":
            offset_dims.append(len(out_shape))
        else:
            group_dims[g] = tuple(range(len(batch_shape), len(batch_shape) + len(sizes)))
            batch_shape.extend(sizes)
        out_shape.extend(sizes)
    windows = {axis: size for kind, axis, size in layout if kind == "window"}
    plan = _Plan()
    plan.slice_sizes = tuple(windows.get(a, min(1, n)) for a, n in enumerate(x_shape))
    plan.dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(offset_dims),
        collapsed_slice_dims=tuple(sorted(a for a, _, g in components if g != "start")),
        start_index_map=tuple(a for a, _, _ in components))
    adv_dims = group_dims.get(layout.index(_ADV_GROUP), ()) if _ADV_GROUP in layout else ()
    plan.indices = _index_array(x_shape, components, tuple(batch_shape), group_dims,
                                adv_dims, normalize)
    kinds = []  # of the output axes of x[idx]
    for kind, _, _ in layout:
        kinds.extend([kind] * (len(adv_shape) if kind == "adv" else 1))
    plan.newaxis_dims = tuple(i for i, kind in enumerate(kinds) if kind == "new")
    # Without index arrays every position is read once, in increasing order (but for
    # negative-step slices): the promises JAX makes to XLA in that case.
    plan.unique = not any(g == "adv" and np.ndim(v) for _, v, g in components)
    plan.sorted = plan.unique and all(np.all(np.diff(v) > 0) for _, v, g in components
                                      if isinstance(g, int))
    plan.gather_shape = tuple(out_shape)
    return plan


def _index_array(x_shape, components, batch_shape, group_dims, adv_dims, normalize):
    """Returns the gather indices: each component broadcast to `batch_shape` (at the batch
    dimensions of its group; advanced indices right-aligned in `adv_dims`), stacked along a
    new last dimension. All numpy when every component is static: one constant."""
    columns = []
    for axis, value, where in components:
        if where == "start":
            dims, value = (), np.asarray(value, np.int32)
        elif where == "adv":
            value = _normalized(value, x_shape[axis], normalize)
            dims = adv_dims[len(adv_dims) - np.ndim(value):]
        else:
            dims, value = group_dims[where], value.astype(np.int32)
        columns.append((value, dims))
    if all(isinstance(v, np.ndarray) for v, _ in columns):
        stacked = [_place_numpy(v, batch_shape, dims) for v, dims in columns]
        return np.stack(stacked, -1) if stacked else np.zeros(batch_shape + (0,), np.int32)
    return lax.concatenate([lax.broadcast_in_dim(v, batch_shape + (1,), dims)
                            for v, dims in columns], len(batch_shape))


def _place_numpy(value, batch_shape, dims):
    shape = [1] * len(batch_shape)
    for d, n in zip(dims, value.shape):
        shape[d] = n
    return np.broadcast_to(value.reshape(shape), batch_shape)


def _normalized(value, size, normalize):
    """Returns the integer index `value` as int32, with negative positions counted from the
    end of an axis of `size` (when `normalize`): on the host for concrete values."""
    if not isinstance(value, Tracer):
        value = np.asarray(value)
        if normalize and not np.issubdtype(value.dtype, np.unsignedinteger):
            value = np.where(value < 0, value + size, value)
        return value.astype(np.int32)
    signed = dtypes.is_int(value.aval.dtype) and not dtypes.is_unsigned(value.aval.dtype)
    if value.aval.dtype != np.int32:
        value = lax.convert_element_type(value, np.int32)
    if normalize and signed:
        value = lax.select_n(lax.lt(value, np.int32(0)), value,
                             lax.add(value, np.int32(size)))
    return value


def _check_gather_mode(mode):
    return lax.GatherScatterMode.from_any(
        lax.GatherScatterMode.PROMISE_IN_BOUNDS if mode is None else mode)


def gather_index(x, entries, *, mode=None, fill_value=None, indices_are_sorted=False,
                 unique_indices=False, normalize=True):
    """Returns x[idx] (idx given as parsed `entries`) as one lax.gather; `mode` (default
    PROMISE_IN_BOUNDS: XLA clamps) and `fill_value` say what out-of-bounds positions read."""
    x_shape = shape_of(x)
    plan = _plan(x_shape, entries, normalize)
    if all(plan.gather_shape):
        _check_nonempty_axes(x_shape, plan)
    out = lax.gather(x, plan.indices, plan.dnums, plan.slice_sizes,
                     indices_are_sorted=indices_are_sorted or plan.sorted,
                     unique_indices=unique_indices or plan.unique,
                     mode=_check_gather_mode(mode), fill_value=fill_value)
    return lax.expand_dims(out, plan.newaxis_dims) if plan.newaxis_dims else out


def _check_nonempty_axes(x_shape, plan):
    for axis in plan.dnums.collapsed_slice_dims:
        if x_shape[axis] == 0:
            raise IndexError(f"index is out of bounds for axis {axis} with size 0")


# ---------------------------------------------------------------------------------------------
# Indexed updates: x.at[idx].set(y) and friends.

def scatter_update(x, idx, y, scatter_op, *, indices_are_sorted=False, unique_indices=False,
                   mode=None, normalize=True, fname="set"):
    """Returns x with y combined into x[idx] by `scatter_op` (lax.scatter, scatter_add, ...):
    y is broadcast to x[idx]'s shape; x and y are promoted together for the scatter and the
    result converted back to x's dtype and weak type, as in JAX. Out-of-bounds positions are
    dropped unless `mode` says otherwise."""
    from jaxlike.numpy import creation
    x = creation.asarray(x)
    x_aval = get_aval(x)
    y = _update_values(y, x, fname)
    plan = _plan(x_aval.shape, _parse(idx, x_aval.shape), normalize)
    if 0 in plan.gather_shape:
        return x  # nothing to update (and XLA need not see an empty scatter)
    dtype, weak = dtypes.result_type(x, y, return_weak_type_flag=True)
    x_up, y_up = (lax.convert_element_type(v, dtype, weak) for v in (x, y))
    y_up = _broadcast_update(y_up, plan, fname)
    out = scatter_op(x_up, plan.indices, y_up, _scatter_dnums(plan),
                     indices_are_sorted=indices_are_sorted or plan.sorted,
                     unique_indices=unique_indices or plan.unique, mode=mode)
    return lax.convert_element_type(out, x_aval.dtype, x_aval.weak_type)


def _scatter_dnums(plan):
    """Returns the scatter dimension numbers that write where the plan's gather reads."""
    return lax.ScatterDimensionNumbers(
        update_window_dims=plan.dnums.offset_dims,
        inserted_window_dims=plan.dnums.collapsed_slice_dims,
        scatter_dims_to_operand_dims=plan.dnums.start_index_map)


def _update_values(y, x, fname):
    """Returns the update values (Python scalars stay weakly typed literals); warns, as JAX
    does, when y cannot be cast safely to x's dtype (the result is still converted)."""
    import warnings
    from jaxlike.numpy import creation
    x_aval = get_aval(x)
    if type(y) not in (bool, int, float, complex) or (type(y) is int and dtypes.is_int(
            x_aval.dtype) and not np.iinfo(x_aval.dtype).min <= y <= np.iinfo(x_aval.dtype).max):
        y = creation.asarray(y)
    if dtypes.result_type(x, y) != x_aval.dtype:
        # stacklevel 4: the user's call of x.at[idx].set/.add/...
        warnings.warn(f"scatter inputs have incompatible types: cannot safely cast value from "
                      f"dtype={get_aval(y).dtype.name} to dtype={x_aval.dtype.name} in "
                      f"x.at[idx].{fname}(y). In future releases this will be an error; "
                      "convert y with .astype first.", FutureWarning, stacklevel=4)
    return y


def _broadcast_update(y, plan, fname):
    """Returns y broadcast to the shape of x[idx], without the None axes of idx."""
    out_shape = list(plan.gather_shape)
    for d in plan.newaxis_dims:
        out_shape.insert(d, 1)
    y_shape = shape_of(y)
    if len(y_shape) > len(out_shape) or any(
            a not in (1, b) for a, b in zip(y_shape[::-1], out_shape[::-1])):
        raise ValueError(f"x.at[idx].{fname}(y): y of shape {y_shape} cannot be broadcast to "
                         f"the shape of x[idx], {tuple(out_shape)}")
    from jaxlike.numpy._util import broadcast_to_shape
    y = broadcast_to_shape(y, tuple(out_shape))
    return lax.squeeze(y, plan.newaxis_dims) if plan.newaxis_dims else y


def _update_method(fname, scatter_name, doc, then=None):
    """Returns an _IndexUpdateRef method that scatters values with lax.<scatter_name>; with
    `then` (divide, power), it scatters into ones and applies jnp.<then>(x, that)."""
    def method(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               out_sharding=None, wrap_negative_indices=True):
        from jaxlike import numpy as jnp
        _no_sharding(out_sharding)
        target = self.array if then is None else jnp.ones_like(self.array)
        out = scatter_update(target, self.index, values, getattr(lax, scatter_name),
                             indices_are_sorted=indices_are_sorted,
                             unique_indices=unique_indices, mode=mode,
                             normalize=wrap_negative_indices, fname=fname)
        return out if then is None else getattr(jnp, then)(self.array, out)
    method.__name__ = method.__qualname__ = fname
    method.__doc__ = doc
    return method


class _IndexUpdateHelper:
    """`x.at`: indexing it with `x.at[idx]` gives an _IndexUpdateRef, whose methods return
    the functional equivalents of numpy's in-place indexed operations (`x[idx] += y` is
    `x.at[idx].add(y)`)."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return _IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
    """`x.at[idx]`: the methods below return a new array; `x` is unchanged. Each takes
    `indices_are_sorted`, `unique_indices` (promises that may speed things up), `mode`
    (out-of-bounds handling; updates default to dropping them) and `wrap_negative_indices`
    (count negative positions from the end, default True)."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None,
            fill_value=None, out_sharding=None, wrap_negative_indices=True):
        """Returns x[idx], with `mode` ('clip', 'fill' with `fill_value`, or
        'promise_in_bounds', the default) for out-of-bounds positions."""
        _no_sharding(out_sharding)
        entries = _parse(self.index, shape_of(self.array))
        basic = not any(k == _ARRAY for k, _ in entries)
        if basic and mode is None and fill_value is None and wrap_negative_indices:
            return getitem(self.array, self.index)
        return gather_index(self.array, entries, mode=mode, fill_value=fill_value,
                            indices_are_sorted=indices_are_sorted,
                            unique_indices=unique_indices, normalize=wrap_negative_indices)

    set = _update_method("set", "scatter",
                         "Returns x with x[idx] = values (where idx repeats a position, one of "
                         "the values wins).")
    add = _update_method("add", "scatter_add",
                         "Returns x with values added at idx (repeated positions accumulate).")
    subtract = _update_method("subtract", "scatter_sub", "Returns x with values subtracted "
                              "at idx (repeated positions accumulate).")
    multiply = mul = _update_method("multiply", "scatter_mul", "Returns x with x[idx] "
                                    "multiplied by values (repeated positions accumulate).")
    divide = _update_method("divide", "scatter_mul", "Returns x with x[idx] divided by values "
                            "(as jnp.divide: integer arrays give floats).", then="divide")
    power = _update_method("power", "scatter_mul", "Returns x with x[idx] raised to values "
                           "(repeated positions multiply the exponents).", then="power")
    min = _update_method("min", "scatter_min", "Returns x with x[idx] = minimum(x[idx], values).")
    max = _update_method("max", "scatter_max", "Returns x with x[idx] = maximum(x[idx], values).")

    def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None,
              wrap_negative_indices=True):
        """Returns x with the unary function `func` applied at idx (a position repeated in
        idx gets `func` once per repetition)."""
        x = self.array
        plan = _plan(shape_of(x), _parse(self.index, shape_of(x)), wrap_negative_indices)
        return lax.scatter_apply(x, plan.indices, func, _scatter_dnums(plan),
                                 update_shape=plan.gather_shape,
                                 indices_are_sorted=indices_are_sorted or plan.sorted,
                                 unique_indices=unique_indices or plan.unique, mode=mode)


def _no_sharding(out_sharding):
    if out_sharding is not None:
        raise NotImplementedError("x.at[idx]: out_sharding is not supported yet; use "
                                  "with_sharding_constraint on the result instead")
