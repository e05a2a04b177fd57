"""Index-based jnp functions: take, take_along_axis, put_along_axis, nonzero (and
where(cond), argwhere, flatnonzero), unique, select, piecewise, diag, diagonal, tril, triu,
roll, meshgrid, indices and the triangle/diagonal index helpers.

Functions whose output size depends on the data (nonzero, unique) run on the host (numpy)
for concrete arrays; under a transformation they need a static `size=` and then compute
with lax (a prefix sum to place each kept element, and a scatter), padding with
`fill_value`, as JAX does.
"""
import builtins
import operator

import numpy as np

from jaxlike import dtypes, errors, lax
from jaxlike.array import ArrayImpl
from jaxlike.core import Tracer, get_aval
from jaxlike.numpy import creation, shapes, ufuncs
from jaxlike.numpy import indexing as _indexing
from jaxlike.numpy._util import broadcast_shapes, check_arraylike, shape_of

__all__ = [
    "take", "take_along_axis", "put_along_axis", "nonzero", "flatnonzero", "argwhere",
    "unique", "select", "piecewise", "diag", "diagflat", "diagonal", "tril", "triu", "roll",
    "meshgrid", "indices", "tril_indices", "triu_indices", "tril_indices_from",
    "triu_indices_from", "diag_indices", "diag_indices_from", "ix_", "unravel_index",
]

_INDEX = np.int32  # gather/scatter index dtype (every shape here fits in int32)


def _axis(fname, axis, ndim):
    """Returns `axis` in [0, ndim), or raises ValueError naming the function."""
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"jnp.{fname}: axis {axis} is out of bounds for array of dimension "
                         f"{ndim}")
    return axis % ndim


def _int_indices(fname, indices):
    indices = creation.asarray(indices)
    if not dtypes.is_int(get_aval(indices).dtype):
        raise ValueError(f"jnp.{fname}: indices must have an integer type, got "
                         f"{get_aval(indices).dtype.name}")
    return indices


def _full_like(x, value):
    """Returns an array of x's shape and dtype filled with `value`."""
    aval = get_aval(x)
    return lax.broadcast_in_dim(lax.convert_element_type(value, aval.dtype), aval.shape, ())


def _is_concrete(x):
    return not isinstance(x, Tracer)


def _wrap_negative(i, size):
    """Returns int32 indices with negative ones counted from the end of an axis of `size`."""
    i = lax.convert_element_type(i, _INDEX)
    return lax.select(lax.lt(i, _INDEX(0)), lax.add(i, _INDEX(size)), i)


def _indices_for_mode(fname, indices, size, mode):
    """Returns (int32 indices, gather/scatter mode) for jnp's `mode` names: 'fill' (the
    default; negative indices count from the end once, out-of-range ones give fill_value),
    'clip' (clamped as given), 'wrap' (taken modulo the axis size) or 'promise_in_bounds'."""
    mode = {None: "fill", lax.GatherScatterMode.FILL_OR_DROP: "fill",
            lax.GatherScatterMode.CLIP: "clip",
            lax.GatherScatterMode.PROMISE_IN_BOUNDS: "promise_in_bounds"}.get(mode, mode)
    if mode == "raise":
        raise NotImplementedError(f"The 'raise' mode to jnp.{fname} is not supported.")
    if mode == "wrap":
        wrapped = ufuncs.remainder(indices, max(size, 1))
        return lax.convert_element_type(wrapped, _INDEX), lax.GatherScatterMode.CLIP
    if mode == "clip":
        return lax.convert_element_type(indices, _INDEX), lax.GatherScatterMode.CLIP
    if mode in ("fill", "drop", "promise_in_bounds"):
        return _wrap_negative(indices, size), lax.GatherScatterMode.from_any(mode)
    raise ValueError(f"Invalid mode '{mode}' for jnp.{fname}")


# ---------------------------------------------------------------------------------------------
# take, take_along_axis, put_along_axis.

def take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
    """Returns the elements of `a` at `indices` along `axis` (of the flattened `a` when
    None): shape a.shape[:axis] + indices.shape + a.shape[axis+1:]. `mode`: 'fill' (default:
    out-of-range indices give `fill_value`, NaN for inexact dtypes), 'clip' or 'wrap'."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
    check_arraylike("take", a, indices)
    a, indices = creation.asarray(a), _int_indices("take", indices)
    if axis is None:
        a, axis = shapes.ravel(a), 0
    shape = shape_of(a)
    axis = _axis("take", axis, len(shape))
    idx, mode = _indices_for_mode("take", indices, shape[axis], mode)
    batch = len(shape_of(idx))
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(range(axis)) + tuple(range(axis + batch, len(shape) - 1 + batch)),
        collapsed_slice_dims=(axis,), start_index_map=(axis,))
    sizes = tuple(builtins.min(1, n) if d == axis else n for d, n in enumerate(shape))
    return lax.gather(a, lax.expand_dims(idx, (batch,)), dnums, sizes, mode=mode,
                      fill_value=fill_value, unique_indices=unique_indices,
                      indices_are_sorted=indices_are_sorted)


def _along_axis(fname, arr, indices, axis):
    """Returns (arr, int indices, axis, the shape of the result) for take/put_along_axis:
    both of one rank, indices broadcast against arr except along `axis`."""
    check_arraylike(fname, arr, indices)
    arr, indices = creation.asarray(arr), _int_indices(fname, indices)
    if axis is None:
        if len(shape_of(indices)) != 1:
            raise ValueError(f"{fname} indices must be 1D if axis=None, got shape "
                             f"{shape_of(indices)}")
        arr, axis = shapes.ravel(arr), 0
    a_shape, i_shape = shape_of(arr), shape_of(indices)
    if len(a_shape) != len(i_shape):
        raise ValueError(f"indices and arr must have the same number of dimensions; "
                         f"{len(i_shape)} vs. {len(a_shape)}")
    axis = _axis(fname, axis, len(a_shape))
    others = [d for d in range(len(a_shape)) if d != axis]
    try:
        shape = list(broadcast_shapes(tuple(a_shape[d] for d in others),
                                      tuple(i_shape[d] for d in others)))
    except ValueError:
        raise ValueError(f"jnp.{fname}: indices shape {i_shape} and arr shape {a_shape} do "
                         f"not broadcast (except along axis {axis})") from None
    shape.insert(axis, i_shape[axis])
    return arr, indices, axis, tuple(shape)


def _batched_dnums(cls, axis, ndim):
    """Returns gather/scatter dimension numbers that index `axis` with a scalar per
    element and pair every other dimension of operand and indices (batching dims)."""
    others = tuple(d for d in range(ndim) if d != axis)
    return cls((), (axis,), (axis,), others, others)


def take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None, *,
                    wrap_negative_indices=None):
    """Returns the elements of `arr` picked by `indices` along `axis` (numpy's
    take_along_axis; indices broadcast against arr on the other axes). `mode` as jnp.take
    (default 'fill')."""
    arr, indices, axis, shape = _along_axis("take_along_axis", arr, indices, axis)
    a_shape = list(shape)
    a_shape[axis] = shape_of(arr)[axis]
    arr = shapes.broadcast_to(arr, tuple(a_shape))
    indices = shapes.broadcast_to(indices, shape)
    if wrap_negative_indices is False and mode in (None, "fill"):
        idx, mode = lax.convert_element_type(indices, _INDEX), lax.GatherScatterMode.FILL_OR_DROP
    else:
        idx, mode = _indices_for_mode("take_along_axis", indices, a_shape[axis], mode)
    sizes = tuple(builtins.min(1, n) for n in a_shape)
    dnums = _batched_dnums(lax.GatherDimensionNumbers, axis, len(shape))
    return lax.gather(arr, lax.expand_dims(idx, (len(shape),)), dnums, sizes, mode=mode,
                      fill_value=fill_value)


def put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
    """Returns `arr` with `values` written at `indices` along `axis` (numpy's
    put_along_axis, functionally: pass inplace=False). Out-of-range indices are dropped."""
    if inplace:
        raise ValueError("jax.numpy.put_along_axis cannot modify arrays in-place, because JAX "
                         "arrays are immutable. Pass inplace=False to instead return an updated "
                         "array.")
    original_shape = shape_of(arr)
    arr, indices, axis, shape = _along_axis("put_along_axis", arr, indices, axis)
    a_shape = shape_of(arr)
    if any(shape[d] != a_shape[d] for d in range(len(shape)) if d != axis):
        raise ValueError(f"jnp.put_along_axis: indices shape {shape_of(indices)} must "
                         f"broadcast to arr shape {a_shape} except along axis {axis}")
    indices = shapes.broadcast_to(indices, shape)
    values = shapes.broadcast_to(creation.asarray(values, dtype=get_aval(arr).dtype), shape)
    idx = _wrap_negative(indices, a_shape[axis])
    dnums = _batched_dnums(lax.ScatterDimensionNumbers, axis, len(shape))
    out = lax.scatter(arr, lax.expand_dims(idx, (len(shape),)), values, dnums, mode=mode)
    return shapes.reshape(out, original_shape)


# ---------------------------------------------------------------------------------------------
# nonzero, argwhere, flatnonzero: data-dependent sizes.

def _static_size_error(fname, x):
    return errors.ConcretizationTypeError(
        x, f"The size argument of jnp.{fname} must be statically specified to use "
           f"jnp.{fname} within JAX transformations (jit, vmap, grad): pass size=N (and "
           "fill_value=) for a fixed-size result.\n")


def _prefix_count(mask):
    """Returns the inclusive prefix sums of a 1-D bool array as int32, in log2(n) rounds of
    shifted adds (each element adds the running sum 1, 2, 4, ... places before it)."""
    total = lax.convert_element_type(mask, _INDEX)
    n, shift = shape_of(total)[0], 1
    while shift < n:
        shifted = lax.pad(total, _INDEX(0), [(shift, -shift, 0)])
        total = lax.add(total, shifted)
        shift *= 2
    return total


def _compact(values, keep, size, fill):
    """Returns the elements of the 1-D `values` where `keep` is True, in order, in an array
    of length `size` (extra kept elements are dropped, missing ones are `fill`)."""
    positions = lax.sub(_prefix_count(keep), _INDEX(1))
    target = lax.select(keep, positions, _full_like(positions, size))
    base = lax.broadcast_in_dim(lax.convert_element_type(fill, get_aval(values).dtype),
                                (size,), ())
    dnums = lax.ScatterDimensionNumbers((), (0,), (0,))
    return lax.scatter(base, lax.expand_dims(target, (1,)), values, dnums, mode="drop")


def _fill_values(fname, fill_value, ndim):
    if fill_value is None:
        return (0,) * ndim
    if isinstance(fill_value, (tuple, list)):
        if len(fill_value) != ndim:
            raise ValueError(f"jnp.{fname}: fill_value must be a scalar or a tuple of length "
                             f"{ndim}; got {len(fill_value)}")
        return tuple(fill_value)
    return (fill_value,) * ndim


def nonzero(a, *, size=None, fill_value=None):
    """Returns a tuple of int32 arrays, one per dimension of `a`, with the indices of its
    nonzero elements in row-major order. Under jit pass `size=`: the result then has that
    length, truncated or padded with `fill_value` (default 0; a scalar or one per dim)."""
    check_arraylike("nonzero", a)
    a = creation.asarray(a)
    shape = shape_of(a)
    if not shape:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "jnp.atleast_1d(scalar).nonzero() instead.")
    fills = _fill_values("nonzero", fill_value, len(shape))
    if size is None:
        if not _is_concrete(a):
            raise _static_size_error("nonzero", a)
        return tuple(creation.asarray(i.astype(_INDEX)) for i in np.nonzero(np.asarray(a)))
    size = operator.index(size)
    if _is_concrete(a):
        found = np.nonzero(np.asarray(a))
        return tuple(creation.asarray(_pad_np(i[:size], size, f).astype(_INDEX))
                     for i, f in zip(found, fills))
    flat = shapes.ravel(ufuncs.not_equal(a, 0))
    count = shape_of(flat)[0]
    kept = _compact(lax.iota(_INDEX, count), flat, size, 0)
    valid = lax.lt(lax.iota(_INDEX, size), lax.reduce_sum(
        lax.convert_element_type(flat, _INDEX), (0,)))
    out, rest = [], kept
    for n, f in zip(reversed(shape), reversed(fills)):
        coord = lax.rem(rest, _INDEX(n))
        rest = lax.div(rest, _INDEX(n))
        out.append(lax.select(valid, coord, _full_like(coord, f)))
    return tuple(reversed(out))


def _pad_np(values, size, fill):
    return np.concatenate([values, np.full(size - len(values), fill, values.dtype)])


def flatnonzero(a, *, size=None, fill_value=None):
    """Returns the indices of the nonzero elements of the flattened `a` (see nonzero)."""
    return nonzero(shapes.ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    """Returns the indices of the nonzero elements of `a` as rows of an (N, a.ndim) int32
    array (see nonzero for `size` and `fill_value`)."""
    check_arraylike("argwhere", a)
    a = creation.asarray(a)
    found = nonzero(shapes.atleast_1d(a), size=size, fill_value=fill_value)
    out = shapes.stack(found, axis=-1)
    return out[:, :0] if not shape_of(a) else out


# ---------------------------------------------------------------------------------------------
# unique.

def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, size=None, fill_value=None, sorted=True):
    """Returns the sorted unique elements of `ar` (along `axis` when given), plus, as
    requested, the index of each one's first occurrence, the inverse (positions of `ar`'s
    elements in the result, in `ar`'s shape for axis=None) and the counts. Under jit pass
    `size=`: values are padded with `fill_value` (default: the smallest element), indices
    with the first one's, counts with 0."""
    check_arraylike("unique", ar)
    ar = creation.asarray(ar)
    flags = (return_index, return_inverse, return_counts)
    if size is None:
        if not _is_concrete(ar):
            raise _static_size_error("unique", ar)
        outs = _unique_host(ar, flags, axis, equal_nan)
    else:
        if axis is not None:
            raise NotImplementedError("jnp.unique with both size= and axis= is not "
                                      "implemented in jaxlike; flatten first or drop size=")
        outs = _unique_sized(ar, operator.index(size), fill_value, equal_nan)
        outs = [outs[0]] + [o for o, f in zip(outs[1:], flags) if f]
    return outs[0] if len(outs) == 1 else tuple(outs)


def _unique_host(ar, flags, axis, equal_nan):
    values = np.asarray(ar)
    res = np.unique(values, *flags, axis=axis, equal_nan=equal_nan)
    res = list(res) if isinstance(res, tuple) else [res]
    if flags[1]:  # the inverse: ar's shape for axis=None (as JAX), 1-D along `axis`
        pos = 1 + flags[0]
        res[pos] = res[pos].reshape(values.shape if axis is None else -1)
    dtype = get_aval(ar).dtype
    return [creation.asarray(res[0].astype(dtype))] + [
        creation.asarray(r.astype(_INDEX)) for r in res[1:]]


def _unique_sized(ar, size, fill_value, equal_nan):
    """Returns [values, first indices, inverse, counts] of the flattened `ar` in arrays of
    length `size`, with lax only (a sort, a prefix sum and scatters)."""
    flat = shapes.ravel(ar)
    n = shape_of(flat)[0]
    if n == 0:
        empty = creation.full((size,), 0 if fill_value is None else fill_value,
                              get_aval(ar).dtype)
        zeros = creation.zeros((size,), _INDEX)
        return [empty, zeros, creation.zeros(shape_of(ar), _INDEX), zeros]
    ordered, perm = lax.sort((flat, lax.iota(_INDEX, n)), num_keys=1)
    differs = lax.ne(lax.slice(ordered, (1,), (n,)), lax.slice(ordered, (0,), (n - 1,)))
    if equal_nan and (dtypes.is_float(get_aval(flat).dtype) or
                      dtypes.is_complex(get_aval(flat).dtype)):
        both_nan = lax.bitwise_and(ufuncs.isnan(lax.slice(ordered, (1,), (n,))),
                                   ufuncs.isnan(lax.slice(ordered, (0,), (n - 1,))))
        differs = lax.bitwise_and(differs, lax.bitwise_not(both_nan))
    first = lax.concatenate([np.ones((1,), bool), differs], 0)
    group = lax.sub(_prefix_count(first), _INDEX(1))
    smallest = lax.dynamic_index_in_dim(ordered, 0, keepdims=False)
    fill = smallest if fill_value is None else fill_value
    values = _compact(ordered, first, size, fill)
    first_index = _compact(perm, first, size,
                           lax.dynamic_index_in_dim(perm, 0, keepdims=False))
    dnums = lax.ScatterDimensionNumbers((), (0,), (0,))
    inverse = lax.scatter(_full_like(perm, 0), lax.expand_dims(perm, (1,)), group, dnums,
                          unique_indices=True)
    counts = lax.scatter_add(lax.broadcast_in_dim(_INDEX(0), (size,), ()),
                             lax.expand_dims(group, (1,)), _full_like(group, 1), dnums,
                             mode="drop")
    return [values, first_index, shapes.reshape(inverse, shape_of(ar)), counts]


# ---------------------------------------------------------------------------------------------
# select, piecewise.

def select(condlist, choicelist, default=0):
    """Returns, elementwise, the choice of the first true condition in `condlist`, or
    `default` where none is true (all broadcast together)."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"condlist must have length equal to choicelist ({len(condlist)} vs "
                         f"{len(choicelist)})")
    if not condlist:
        raise ValueError("condlist must be non-empty")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = ufuncs.where(cond, choice, out)
    return creation.asarray(out)


def piecewise(x, condlist, funclist, *args, **kw):
    """Returns an array of x's shape and dtype that holds, where condlist[i] is true,
    funclist[i] (a function of x, called with *args and **kw, or a constant); later
    conditions win; with one extra function, it fills where no condition is true (else 0)."""
    check_arraylike("piecewise", x)
    x = creation.asarray(x)
    if isinstance(condlist, (list, tuple)):
        conds = list(condlist)
    else:
        condlist = creation.asarray(condlist)
        conds = [condlist] if not shape_of(condlist) else [
            condlist[i] for i in range(shape_of(condlist)[0])]
    if len(funclist) not in (len(conds), len(conds) + 1):
        raise ValueError(f"with {len(conds)} condition(s), either {len(conds)} or "
                         f"{len(conds) + 1} functions are expected; got {len(funclist)}")
    dtype = get_aval(x).dtype

    def value(f):
        out = f(x, *args, **kw) if callable(f) else f
        return lax.convert_element_type(shapes.broadcast_to(creation.asarray(out),
                                                            shape_of(x)), dtype)
    out = value(funclist[-1]) if len(funclist) > len(conds) else creation.zeros_like(x)
    for cond, f in zip(conds, funclist):
        out = ufuncs.where(cond, value(f), out)
    return out


# ---------------------------------------------------------------------------------------------
# Diagonals and triangles.

def diagonal(a, offset=0, axis1=0, axis2=1):
    """Returns the `offset`-th diagonal of `a` in the plane of axes axis1 and axis2, as the
    last axis of the result (the other axes come first, in order)."""
    check_arraylike("diagonal", a)
    a = creation.asarray(a)
    shape = shape_of(a)
    if len(shape) < 2:
        raise ValueError(f"jnp.diagonal requires an array of at least two dimensions, got "
                         f"shape {shape}")
    axis1, axis2 = _axis("diagonal", axis1, len(shape)), _axis("diagonal", axis2, len(shape))
    if axis1 == axis2:
        raise ValueError("jnp.diagonal: axis1 and axis2 cannot be the same")
    a = shapes.moveaxis(a, (axis1, axis2), (-2, -1))
    rows, cols = shape_of(a)[-2:]
    offset = operator.index(offset)
    row0, col0 = builtins.max(-offset, 0), builtins.max(offset, 0)
    length = builtins.max(0, builtins.min(rows - row0, cols - col0))
    i = np.arange(length, dtype=_INDEX)
    return _indexing.getitem(a, (Ellipsis, i + row0, i + col0))


def diag(v, k=0):
    """Returns the k-th diagonal of a 2-D `v`, or a square matrix with the 1-D `v` on its
    k-th diagonal and zeros elsewhere."""
    check_arraylike("diag", v)
    v = creation.asarray(v)
    shape = shape_of(v)
    if len(shape) == 2:
        return diagonal(v, k)
    if len(shape) != 1:
        raise ValueError("diag input must be 1d or 2d")
    k = operator.index(k)
    n = shape[0] + abs(k)
    # Row r of the result holds v[r] on the diagonal (column r + k) for k >= 0; for k < 0
    # column c holds v[c]. Pad v to length n and broadcast it along the other axis.
    padded = lax.pad(v, lax.convert_element_type(0, get_aval(v).dtype),
                     [(0, abs(k), 0)])
    spread = lax.broadcast_in_dim(padded, (n, n), (0,) if k >= 0 else (1,))
    on_diagonal = lax.eq(lax.sub(lax.broadcasted_iota(_INDEX, (n, n), 1),
                                 lax.broadcasted_iota(_INDEX, (n, n), 0)), _INDEX(k))
    return lax.select(on_diagonal, spread, _full_like(spread, 0))


def diagflat(v, k=0):
    """Returns a square matrix with the flattened `v` on its k-th diagonal."""
    return diag(shapes.ravel(creation.asarray(v)), k)


def _triangle(fname, m, keep):
    check_arraylike(fname, m)
    m = creation.asarray(m)
    shape = shape_of(m)
    if len(shape) < 2:
        raise ValueError(f"Argument to jax.numpy.{fname} must be at least 2D")
    mask = lax.broadcast_in_dim(keep(*shape[-2:]), shape, (len(shape) - 2, len(shape) - 1))
    return lax.select(mask, m, _full_like(m, 0))


def tril(m, k=0):
    """Returns `m` (at least 2-D) with the elements above its k-th diagonal zeroed (on each
    matrix of the last two axes)."""
    return _triangle("tril", m, lambda n, c: creation.tri(n, c, k, dtype=bool))


def triu(m, k=0):
    """Returns `m` (at least 2-D) with the elements below its k-th diagonal zeroed (on each
    matrix of the last two axes)."""
    return _triangle("triu", m, lambda n, c: lax.bitwise_not(
        creation.tri(n, c, k - 1, dtype=bool)))


def _index_arrays(arrays):
    return tuple(creation.asarray(a.astype(_INDEX)) for a in arrays)


def tril_indices(n, k=0, m=None):
    """Returns the (rows, cols) int32 indices of the lower triangle of an n x m matrix."""
    return _index_arrays(np.tril_indices(n, k, m))


def triu_indices(n, k=0, m=None):
    """Returns the (rows, cols) int32 indices of the upper triangle of an n x m matrix."""
    return _index_arrays(np.triu_indices(n, k, m))


def tril_indices_from(arr, k=0):
    """Returns the indices of the lower triangle of the 2-D `arr`."""
    rows, cols = _matrix_shape("tril_indices_from", arr)
    return tril_indices(rows, k, cols)


def triu_indices_from(arr, k=0):
    """Returns the indices of the upper triangle of the 2-D `arr`."""
    rows, cols = _matrix_shape("triu_indices_from", arr)
    return triu_indices(rows, k, cols)


def _matrix_shape(fname, arr):
    shape = shape_of(arr)
    if len(shape) != 2:
        raise ValueError(f"jnp.{fname}: input array must be 2-D, got shape {shape}")
    return shape


def diag_indices(n, ndim=2):
    """Returns `ndim` copies of arange(n) (int32): the indices of the main diagonal."""
    if n < 0 or ndim < 0:
        raise ValueError(f"jnp.diag_indices: n and ndim must be nonnegative, got {n}, {ndim}")
    return _index_arrays((np.arange(n),) * ndim)


def diag_indices_from(arr):
    """Returns the indices of the main diagonal of `arr`, whose axes must all be equal."""
    shape = shape_of(arr)
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ValueError(f"jnp.diag_indices_from: input array must be at least 2-D with all "
                         f"dimensions equal, got shape {shape}")
    return diag_indices(shape[0], len(shape))


# ---------------------------------------------------------------------------------------------
# roll, meshgrid, indices, ix_, unravel_index.

def roll(a, shift, axis=None):
    """Returns `a` with its elements shifted by `shift` along `axis` (of the flattened `a`
    when None), wrapping around; shift and axis may be sequences (broadcast together).
    A traced shift works too."""
    check_arraylike("roll", a)
    a = creation.asarray(a)
    if axis is None:
        return shapes.reshape(roll(shapes.ravel(a), shift, 0), shape_of(a))
    shifts = shift if isinstance(shift, (tuple, list)) else (
        [shift] if not shape_of(shift) else list(shift))
    axes = axis if isinstance(axis, (tuple, list)) else [axis]
    if len(shifts) == 1:
        shifts = list(shifts) * len(axes)
    if len(axes) == 1:
        axes = list(axes) * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"jnp.roll: shift {shift!r} and axis {axis!r} must broadcast together")
    for s, ax in zip(shifts, axes):
        a = _roll_axis(a, s, _axis("roll", ax, len(shape_of(a))))
    return a


def _roll_axis(a, shift, axis):
    n = shape_of(a)[axis]
    if n == 0:
        return a
    if isinstance(shift, Tracer) or (type(shift) is ArrayImpl):
        # The rolled axis is a window of the axis repeated twice, starting at n - shift.
        s = lax.rem(lax.convert_element_type(shift, _INDEX), _INDEX(n))
        start = lax.sub(_INDEX(n), lax.select(lax.lt(s, _INDEX(0)), lax.add(s, _INDEX(n)), s))
        doubled = lax.concatenate([a, a], axis)
        return lax.dynamic_slice_in_dim(doubled, lax.rem(start, _INDEX(n)), n, axis)
    s = operator.index(shift) % n
    if s == 0:
        return a
    return lax.concatenate([lax.slice_in_dim(a, n - s, n, axis=axis),
                            lax.slice_in_dim(a, 0, n - s, axis=axis)], axis)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Returns coordinate arrays for the 1-D inputs: with indexing='ij' the i-th output
    varies along axis i; 'xy' (the default) swaps the first two axes. With `sparse`, each
    output keeps size 1 along the axes it does not vary along."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
    check_arraylike("meshgrid", *xi)
    xi = [creation.asarray(x) for x in xi]
    if any(len(shape_of(x)) != 1 for x in xi):
        raise ValueError(f"Arguments to jax.numpy.meshgrid must be 1D, got shapes "
                         f"{[shape_of(x) for x in xi]}")
    positions = list(range(len(xi)))
    if indexing == "xy" and len(xi) >= 2:
        positions[0], positions[1] = 1, 0
    full = [0] * len(xi)
    for x, p in zip(xi, positions):
        full[p] = shape_of(x)[0]
    outs = []
    for x, p in zip(xi, positions):
        shape = tuple(n if i == p else 1 for i, n in enumerate(full)) if sparse else tuple(full)
        outs.append(lax.broadcast_in_dim(x, shape, (p,)))
    return outs


def indices(dimensions, dtype=None, sparse=False):
    """Returns an array of shape (len(dimensions), *dimensions) whose i-th slice holds each
    element's index along axis i (or, with `sparse`, a tuple of broadcastable arrays)."""
    dims = tuple(operator.index(d) for d in dimensions)
    dtype = dtypes.canonicalize_dtype(dtypes.default_int_dtype() if dtype is None else dtype)
    if sparse:
        return tuple(lax.broadcasted_iota(dtype, tuple(n if j == i else 1
                                                       for j, n in enumerate(dims)), i)
                     for i in range(len(dims)))
    if not dims:
        return creation.zeros((0,), dtype)
    return shapes.stack([lax.broadcasted_iota(dtype, dims, i) for i in range(len(dims))])


def ix_(*args):
    """Returns one array per 1-D integer or boolean sequence, reshaped to broadcast along
    its own axis only, for indexing the cross product (x[jnp.ix_(rows, cols)])."""
    outs = []
    for i, a in enumerate(args):
        a = creation.asarray(a)
        if len(shape_of(a)) != 1:
            raise ValueError(f"Cross index must be 1 dimensional, got shape {shape_of(a)}")
        if get_aval(a).dtype == np.bool_:
            a = nonzero(a)[0]
        shape = [1] * len(args)
        shape[i] = shape_of(a)[0]
        outs.append(shapes.reshape(a, tuple(shape)))
    return tuple(outs)


def unravel_index(indices, shape):
    """Returns the tuple of coordinate arrays of the flat `indices` in an array of `shape`
    (negative indices count from the end; out-of-range ones are clipped, as in JAX)."""
    indices = _int_indices("unravel_index", indices)
    shape = tuple(operator.index(n) for n in shape)
    total = int(np.prod(shape))
    dtype = get_aval(indices).dtype
    flat = ufuncs.where(ufuncs.less(indices, 0), ufuncs.add(indices, total), indices)
    flat = ufuncs.clip(flat, 0, builtins.max(total - 1, 0))
    out = []
    for n in reversed(shape):
        out.append(lax.convert_element_type(ufuncs.remainder(flat, n), dtype))
        flat = ufuncs.floor_divide(flat, n)
    return tuple(reversed(out))
