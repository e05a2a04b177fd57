"""Shape manipulation: reshaping, transposing, joining, splitting, tiling and broadcasting.

Everything here is static: shapes, axes and repeat counts are Python values known at trace
time, and each function is a short sequence of lax structural ops (reshape, transpose,
broadcast_in_dim, squeeze, slice, rev, concatenate).
"""
import builtins
import operator

import numpy as np

from jaxlike import dtypes, errors, lax
from jaxlike.array import ArrayImpl
from jaxlike.core import Tracer, get_aval
from jaxlike.numpy import _util
from jaxlike.numpy._util import check_arraylike, shape_of

__all__ = [
    "reshape", "ravel", "transpose", "permute_dims", "matrix_transpose", "swapaxes",
    "moveaxis", "squeeze", "expand_dims", "concatenate", "concat", "stack", "hstack",
    "vstack", "dstack", "column_stack", "split", "array_split", "hsplit", "vsplit", "dsplit",
    "unstack", "tile", "repeat", "broadcast_to", "broadcast_arrays", "broadcast_shapes",
    "atleast_1d", "atleast_2d", "atleast_3d", "flip", "fliplr", "flipud", "rot90", "shape",
    "ndim", "size",
]

# ---------------------------------------------------------------------------------------------
# Shared helpers: shapes, axes, conversion.


def canonicalize_shape(shape, fun_name):
    """Returns `shape` (an int or a sequence of ints) as a tuple of Python ints; raises
    TypeError naming `fun_name` for anything else (floats, tracers, nested sequences)."""
    dims = (shape,) if _is_dim(shape) else shape
    try:
        dims = tuple(dims)
        return tuple(operator.index(d) for d in dims)
    except TypeError:
        traced = any(isinstance(d, Tracer) for d in (dims if isinstance(dims, tuple) else ()))
        hint = (" The shape depends on a traced value; shapes must be static: mark the argument "
                "static (static_argnums) or compute the shape from `x.shape`." if traced else "")
        raise TypeError(f"{fun_name}: shapes must be 1D sequences of concrete values of integer "
                        f"type, got {dims!r}.{hint}") from None


def _is_dim(x):
    return isinstance(x, (int, np.integer)) or (
        not isinstance(x, (tuple, list)) and np.ndim(x) == 0 and hasattr(x, "__index__"))


def check_nonnegative_shape(shape, fun_name):
    """Raises TypeError naming `fun_name` if a dimension of `shape` is negative."""
    if any(d < 0 for d in shape):
        raise TypeError(f"{fun_name}: shape must have every dimension nonnegative, got {shape}.")


def normalize_axis(axis, ndim, fun_name):
    """Returns `axis` as an index in [0, ndim), counting negative axes from the end; raises
    ValueError ("axis 3 is out of bounds for array of dimension 2") otherwise."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{fun_name}: axis must be an integer, got {axis!r}") from None
    if not -ndim <= axis < ndim:
        raise ValueError(f"{fun_name}: axis {axis} is out of bounds for array of dimension "
                         f"{ndim}")
    return axis + ndim if axis < 0 else axis


def normalize_axes(axes, ndim, fun_name):
    """Returns an int or a sequence of ints as a tuple of distinct normalized axes; raises
    ValueError for out-of-bounds or repeated axes."""
    seq = (axes,) if _is_dim(axes) else tuple(axes)
    result = tuple(normalize_axis(a, ndim, fun_name) for a in seq)
    if len(set(result)) != len(result):
        raise ValueError(f"{fun_name}: repeated axis in {tuple(seq)}")
    return result


def _asarray(x):
    # Python scalars and numpy values become device arrays (keeping weak types) so that
    # structural lax ops receive arrays; arrays and tracers pass through unchanged.
    if isinstance(x, Tracer) or type(x) is ArrayImpl:
        return x
    from jaxlike.numpy.creation import asarray
    return asarray(x)


def _checked(fun_name, *arrays):
    check_arraylike(fun_name, *arrays)
    return [_asarray(a) for a in arrays]


def _sequence_of_arrays(fun_name, arrays):
    # jnp's joining functions take a sequence of array-likes, or one array whose leading axis
    # is iterated over.
    if isinstance(arrays, (list, tuple)):
        return list(arrays)
    check_arraylike(fun_name, arrays)
    return list(unstack(arrays)) if np.ndim(arrays) else [arrays]


# ---------------------------------------------------------------------------------------------
# Reshaping and transposing.


def _infer_shape(old_shape, new_shape):
    size = _prod(old_shape)
    unknown = [i for i, d in enumerate(new_shape) if d == -1]
    if len(unknown) > 1:
        raise TypeError(f"reshape: can only specify one unknown axis size with a `-1` value, "
                        f"got {new_shape}")
    if any(d < -1 for d in new_shape):
        raise TypeError(f"reshape: invalid shape {new_shape}: dimensions must be nonnegative "
                        "(or -1 for one inferred dimension)")
    known = _prod(d for d in new_shape if d != -1)
    if unknown:
        if known == 0 or size % known:
            raise TypeError(f"cannot reshape array of shape {old_shape} (size {size}) into "
                            f"shape {new_shape} because the product of specified axis sizes "
                            f"({known}) does not evenly divide {size}")
        new_shape = tuple(size // known if d == -1 else d for d in new_shape)
    elif known != size:
        raise TypeError(f"cannot reshape array of shape {old_shape} (size {size}) into shape "
                        f"{new_shape} (size {known})")
    return new_shape


def _prod(dims):
    out = 1
    for d in dims:
        out *= d
    return out


def _reshape(a, new_shape):
    # Skips the op when nothing changes (lax.reshape would be a no-op).
    return a if shape_of(a) == tuple(new_shape) else lax.reshape(a, tuple(new_shape))


def reshape(a, shape, order="C", *, copy=None, out_sharding=None):
    """Returns `a` with the given shape (one dimension may be -1 and is inferred); `order`
    "C" reads and writes elements in row-major order, "F" in column-major order."""
    a, = _checked("reshape", a)
    new_shape = _infer_shape(shape_of(a), canonicalize_shape(shape, "reshape"))
    if order == "C":
        return _reshape(a, new_shape)
    if order == "F":
        # Column-major order is row-major order on the reversed axes.
        reversed_a = transpose(a)
        return transpose(_reshape(reversed_a, new_shape[::-1]))
    if order == "A":
        raise NotImplementedError("reshape: order='A' is not implemented; use 'C' or 'F'.")
    raise ValueError(f"reshape: unexpected value for 'order' argument: {order!r} (expected "
                     "'C' or 'F').")


def ravel(a, order="C", *, out_sharding=None):
    """Returns `a` flattened to one dimension (in C or Fortran order)."""
    a, = _checked("ravel", a)
    return reshape(a, (-1,), order=order)


def transpose(a, axes=None):
    """Returns `a` with its axes permuted by `axes` (reversed when None)."""
    a, = _checked("transpose", a)
    ndim = len(shape_of(a))
    if axes is None:
        perm = tuple(range(ndim - 1, -1, -1))
    else:
        perm = tuple(normalize_axis(ax, ndim, "transpose") for ax in (
            (axes,) if _is_dim(axes) else axes))
        if sorted(perm) != list(range(ndim)):
            raise TypeError(f"transpose permutation isn't a permutation of operand dimensions, "
                            f"got permutation {tuple(axes)} for operand shape {shape_of(a)}.")
    if perm == tuple(range(ndim)):
        return a
    return lax.transpose(a, perm)


def permute_dims(a, /, axes):
    """Returns `a` with its axes permuted by `axes` (the array API name of transpose)."""
    return transpose(a, axes)


def matrix_transpose(x, /):
    """Returns `x` with its last two axes swapped."""
    x, = _checked("matrix_transpose", x)
    ndim = len(shape_of(x))
    if ndim < 2:
        raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got "
                         f"ndim={ndim}")
    return swapaxes(x, -1, -2)


def swapaxes(a, axis1, axis2):
    """Returns `a` with axes `axis1` and `axis2` interchanged."""
    a, = _checked("swapaxes", a)
    ndim = len(shape_of(a))
    perm = list(range(ndim))
    i, j = normalize_axis(axis1, ndim, "swapaxes"), normalize_axis(axis2, ndim, "swapaxes")
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a, source, destination):
    """Returns `a` with the axes `source` moved to positions `destination` (the other axes
    keep their order)."""
    a, = _checked("moveaxis", a)
    ndim = len(shape_of(a))
    src = (source,) if _is_dim(source) else tuple(source)
    dst = (destination,) if _is_dim(destination) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: inconsistent number of elements: {len(src)} vs "
                         f"{len(dst)}")
    src = normalize_axes(src, ndim, "moveaxis")
    dst = normalize_axes(dst, ndim, "moveaxis")
    perm = [i for i in range(ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return transpose(a, perm)


def squeeze(a, axis=None):
    """Returns `a` without the given length-one axes (all of them when `axis` is None)."""
    a, = _checked("squeeze", a)
    a_shape = shape_of(a)
    if axis is None:
        dims = tuple(i for i, d in enumerate(a_shape) if d == 1)
    else:
        dims = normalize_axes(axis, len(a_shape), "squeeze")
        if any(a_shape[d] != 1 for d in dims):
            raise ValueError(f"squeeze: cannot select an axis to squeeze out which has size not "
                             f"equal to one, got shape={a_shape} and dimensions={dims}")
    return lax.squeeze(a, tuple(sorted(dims))) if dims else a


def expand_dims(a, axis):
    """Returns `a` with new length-one axes inserted at the positions `axis` (positions in
    the result)."""
    a, = _checked("expand_dims", a)
    a_shape = shape_of(a)
    out_ndim = len(a_shape) + (1 if _is_dim(axis) else len(tuple(axis)))
    new_axes = normalize_axes(axis, out_ndim, "expand_dims")
    return _insert_unit_axes(a, new_axes)


def _insert_unit_axes(a, new_axes, sizes=None):
    # One broadcast_in_dim that adds axes at `new_axes` (positions in the result), of size 1
    # or `sizes[i]` (used for indexing with True/False and for tile/repeat).
    a_shape = shape_of(a)
    out_ndim = len(a_shape) + len(new_axes)
    sizes = dict(zip(new_axes, sizes or [1] * len(new_axes)))
    kept = [i for i in range(out_ndim) if i not in sizes]
    out_shape = [0] * out_ndim
    for i, d in zip(kept, a_shape):
        out_shape[i] = d
    for i, s in sizes.items():
        out_shape[i] = s
    if not new_axes:
        return a
    return lax.broadcast_in_dim(a, tuple(out_shape), tuple(kept))


# ---------------------------------------------------------------------------------------------
# Joining.


def _promote_for_join(fun_name, arrays, dtype):
    check_arraylike(fun_name, *arrays)
    if dtype is not None:
        dtype = dtypes.canonicalize_dtype(dtype)
        return [lax.convert_element_type(_asarray(x), dtype) for x in arrays]
    return [_asarray(x) for x in _util.promote_dtypes(*arrays)]


def concatenate(arrays, axis=0, dtype=None):
    """Returns the arrays joined along an existing axis (flattened first when axis is None);
    dtypes are promoted together unless `dtype` is given."""
    arrays = _sequence_of_arrays("concatenate", arrays)
    if not arrays:
        raise ValueError("concatenate: need at least one array to concatenate.")
    arrays = _promote_for_join("concatenate", arrays, dtype)
    if axis is None:
        return concatenate([ravel(x) for x in arrays], 0)
    shapes = [shape_of(x) for x in arrays]
    if any(len(s) == 0 for s in shapes):
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated.")
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise TypeError(f"concatenate: cannot concatenate arrays with different numbers of "
                        f"dimensions: got {', '.join(map(str, shapes))}.")
    axis = normalize_axis(axis, len(shapes[0]), "concatenate")
    if any(s[:axis] + s[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:] for s in shapes):
        raise TypeError(f"concatenate: cannot concatenate arrays with shapes that differ in "
                        f"dimensions other than the one being concatenated: concatenating "
                        f"along dimension {axis} for shapes {', '.join(map(str, shapes))}.")
    if len(arrays) == 1:
        return arrays[0]
    return lax.concatenate(arrays, axis)


def concat(arrays, /, *, axis=0):
    """Returns the arrays joined along `axis` (the array API name of concatenate)."""
    return concatenate(arrays, axis)


def stack(arrays, axis=0, out=None, dtype=None):
    """Returns the arrays (all of one shape) joined along a new axis `axis`."""
    if out is not None:
        raise NotImplementedError("stack: the 'out' argument is not supported (arrays are "
                                  "immutable).")
    if not isinstance(arrays, (list, tuple)):
        a, = _checked("stack", arrays)
        axis = normalize_axis(axis, len(shape_of(a)), "stack")
        a = a if dtype is None else lax.convert_element_type(a, dtypes.canonicalize_dtype(dtype))
        return moveaxis(a, 0, axis)
    if not arrays:
        raise ValueError("stack: need at least one array to stack.")
    arrays = _promote_for_join("stack", list(arrays), dtype)
    shapes = [shape_of(x) for x in arrays]
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise ValueError(f"stack: cannot stack arrays with different numbers of dimensions: "
                         f"got {', '.join(map(str, shapes))}.")
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"stack: all input arrays must have the same shape, got "
                         f"{', '.join(map(str, shapes))}.")
    axis = normalize_axis(axis, len(shapes[0]) + 1, "stack")
    return concatenate([_insert_unit_axes(x, (axis,)) for x in arrays], axis)


def hstack(tup, dtype=None):
    """Returns the arrays joined horizontally: along axis 0 for 1-D inputs, else axis 1."""
    arrays = atleast_1d(*_sequence_of_arrays("hstack", tup))
    arrays = arrays if isinstance(arrays, list) else [arrays]
    axis = 0 if arrays and len(shape_of(arrays[0])) == 1 else 1
    return concatenate(arrays, axis, dtype=dtype)


def vstack(tup, dtype=None):
    """Returns the arrays (made at least 2-D) joined along axis 0."""
    arrays = atleast_2d(*_sequence_of_arrays("vstack", tup))
    return concatenate(arrays if isinstance(arrays, list) else [arrays], 0, dtype=dtype)


def dstack(tup, dtype=None):
    """Returns the arrays (made at least 3-D) joined along axis 2."""
    arrays = atleast_3d(*_sequence_of_arrays("dstack", tup))
    return concatenate(arrays if isinstance(arrays, list) else [arrays], 2, dtype=dtype)


def column_stack(tup):
    """Returns 1-D arrays as columns (and 2-D arrays as they are) joined along axis 1."""
    arrays = _checked("column_stack", *_sequence_of_arrays("column_stack", tup))
    columns = [x if len(shape_of(x)) >= 2 else reshape(x, (-1, 1)) for x in arrays]
    return concatenate(columns, 1)


# ---------------------------------------------------------------------------------------------
# Splitting.


def _static_ints(value, fun_name, what):
    # Split points and repeat counts must be known at trace time.
    if isinstance(value, Tracer):
        raise errors.ConcretizationTypeError(
            value, f"The problem arose with the `{what}` argument of jnp.{fun_name}, which must "
                   "be static (a Python int, a sequence of ints or a concrete array).\n")
    return np.asarray(value).astype(np.int64, copy=False)


def _split_bounds(size, indices_or_sections, fun_name, equal):
    if _is_dim(indices_or_sections) and np.ndim(indices_or_sections) == 0 and not isinstance(
            indices_or_sections, Tracer):
        sections = operator.index(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"{fun_name}: number of sections must be larger than 0, got "
                             f"{sections}.")
        if equal and size % sections:
            raise ValueError(f"{fun_name}: array split does not result in an equal division: "
                             f"an axis of size {size} cannot be split into {sections} sections; "
                             "use jnp.array_split for unequal sections.")
        small, extra = divmod(size, sections)
        sizes = [small + 1] * extra + [small] * (sections - extra)
        starts = np.cumsum([0] + sizes[:-1])
        return [(int(s), int(s) + n) for s, n in zip(starts, sizes)]
    points = _static_ints(indices_or_sections, fun_name, "indices_or_sections").ravel()
    # numpy's semantics: split points past the end (or before the start) clip.
    edges = [0] + [builtins.min(builtins.max(int(p) if p >= 0 else int(p) + size, 0), size)
                   for p in points] + [size]
    return [(lo, builtins.max(lo, hi)) for lo, hi in zip(edges[:-1], edges[1:])]


def _split(fun_name, ary, indices_or_sections, axis, equal):
    ary, = _checked(fun_name, ary)
    a_shape = shape_of(ary)
    axis = normalize_axis(axis, len(a_shape), fun_name)
    pieces = []
    for lo, hi in _split_bounds(a_shape[axis], indices_or_sections, fun_name, equal):
        start = [0] * len(a_shape)
        limit = list(a_shape)
        start[axis], limit[axis] = lo, hi
        pieces.append(ary if (lo, hi) == (0, a_shape[axis]) else
                      lax.slice(ary, tuple(start), tuple(limit)))
    return pieces


def split(ary, indices_or_sections, axis=0):
    """Returns a list of sub-arrays of `ary` along `axis`: `indices_or_sections` equal parts
    (an int, which must divide the axis), or the parts between the given split points."""
    return _split("split", ary, indices_or_sections, axis, equal=True)


def array_split(ary, indices_or_sections, axis=0):
    """Like split, but an int number of sections need not divide the axis (the first parts are
    one element longer)."""
    return _split("array_split", ary, indices_or_sections, axis, equal=False)


def hsplit(ary, indices_or_sections):
    """Returns split along axis 1 (axis 0 for 1-D arrays)."""
    axis = 1 if np.ndim(ary) > 1 else 0
    return _split("hsplit", ary, indices_or_sections, axis, equal=True)


def vsplit(ary, indices_or_sections):
    """Returns split along axis 0."""
    return _split("vsplit", ary, indices_or_sections, 0, equal=True)


def dsplit(ary, indices_or_sections):
    """Returns split along axis 2."""
    return _split("dsplit", ary, indices_or_sections, 2, equal=True)


def unstack(x, /, *, axis=0):
    """Returns the tuple of slices of `x` along `axis` (each with that axis removed)."""
    x, = _checked("unstack", x)
    x_shape = shape_of(x)
    axis = normalize_axis(axis, len(x_shape), "unstack")
    x = moveaxis(x, axis, 0)
    from jaxlike.numpy.indexing import getitem
    return tuple(getitem(x, i) for i in range(x_shape[axis]))


# ---------------------------------------------------------------------------------------------
# Tiling and repeating.


def tile(A, reps):
    """Returns `A` repeated `reps` times along each axis (reps and A's shape are aligned at the
    trailing axes, padded with ones)."""
    A, = _checked("tile", A)
    reps = canonicalize_shape(reps, "tile")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repetitions must be nonnegative, got {reps}")
    a_shape = shape_of(A)
    ndim = builtins.max(len(reps), len(a_shape))
    reps = (1,) * (ndim - len(reps)) + reps
    a_shape = (1,) * (ndim - len(a_shape)) + a_shape
    A = _reshape(A, a_shape)
    if all(r == 1 for r in reps):
        return A
    # Broadcast to (r0, d0, r1, d1, ...) and merge each pair: element (i, j) of the merged
    # axis k is element j of the original axis, repeated i times.
    tiled = _insert_unit_axes(A, tuple(range(0, 2 * ndim, 2)), reps)
    return _reshape(tiled, tuple(r * d for r, d in zip(reps, a_shape)))


def repeat(a, repeats, axis=None, *, total_repeat_length=None, out_sharding=None):
    """Returns `a` with each element repeated `repeats` times along `axis` (on the flattened
    array when None); `repeats` is an int or one static count per element. With
    `total_repeat_length` the result is truncated, or padded with the last element, to that
    length."""
    check_arraylike("repeat", a, repeats)
    a, = _checked("repeat", a)
    if axis is None:
        a, axis = ravel(a), 0
    a_shape = shape_of(a)
    axis = normalize_axis(axis, len(a_shape), "repeat")
    counts = _static_ints(repeats, "repeat", "repeats")
    if np.any(counts < 0):
        raise ValueError(f"repeat: repeats must be nonnegative, got {counts.tolist()}")
    if counts.size == 1:
        out = _repeat_each(a, axis, int(counts.ravel()[0]))
    elif counts.ndim != 1 or counts.size != a_shape[axis]:
        raise ValueError(f"repeat: repeats {counts.shape} must be a scalar or have one entry "
                         f"per element of axis {axis} (size {a_shape[axis]}).")
    else:
        pieces = [_repeat_each(p, axis, int(c)) for p, c in
                  zip(_split("repeat", a, a_shape[axis], axis, True), counts) if c]
        out = concatenate(pieces, axis) if pieces else _empty_along(a, axis)
    return out if total_repeat_length is None else _fit_length(out, axis, total_repeat_length)


def _repeat_each(a, axis, count):
    # Insert a new axis of size `count` after `axis`, then merge the two.
    a_shape = shape_of(a)
    if count == 1:
        return a
    widened = _insert_unit_axes(a, (axis + 1,), (count,))
    return _reshape(widened, a_shape[:axis] + (a_shape[axis] * count,) + a_shape[axis + 1:])


def _empty_along(a, axis):
    a_shape = shape_of(a)
    return lax.slice(a, (0,) * len(a_shape), a_shape[:axis] + (0,) + a_shape[axis + 1:])


def _fit_length(out, axis, length):
    # Truncate, or pad with copies of the last element, along `axis`.
    length = operator.index(length)
    out_shape = shape_of(out)
    n = out_shape[axis]
    if length <= n:
        limit = out_shape[:axis] + (length,) + out_shape[axis + 1:]
        return out if length == n else lax.slice(out, (0,) * len(out_shape), limit)
    if n == 0:
        raise ValueError("repeat: total_repeat_length is larger than the result, which has no "
                         "element to pad with.")
    start = [0] * len(out_shape)
    start[axis] = n - 1
    last = lax.slice(out, tuple(start), out_shape)
    return concatenate([out, _repeat_each(last, axis, length - n)], axis)


# ---------------------------------------------------------------------------------------------
# Broadcasting.


def broadcast_shapes(*shapes):
    """Returns the shape that arrays of the given shapes broadcast to (numpy rules)."""
    shapes = [canonicalize_shape(s, "broadcast_shapes") for s in shapes]
    try:
        return _util.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={shapes}") from None


def broadcast_to(array, shape, *, out_sharding=None):
    """Returns `array` broadcast to `shape` (numpy rules)."""
    array, = _checked("broadcast_to", array)
    shape = canonicalize_shape(shape, "broadcast_to")
    check_nonnegative_shape(shape, "broadcast_to")
    a_shape = shape_of(array)
    if len(shape) < len(a_shape):
        raise ValueError(f"broadcast_to: cannot broadcast to shape with fewer dimensions: "
                         f"arr_shape={a_shape} shape={shape}")
    tail = shape[len(shape) - len(a_shape):]
    if any(d != 1 and d != t for d, t in zip(a_shape, tail)):
        aval = get_aval(array)
        raise ValueError(f"broadcast_to: incompatible types for broadcasting: input type="
                         f"{aval.str_short()} and requested shape {shape}")
    return _util.broadcast_to_shape(array, shape)


def broadcast_arrays(*args):
    """Returns the list of `args` broadcast to their common shape."""
    arrays = _checked("broadcast_arrays", *args)
    shape = broadcast_shapes(*(shape_of(x) for x in arrays))
    return [broadcast_to(x, shape) for x in arrays]


def _atleast(fun_name, arys, ndim, place):
    arrays = _checked(fun_name, *arys)
    out = []
    for x in arrays:
        x_ndim = len(shape_of(x))
        out.append(x if x_ndim >= ndim else _insert_unit_axes(x, place[x_ndim]))
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    """Returns each input as an array of at least one dimension (one array, or a list)."""
    return _atleast("atleast_1d", arys, 1, {0: (0,)})


def atleast_2d(*arys):
    """Returns each input as an array of at least two dimensions (new axes in front)."""
    return _atleast("atleast_2d", arys, 2, {0: (0, 1), 1: (0,)})


def atleast_3d(*arys):
    """Returns each input with at least three dimensions: (N,) becomes (1, N, 1) and (M, N)
    becomes (M, N, 1), as in numpy."""
    return _atleast("atleast_3d", arys, 3, {0: (0, 1, 2), 1: (0, 2), 2: (2,)})


# ---------------------------------------------------------------------------------------------
# Flipping and rotating.


def flip(m, axis=None):
    """Returns `m` with the order of elements reversed along `axis` (all axes when None)."""
    m, = _checked("flip", m)
    ndim = len(shape_of(m))
    dims = tuple(range(ndim)) if axis is None else normalize_axes(axis, ndim, "flip")
    return lax.rev(m, tuple(sorted(dims))) if dims else m


def fliplr(m):
    """Returns `m` reversed along axis 1."""
    return flip(m, 1)


def flipud(m):
    """Returns `m` reversed along axis 0."""
    return flip(m, 0)


def rot90(m, k=1, axes=(0, 1)):
    """Returns `m` rotated by 90 degrees `k` times in the plane of `axes` (from the first
    axis towards the second)."""
    m, = _checked("rot90", m)
    ndim = len(shape_of(m))
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must be a pair of axes, got {axes}")
    ax0, ax1 = normalize_axes(axes, ndim, "rot90")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(m, (ax0, ax1))
    if k == 1:
        return swapaxes(flip(m, ax1), ax0, ax1)
    return flip(swapaxes(m, ax0, ax1), ax1)


# ---------------------------------------------------------------------------------------------
# Shape queries.


def shape(a):
    """Returns the shape of an array-like (arrays, numpy values, scalars, nested lists)."""
    return tuple(a.shape) if hasattr(a, "shape") else np.shape(a)


def ndim(a):
    """Returns the number of dimensions of an array-like."""
    return len(shape(a))


def size(a, axis=None):
    """Returns the number of elements of an array-like (along `axis` when given)."""
    a_shape = shape(a)
    if axis is None:
        return _prod(a_shape)
    axes = normalize_axes(axis, len(a_shape), "size")
    return _prod(a_shape[i] for i in axes)
