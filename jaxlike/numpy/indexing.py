"""NumPy basic indexing (`x[idx]`) with static structure: integers, slices (any step), None,
Ellipsis and scalar booleans, plus traced integer scalars.

An index becomes at most five lax ops, in this order: `slice` (all static slices and integer
positions at once), `rev` (negative steps), `dynamic_slice` (traced integers; unit-step
slices then ride along in it instead of a `slice`), `squeeze` (integer positions) and
`broadcast_in_dim` (new axes from None / True / False).

Integer positions follow JAX, not numpy: an out-of-range integer is clamped into range
instead of raising, exactly as a traced index is. On concrete arrays, integer positions are
applied with `dynamic_slice`, so that a Python loop `x[i]` over i compiles one program, not
one per i. Integer and boolean *array* indices (advanced indexing) need lax.gather, which
jaxlike does not have yet; they raise a clear IndexError.
"""
import operator

import numpy as np

from jaxlike import lax
from jaxlike.array import ArrayImpl
from jaxlike.core import Tracer
from jaxlike.numpy._util import shape_of
from jaxlike.numpy.shapes import _insert_unit_axes

__all__ = ["newaxis"]

newaxis = None  # x[jnp.newaxis] inserts a length-one axis

_SLICE, _INT, _DYNAMIC, _NEWAXIS, _BOOL = "slice", "int", "dynamic", "newaxis", "bool"
_GAP = "gap"  # an Ellipsis standing for no axis: it still separates scalar booleans and ints
_ADVANCED_HINT = (
    "Indexing with integer or boolean arrays (advanced indexing) needs lax.gather, which "
    "jaxlike does not implement yet. Use integers (possibly traced), slices, None and "
    "Ellipsis instead, or lax.dynamic_slice for a window at a traced position.")


def getitem(x, idx):
    """Returns x[idx] for a basic (static-structure) numpy index: ints (negative ones count
    from the end; out-of-range ones are clamped, as in JAX), slices, None, Ellipsis, scalar
    booleans and traced integer scalars."""
    x_shape = shape_of(x)
    entries = _expand(_classify_all(idx), len(x_shape))
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
    dtype = np.result_type(*e) if isinstance(e, (list, tuple)) and e else getattr(
        e, "dtype", np.dtype(np.int32))
    if not (np.issubdtype(dtype, np.integer) or dtype == np.bool_):
        raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                        f"{np.dtype(dtype).name}")
    if isinstance(e, (list, tuple)) or np.ndim(e) != 0:
        raise IndexError(f"Unsupported index {_describe(e)}. {_ADVANCED_HINT}")
    if isinstance(e, Tracer):
        if dtype == np.bool_:
            raise IndexError(f"Unsupported index: a traced boolean scalar. {_ADVANCED_HINT}")
        return (_DYNAMIC, e)
    value = np.asarray(e).item()
    return (_BOOL, value) if dtype == np.bool_ else (_INT, int(value))


def _describe(e):
    if isinstance(e, (list, tuple)):
        return f"{type(e).__name__} {e!r:.60} inside a tuple index"
    return f"array of shape {tuple(np.shape(e))} and dtype {np.dtype(e.dtype).name}"


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
    consumed = sum(1 for k, _ in entries if k in (_SLICE, _INT, _DYNAMIC))
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
