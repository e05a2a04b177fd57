"""Structural (shape) primitives: broadcasting, reshaping, transposing, squeezing, reversing,
iota, concatenation, padding, and static and dynamic slicing.

None of these computes on values; each only moves or copies elements. Their abstract
evaluation does all the checking (ranks, dimensions in range, permutations, sizes), so that a
bad argument fails while tracing with a message that names the lax function, the operand's
shape and the argument at fault. The user-facing functions normalize their arguments (negative
axes, Python ints, no-op shortcuts) the way JAX's do, so printed jaxprs look alike.

Each is linear in its array operands (start indices are integers, without derivative), so
its JVP applies the primitive to the tangents and its transpose rule, next to it, moves a
cotangent back to where the operand's elements came from. Its batching rule (vmap), next to
those, binds the same primitive once for the whole batch with the batch axis added to the
params, keeping that axis where it is when the primitive allows. The exceptions are the
dynamic slices with per-example start indices: each example reads (or writes) its window at
its own offset, so dynamic_slice becomes one gather and dynamic_update_slice one scatter.
"""
import math
import operator

import numpy as np

from jaxlike import dtypes
from jaxlike.core import Primitive, ShapedArray, Tracer, abstract_eval, get_aval
from jaxlike.core.ir import param_printers
from jaxlike.interpreters import ad, batching
from jaxlike.interpreters.batching import not_mapped
from jaxlike.lax import elementwise as ew

__all__ = [
    "broadcast_in_dim_p", "reshape_p", "transpose_p", "squeeze_p", "rev_p", "iota_p",
    "concatenate_p", "pad_p", "slice_p", "dynamic_slice_p", "dynamic_update_slice_p",
    "broadcast_in_dim", "broadcast", "reshape", "transpose", "squeeze", "expand_dims", "rev",
    "iota", "broadcasted_iota", "concatenate", "pad", "slice", "dynamic_slice",
    "dynamic_update_slice", "index_in_dim", "slice_in_dim", "dynamic_index_in_dim",
    "dynamic_slice_in_dim", "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim",
    "collapse",
]


# ---------------------------------------------------------------------------------------------
# Argument checking shared by the rules below.

def _static_ints(fname, what, values):
    """Returns `values` (a sequence of integers) as a tuple of Python ints; raises TypeError
    naming the function and argument otherwise. Traced values raise the tracer's own error."""
    if isinstance(values, (int, np.integer)):
        values = (values,)
    try:
        values = tuple(values)
    except TypeError:
        raise TypeError(f"{fname}: {what} must be a sequence of integers, got {values!r}") from None
    out = []
    for v in values:
        try:
            out.append(operator.index(v))
        except TypeError:
            if isinstance(v, Tracer):
                raise
            raise TypeError(f"{fname}: {what} must be a sequence of integers, got "
                            f"{values!r}") from None
    return tuple(out)


def _canonicalize_axis(fname, axis, ndim, shape):
    """Returns `axis` in [0, ndim), counting negative axes from the end; raises ValueError
    naming the operand `shape` (ndim differs from its rank where axes index the result)."""
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{fname}: axis {axis} is out of bounds for rank {ndim} (operand "
                         f"shape {shape})")
    return axis % ndim


def _canonicalize_dims(fname, dimensions, ndim, shape):
    """Returns `dimensions` as Python ints in [0, ndim); raises ValueError naming the operand
    `shape` when one is out of range or repeated."""
    dims = _static_ints(fname, "dimensions", dimensions)
    dims = tuple(_canonicalize_axis(fname, d, ndim, shape) for d in dims)
    if len(set(dims)) != len(dims):
        raise ValueError(f"{fname}: repeated dimension in {dimensions} (operand shape {shape})")
    return dims


def _check_nonnegative(fname, what, sizes):
    if any(s < 0 for s in sizes):
        raise TypeError(f"{fname}: {what} must be nonnegative, got {sizes}")


def _check_dims(fname, what, dims, ndim, shape):
    """Checks that `dims` are distinct dimensions in [0, ndim) (ndim: the rank they index)."""
    if any(not 0 <= d < ndim for d in dims):
        raise TypeError(f"{fname}: {what} {dims} out of range for rank {ndim} (operand shape "
                        f"{shape})")
    if len(set(dims)) != len(dims):
        raise TypeError(f"{fname}: {what} must be unique, got {dims} for operand shape {shape}")


def _check_permutation(fname, what, perm, shape):
    if sorted(perm) != list(range(len(shape))):
        raise TypeError(f"{fname}: {what} must be a permutation of the operand's dimensions "
                        f"{tuple(range(len(shape)))}, got {what} {perm} for operand shape {shape}")


def _check_no_sharding(fname, out_sharding):
    if out_sharding is not None:
        raise NotImplementedError(f"{fname}: out_sharding is not supported yet; use "
                                  "with_sharding_constraint on the result instead")


def _shape(x):
    return get_aval(x).shape


def _as_array(x):
    """Returns `x` if it is an array or tracer, else `x` on the device: like JAX's, lax
    functions return arrays even when they have nothing to do."""
    if isinstance(x, Tracer) or hasattr(x, "aval"):
        return x
    from jaxlike import dispatch
    return dispatch.to_device(x)


def _linear_aval(x):
    """Returns the aval of a transpose rule's operand, linear (UndefinedPrimal) or not."""
    return x.aval if ad.is_undefined_primal(x) else get_aval(x)


def _reduce_sum(x, axes):
    """Returns lax.reduce_sum(x, axes), or `x` when there is nothing to sum. Imported late:
    reductions' own rules build on this module."""
    if not axes:
        return x
    from jaxlike.lax.reductions import reduce_sum
    return reduce_sum(x, axes)


def _zero_scalar(x):
    """Returns a scalar zero of `x`'s dtype (a padding value for cotangents)."""
    return np.zeros((), get_aval(x).dtype)


def _insert(seq, i, value):
    """Returns `seq` as a tuple with `value` inserted at position `i` (a batch axis's entry
    in a per-dimension param)."""
    seq = tuple(seq)
    return seq[:i] + (value,) + seq[i:]


def _skip_batch_dim(dims, batch_dim):
    """Returns operand dimensions `dims` (counted without the batch axis) renumbered for an
    operand whose batch axis is at `batch_dim`."""
    return tuple(d + (d >= batch_dim) for d in dims)


def _batching_rule(prim):
    """Returns a decorator registering a batching rule for `prim`, which first checks the
    operands of one example: a bad argument then fails naming the shapes the user's function
    sees, not the batched ones."""
    def register(rule):
        def checked(vals, dims, **params):
            avals = []
            for v, d in zip(vals, dims):
                aval = get_aval(v)
                avals.append(aval.update(shape=_without(aval.shape, d)))
            abstract_eval(prim, avals, params)
            return rule(vals, dims, **params)
        batching.primitive_batchers[prim] = checked
        return rule
    return register


def _without(shape, dim):
    """Returns `shape` without its batch axis `dim` (`shape` itself when not_mapped)."""
    return shape if dim is not_mapped else shape[:dim] + shape[dim + 1:]


def _batch_size(vals, dims):
    """Returns the size of the batch axis of the first batched value."""
    return next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not not_mapped)


# ---------------------------------------------------------------------------------------------
# broadcast_in_dim, broadcast, expand_dims.

broadcast_in_dim_p = Primitive("broadcast_in_dim")


@broadcast_in_dim_p.def_abstract_eval
def _broadcast_in_dim_aval(x, *, shape, broadcast_dimensions, sharding):
    fname = "broadcast_in_dim"
    _check_nonnegative(fname, "shape", shape)
    if len(broadcast_dimensions) != x.ndim:
        raise TypeError(f"{fname}: broadcast_dimensions {broadcast_dimensions} must have one "
                        f"entry per operand dimension; operand shape is {x.shape}")
    if len(shape) < x.ndim:
        raise TypeError(f"{fname}: target shape {shape} has lower rank than the operand "
                        f"shape {x.shape}")
    _check_dims(fname, "broadcast_dimensions", broadcast_dimensions, len(shape), x.shape)
    for size, out_dim in zip(x.shape, broadcast_dimensions):
        if size != 1 and size != shape[out_dim]:
            raise TypeError(f"{fname}: operand shape {x.shape} cannot be broadcast to shape "
                            f"{shape} with broadcast_dimensions {broadcast_dimensions}: each "
                            "operand dimension must be 1 or equal its target dimension")
    return x.update(shape=shape)


def _pp_broadcast_in_dim(params):
    # As JAX prints it: the shape is the output type; empty or None params are left out.
    return {k: v for k, v in params.items()
            if k != "shape" and v is not None and v != ()}


param_printers["broadcast_in_dim"] = _pp_broadcast_in_dim


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions, sharding):
    # Each operand element was copied along the new dimensions and along its size-1
    # dimensions: its cotangent sums those copies. The summed result keeps the surviving
    # dimensions in output order; put them back in operand order, then re-insert the 1s.
    in_shape = x.aval.shape
    unit = tuple(i for i, size in enumerate(in_shape) if size == 1)
    kept = sorted((d, i) for i, d in enumerate(broadcast_dimensions) if i not in unit)
    kept_out = {d for d, _ in kept}
    summed = _reduce_sum(ct, tuple(d for d in range(len(shape)) if d not in kept_out))
    order = [i for _, i in kept]
    summed = transpose(summed, tuple(np.argsort(order)))
    return [expand_dims(summed, unit)]


ad.deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)


@_batching_rule(broadcast_in_dim_p)
def _broadcast_in_dim_batch(vals, dims, *, shape, broadcast_dimensions, sharding):
    # The batch axis goes into the output just before the output dimension of the operand
    # dimension that follows it (last if none does): increasing broadcast_dimensions stay
    # increasing, and no transpose is needed.
    (x,), (b,) = vals, dims
    out_b = broadcast_dimensions[b] if b < len(broadcast_dimensions) else len(shape)
    new_dims = tuple(d + (d >= out_b) for d in broadcast_dimensions)
    return broadcast_in_dim_p.bind(
        x, shape=_insert(shape, out_b, get_aval(x).shape[b]),
        broadcast_dimensions=_insert(new_dims, b, out_b), sharding=sharding), out_b


def broadcast_in_dim(operand, shape, broadcast_dimensions, *, out_sharding=None):
    """Returns `operand` broadcast to `shape`, operand dimension i becoming output dimension
    `broadcast_dimensions[i]` (whose size it must equal, or be 1)."""
    _check_no_sharding("broadcast_in_dim", out_sharding)
    shape = _static_ints("broadcast_in_dim", "shape", shape)
    dims = _static_ints("broadcast_in_dim", "broadcast_dimensions", broadcast_dimensions)
    if _shape(operand) == shape and dims == tuple(range(len(shape))):
        return _as_array(operand)
    return broadcast_in_dim_p.bind(operand, shape=shape, broadcast_dimensions=dims,
                                   sharding=None)


def broadcast(operand, sizes, *, out_sharding=None):
    """Returns `operand` broadcast with new leading dimensions of the given `sizes` (the
    result's shape is `sizes + operand.shape`)."""
    sizes = _static_ints("broadcast", "sizes", sizes)
    ndim = len(_shape(operand))
    return broadcast_in_dim(operand, sizes + _shape(operand),
                            tuple(range(len(sizes), len(sizes) + ndim)),
                            out_sharding=out_sharding)


def expand_dims(array, dimensions):
    """Returns `array` with size-1 dimensions inserted at `dimensions` (positions in the
    result; negative ones count from its end)."""
    shape = _shape(array)
    out_ndim = len(shape) + len(_static_ints("expand_dims", "dimensions", dimensions))
    dims = _canonicalize_dims("expand_dims", dimensions, out_ndim, shape)
    if not dims:
        return _as_array(array)
    kept = tuple(d for d in range(out_ndim) if d not in dims)
    out_shape = [1] * out_ndim
    for d, size in zip(kept, shape):
        out_shape[d] = size
    return broadcast_in_dim(array, tuple(out_shape), kept)


# ---------------------------------------------------------------------------------------------
# reshape, collapse, transpose, squeeze, rev.

reshape_p = Primitive("reshape")


@reshape_p.def_abstract_eval
def _reshape_aval(x, *, new_sizes, dimensions, sharding):
    _check_nonnegative("reshape", "new_sizes", new_sizes)
    if math.prod(new_sizes) != x.size:
        raise TypeError(f"reshape: cannot reshape operand of shape {x.shape} (size {x.size}) "
                        f"into new_sizes {new_sizes} (size {math.prod(new_sizes)}); the sizes "
                        "must be equal")
    if dimensions is not None:
        _check_permutation("reshape", "dimensions", dimensions, x.shape)
    return x.update(shape=new_sizes)


def _reshape_transpose(ct, x, *, new_sizes, dimensions, sharding):
    # reshape with `dimensions` transposes first: undo the reshape, then the transpose.
    shape = x.aval.shape
    if dimensions is None:
        return [reshape(ct, shape)]
    permuted = reshape(ct, tuple(shape[d] for d in dimensions))
    return [transpose(permuted, tuple(np.argsort(dimensions)))]


ad.deflinear(reshape_p, _reshape_transpose)


@_batching_rule(reshape_p)
def _reshape_batch(vals, dims, *, new_sizes, dimensions, sharding):
    # Row-major order must read the batch axis first: reshape's own transpose (`dimensions`)
    # moves it to the front, so the batched reshape stays one primitive.
    (x,), (b,) = vals, dims
    shape = get_aval(x).shape
    order = tuple(range(len(shape) - 1)) if dimensions is None else dimensions
    return reshape(x, (shape[b],) + new_sizes, (b,) + _skip_batch_dim(order, b)), 0


def reshape(operand, new_sizes, dimensions=None, *, out_sharding=None):
    """Returns `operand` with shape `new_sizes` (same number of elements), read in row-major
    order after transposing it by `dimensions` when given."""
    _check_no_sharding("reshape", out_sharding)
    new_sizes = _static_ints("reshape", "new_sizes", new_sizes)
    shape = _shape(operand)
    if dimensions is not None:
        dimensions = _static_ints("reshape", "dimensions", dimensions)
        if dimensions == tuple(range(len(shape))):
            dimensions = None
    if new_sizes == shape and dimensions is None:
        return _as_array(operand)
    return reshape_p.bind(operand, new_sizes=new_sizes, dimensions=dimensions, sharding=None)


def collapse(operand, start_dimension, stop_dimension=None):
    """Returns `operand` with dimensions [start_dimension, stop_dimension) merged into one."""
    shape = _shape(operand)
    ndim = len(shape)
    start = _canonicalize_axis("collapse", start_dimension, ndim, shape)
    stop = ndim if stop_dimension is None else operator.index(stop_dimension)
    stop = stop + ndim if stop < 0 else stop
    if not start <= stop <= ndim:
        raise ValueError(f"collapse: invalid dimensions [{start_dimension}, {stop_dimension}) "
                         f"for operand shape {shape}")
    merged = math.prod(shape[start:stop])
    return reshape(operand, shape[:start] + (merged,) + shape[stop:])


transpose_p = Primitive("transpose")


@transpose_p.def_abstract_eval
def _transpose_aval(x, *, permutation):
    _check_permutation("transpose", "permutation", permutation, x.shape)
    return x.update(shape=tuple(x.shape[p] for p in permutation))


def _transpose_transpose(ct, x, *, permutation):
    return [transpose(ct, tuple(np.argsort(permutation)))]


ad.deflinear(transpose_p, _transpose_transpose)


@_batching_rule(transpose_p)
def _transpose_batch(vals, dims, *, permutation):
    # The batch axis stays where it is; the other axes are permuted around it.
    (x,), (b,) = vals, dims
    perm = _insert(_skip_batch_dim(permutation, b), b, b)
    return transpose_p.bind(x, permutation=perm), b


def transpose(operand, permutation):
    """Returns `operand` with its dimensions permuted: output dimension i is operand
    dimension `permutation[i]`."""
    permutation = _static_ints("transpose", "permutation", permutation)
    if permutation == tuple(range(len(_shape(operand)))):
        return _as_array(operand)
    return transpose_p.bind(operand, permutation=permutation)


squeeze_p = Primitive("squeeze")


@squeeze_p.def_abstract_eval
def _squeeze_aval(x, *, dimensions):
    _check_dims("squeeze", "dimensions", dimensions, x.ndim, x.shape)
    if any(x.shape[d] != 1 for d in dimensions):
        raise ValueError(f"squeeze: cannot remove dimensions {dimensions} of operand shape "
                         f"{x.shape}: their sizes must be 1")
    return x.update(shape=tuple(s for i, s in enumerate(x.shape) if i not in dimensions))


def _squeeze_transpose(ct, x, *, dimensions):
    return [expand_dims(ct, dimensions)]


ad.deflinear(squeeze_p, _squeeze_transpose)


@_batching_rule(squeeze_p)
def _squeeze_batch(vals, dims, *, dimensions):
    # The batch axis stays; it moves left by the number of removed dimensions before it.
    (x,), (b,) = vals, dims
    out = squeeze_p.bind(x, dimensions=_skip_batch_dim(dimensions, b))
    return out, b - sum(d < b for d in dimensions)


def squeeze(array, dimensions):
    """Returns `array` without the size-1 `dimensions` (negative ones count from the end)."""
    shape = _shape(array)
    dims = tuple(sorted(_canonicalize_dims("squeeze", dimensions, len(shape), shape)))
    if not dims:
        return _as_array(array)
    return squeeze_p.bind(array, dimensions=dims)


rev_p = Primitive("rev")


@rev_p.def_abstract_eval
def _rev_aval(x, *, dimensions):
    _check_dims("rev", "dimensions", dimensions, x.ndim, x.shape)
    return x


ad.deflinear(rev_p, lambda ct, x, *, dimensions: [rev(ct, dimensions)])


@_batching_rule(rev_p)
def _rev_batch(vals, dims, *, dimensions):
    (x,), (b,) = vals, dims
    return rev_p.bind(x, dimensions=_skip_batch_dim(dimensions, b)), b


def rev(operand, dimensions):
    """Returns `operand` with the order of elements reversed along `dimensions`."""
    return rev_p.bind(operand, dimensions=_static_ints("rev", "dimensions", dimensions))


# ---------------------------------------------------------------------------------------------
# iota.

iota_p = Primitive("iota")


@iota_p.def_abstract_eval
def _iota_aval(*, dtype, shape, dimension, sharding):
    if ew.dtype_kind(dtype) not in ("int", "uint", "float", "complex"):
        raise TypeError(f"iota: dtype {np.dtype(dtype).name} is not supported; use an "
                        "integer, floating or complex dtype")
    _check_nonnegative("iota", "shape", shape)
    if not 0 <= dimension < len(shape):
        raise ValueError(f"iota: dimension {dimension} is out of range for shape {shape}")
    return ShapedArray(shape, dtype)


# No operands, so nothing to differentiate against: the rule only completes the registry.
ad.defnondiff(iota_p)
# Nor anything to batch: the batch trace binds a primitive without batched operands as it
# is, so iota needs no batching rule.


def broadcasted_iota(dtype, shape, dimension, *, out_sharding=None):
    """Returns an array of `shape` whose elements are their index along `dimension`."""
    _check_no_sharding("broadcasted_iota", out_sharding)
    shape = _static_ints("broadcasted_iota", "shape", shape)
    return iota_p.bind(dtype=dtypes.canonicalize_dtype(dtype), shape=shape,
                       dimension=operator.index(dimension), sharding=None)


def iota(dtype, size):
    """Returns [0, 1, ..., size - 1] as a 1-D array of `dtype`."""
    return broadcasted_iota(dtype, (size,), 0)


# ---------------------------------------------------------------------------------------------
# concatenate, pad.

concatenate_p = Primitive("concatenate")


@concatenate_p.def_abstract_eval
def _concatenate_aval(*xs, dimension):
    if not xs:
        raise ValueError("concatenate: needs at least one operand")
    shapes = ", ".join(str(x.shape) for x in xs)
    if any(x.dtype != xs[0].dtype for x in xs):
        raise TypeError(f"concatenate: operands must have the same dtype, got "
                        f"{', '.join(x.dtype.name for x in xs)}. Convert them first, or use "
                        "jnp.concatenate, which promotes.")
    if any(x.ndim != xs[0].ndim for x in xs):
        raise TypeError(f"concatenate: operands must have the same rank, got shapes {shapes}")
    if not 0 <= dimension < xs[0].ndim:
        raise TypeError(f"concatenate: dimension {dimension} is out of range for shapes "
                        f"{shapes}")

    def others(x):
        return x.shape[:dimension] + x.shape[dimension + 1:]
    if any(others(x) != others(xs[0]) for x in xs):
        raise TypeError(f"concatenate: operand shapes may differ only in dimension "
                        f"{dimension}, got shapes {shapes}")
    shape = list(xs[0].shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return ShapedArray(shape, xs[0].dtype, all(x.weak_type for x in xs))


def _concatenate_transpose(ct, *xs, dimension):
    # Each linear operand's cotangent is its own stretch of `ct` along `dimension`.
    cts, start = [], 0
    for x in xs:
        size = _linear_aval(x).shape[dimension]
        cts.append(slice_in_dim(ct, start, start + size, axis=dimension)
                   if ad.is_undefined_primal(x) else None)
        start += size
    return cts


ad.deflinear(concatenate_p, _concatenate_transpose)


@_batching_rule(concatenate_p)
def _concatenate_batch(vals, dims, *, dimension):
    # The batch axis goes where the first batched operand has it; the other operands are
    # moved (or broadcast) to match, and the concatenated dimension renumbered around it.
    b = next(d for d in dims if d is not not_mapped)
    size = _batch_size(vals, dims)
    operands = [batching.move_to(v, d, size, b) for v, d in zip(vals, dims)]
    return concatenate_p.bind(*operands, dimension=dimension + (dimension >= b)), b


def concatenate(operands, dimension):
    """Returns the operands joined along `dimension` (they must agree on every other one)."""
    operands = list(operands)
    dimension = operator.index(dimension)
    if len(operands) == 1:
        return _as_array(operands[0])
    return concatenate_p.bind(*operands, dimension=dimension)


pad_p = Primitive("pad")


@pad_p.def_abstract_eval
def _pad_aval(x, padding_value, *, padding_config):
    if padding_value.shape != ():
        raise ValueError(f"pad: padding_value must be a scalar, got shape {padding_value.shape}")
    if padding_value.dtype != x.dtype:
        raise TypeError(f"pad: operand and padding_value must have the same dtype, got "
                        f"{x.dtype.name} and {padding_value.dtype.name}")
    if len(padding_config) != x.ndim:
        raise ValueError(f"pad: padding_config {padding_config} must have one (low, high, "
                         f"interior) triple per dimension of operand shape {x.shape}")
    if any(interior < 0 for _, _, interior in padding_config):
        raise ValueError(f"pad: interior padding must be nonnegative, got padding_config "
                         f"{padding_config}")
    shape = tuple(lo + hi + d + max(d - 1, 0) * interior
                  for d, (lo, hi, interior) in zip(x.shape, padding_config))
    if any(d < 0 for d in shape):
        raise ValueError(f"pad: padding_config {padding_config} on operand shape {x.shape} "
                         f"gives a negative result shape {shape}")
    return ShapedArray(shape, x.dtype, x.weak_type and padding_value.weak_type)


def _unpad(ct, padding_config):
    """Returns the elements of `ct` that came from the operand of pad(·, padding_config):
    the edge padding is cut off (negative padding had dropped operand elements: they are put
    back as zeros, since they did not reach the output), then every (interior + 1)-th
    element is kept."""
    if any(lo or hi for lo, hi, _ in padding_config):
        ct = pad(ct, _zero_scalar(ct), [(-lo, -hi, 0) for lo, hi, _ in padding_config])
    if any(interior for _, _, interior in padding_config):
        shape = get_aval(ct).shape
        ct = slice(ct, (0,) * len(shape), shape,
                   tuple(interior + 1 for _, _, interior in padding_config))
    return ct


def _pad_transpose(ct, x, padding_value, *, padding_config):
    ct_x = _unpad(ct, padding_config)
    ct_value = None
    if ad.is_undefined_primal(padding_value):
        # Every output element not taken from the operand is a copy of padding_value.
        every = tuple(range(len(padding_config)))
        ct_value = ew.sub(_reduce_sum(ct, every), _reduce_sum(ct_x, every))
    return [ct_x if ad.is_undefined_primal(x) else None, ct_value]


ad.deflinear(pad_p, _pad_transpose)


@_batching_rule(pad_p)
def _pad_batch(vals, dims, *, padding_config):
    x, value = vals
    x_dim, value_dim = dims
    if x_dim is not_mapped:
        x_dim, x = 0, batching.broadcast_batched(x, get_aval(value).shape[0], 0)
    config = _insert(padding_config, x_dim, (0, 0, 0))
    if value_dim is not_mapped:
        return pad_p.bind(x, value, padding_config=config), x_dim
    # Each example has its own padding value, but pad takes a scalar: pad with zeros, pad a
    # mask of the operand's elements the same way, and select each example's value outside it.
    padded = pad_p.bind(x, ew._const(x, 0), padding_config=config)
    inside = pad_p.bind(broadcast_in_dim(np.asarray(True), get_aval(x).shape, ()),
                        np.asarray(False), padding_config=config)
    fill = broadcast_in_dim(value, get_aval(padded).shape, (x_dim,))
    return ew.select_n(inside, fill, padded), x_dim


def pad(operand, padding_value, padding_config):
    """Returns `operand` padded with the scalar `padding_value`: `padding_config` gives each
    dimension's (low, high, interior) padding; negative low/high padding removes elements."""
    config = tuple(_static_ints("pad", "padding_config entry", c) for c in padding_config)
    if any(len(c) != 3 for c in config):
        raise ValueError(f"pad: each padding_config entry must be (low, high, interior), got "
                         f"{padding_config}")
    return pad_p.bind(operand, padding_value, padding_config=config)


# ---------------------------------------------------------------------------------------------
# Static slicing.

slice_p = Primitive("slice")


@slice_p.def_abstract_eval
def _slice_aval(x, *, start_indices, limit_indices, strides):
    shape = x.shape
    for what, values in (("start_indices", start_indices), ("limit_indices", limit_indices),
                         ("strides", strides)):
        if values is not None and len(values) != x.ndim:
            raise TypeError(f"slice: {what} {values} must have one entry per dimension of "
                            f"operand shape {shape}")
    if any(s < 0 for s in start_indices):
        raise TypeError(f"slice: start_indices must be nonnegative, got {start_indices}")
    if any(lim > d for lim, d in zip(limit_indices, shape)):
        raise TypeError(f"slice: limit_indices {limit_indices} exceed operand shape {shape}")
    if any(lim < s for s, lim in zip(start_indices, limit_indices)):
        raise TypeError(f"slice: limit_indices {limit_indices} must be >= start_indices "
                        f"{start_indices} (operand shape {shape})")
    strides = strides or (1,) * x.ndim
    if any(st <= 0 for st in strides):
        raise TypeError(f"slice: strides must be positive, got {strides}")
    return x.update(shape=tuple(-(-(lim - s) // st) for s, lim, st
                                in zip(start_indices, limit_indices, strides)))


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    # The operand's cotangent is `ct` put back in place, zeros elsewhere: pad it with the
    # start before, stride - 1 zeros between elements, and what is left of the operand after.
    shape = x.aval.shape
    strides = strides or (1,) * len(shape)
    config = []
    for size, start, stride, n in zip(shape, start_indices, strides, get_aval(ct).shape):
        spanned = n + (n - 1) * (stride - 1) if n else 0
        config.append((start, size - start - spanned, stride - 1))
    return [pad(ct, _zero_scalar(ct), config)]


ad.deflinear(slice_p, _slice_transpose)


@_batching_rule(slice_p)
def _slice_batch(vals, dims, *, start_indices, limit_indices, strides):
    # The whole batch axis is kept, in place.
    (x,), (b,) = vals, dims
    return slice_p.bind(x, start_indices=_insert(start_indices, b, 0),
                        limit_indices=_insert(limit_indices, b, get_aval(x).shape[b]),
                        strides=None if strides is None else _insert(strides, b, 1)), b


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001 -- JAX's name
    """Returns operand[start:limit:stride] along every dimension (static bounds)."""
    start = _static_ints("slice", "start_indices", start_indices)
    limit = _static_ints("slice", "limit_indices", limit_indices)
    strides = None if strides is None else _static_ints("slice", "strides", strides)
    return slice_p.bind(operand, start_indices=start, limit_indices=limit, strides=strides)


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    """Returns operand[start_index:limit_index:stride] along `axis` (None means the whole
    extent; negative indices count from the end)."""
    shape = _shape(operand)
    axis = _canonicalize_axis("slice_in_dim", axis, len(shape), shape)
    size = shape[axis]
    start = 0 if start_index is None else operator.index(start_index)
    limit = size if limit_index is None else operator.index(limit_index)
    start, limit = (i + size if i < 0 else i for i in (start, limit))
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, operator.index(stride)
    return slice(operand, starts, limits, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
    """Returns the `index`-th slice of `operand` along `axis` (a static index; negative ones
    count from the end), keeping that dimension with size 1 when `keepdims`."""
    shape = _shape(operand)
    axis = _canonicalize_axis("index_in_dim", axis, len(shape), shape)
    index = operator.index(index)
    if not -shape[axis] <= index < shape[axis]:
        raise IndexError(f"index_in_dim: index {index} is out of bounds for axis {axis} with "
                         f"size {shape[axis]} (operand shape {shape})")
    index %= shape[axis]
    out = slice_in_dim(operand, index, index + 1, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


# ---------------------------------------------------------------------------------------------
# Dynamic slicing. Start indices are scalar operands, so they may be traced; XLA clamps them
# so that the slice stays inside the operand.

def _check_index_avals(fname, idx_avals, shape):
    if len(idx_avals) != len(shape):
        raise TypeError(f"{fname}: got {len(idx_avals)} start indices for operand shape {shape}; "
                        "it needs one per dimension")
    for a in idx_avals:
        if a.shape != () or not dtypes.is_int(a.dtype):
            raise TypeError(f"{fname}: start indices must be integer scalars, got "
                            f"{', '.join(str(b) for b in idx_avals)}")


def _zero_index(indices):
    """Returns a start index 0 of the indices' dtype (for a batch axis that is kept whole)."""
    return np.zeros((), get_aval(indices[0]).dtype if indices else np.int32)


dynamic_slice_p = Primitive("dynamic_slice")


@dynamic_slice_p.def_abstract_eval
def _dynamic_slice_aval(x, *indices, slice_sizes):
    _check_index_avals("dynamic_slice", indices, x.shape)
    if len(slice_sizes) != x.ndim:
        raise TypeError(f"dynamic_slice: slice_sizes {slice_sizes} must have one entry per "
                        f"dimension of operand shape {x.shape}")
    if any(not 0 <= s <= d for s, d in zip(slice_sizes, x.shape)):
        raise TypeError(f"dynamic_slice: slice_sizes {slice_sizes} must be nonnegative and at "
                        f"most operand shape {x.shape}")
    return x.update(shape=slice_sizes)


# Linear in the operand; the start indices are integers, without derivative (defjvp pairs
# rules with operands positionally, so giving one rule leaves the indices out).
ad.defjvp(dynamic_slice_p,
          lambda t, x, *indices, slice_sizes: dynamic_slice_p.bind(t, *indices,
                                                                   slice_sizes=slice_sizes))


def _dynamic_slice_transpose(ct, x, *indices, slice_sizes):
    # The cotangent is `ct` written where the slice was read (with the same clamping).
    zeros = ad.zeros_like_aval(x.aval)
    return [dynamic_update_slice_p.bind(zeros, ct, *indices)] + [None] * len(indices)


ad.primitive_transposes[dynamic_slice_p] = _dynamic_slice_transpose


def _batched_start_vectors(indices, index_dims, shape, window, size):
    """Returns int32[size, ndim]: each example's start indices, clamped (in their own dtype,
    before narrowing) so that a window of `window` fits in `shape`, as the dynamic slices
    clamp them."""
    columns = []
    for axis, (index, d) in enumerate(zip(indices, index_dims)):
        dtype = get_aval(index).dtype
        limit = np.asarray(min(shape[axis] - window[axis], np.iinfo(dtype).max), dtype)
        index = ew.clamp(np.asarray(0, dtype), index, limit)
        index = ew.convert_element_type(index, np.int32)
        index = batching.bdim_at_front(index, d, size)
        columns.append(broadcast_in_dim(index, (size, 1), (0,)))
    return concatenate(columns, 1)


@_batching_rule(dynamic_slice_p)
def _dynamic_slice_batch(vals, dims, *, slice_sizes):
    x, *indices = vals
    x_dim, *index_dims = dims
    if all(d is not_mapped for d in index_dims):
        # One slice for the whole batch: the batch axis is kept whole, in place.
        n = get_aval(x).shape[x_dim]
        return dynamic_slice_p.bind(x, *_insert(indices, x_dim, _zero_index(indices)),
                                    slice_sizes=_insert(slice_sizes, x_dim, n)), x_dim
    # Per-example starts: one gather whose index vectors are the examples' clamped starts
    # (an unbatched operand, such as an embedding table, is never copied per example).
    from jaxlike.lax import slicing
    size = _batch_size(vals, dims)
    shape = _without(get_aval(x).shape, x_dim)
    starts = _batched_start_vectors(indices, index_dims, shape, slice_sizes, size)
    ndim = len(shape)
    if x_dim is not_mapped:
        dnums = slicing.GatherDimensionNumbers(
            offset_dims=tuple(range(1, ndim + 1)), collapsed_slice_dims=(),
            start_index_map=tuple(range(ndim)))
        sizes = tuple(slice_sizes)
    else:
        x = batching.moveaxis(x, x_dim, 0)
        dnums = slicing.GatherDimensionNumbers(
            offset_dims=tuple(range(1, ndim + 1)), collapsed_slice_dims=(),
            start_index_map=tuple(range(1, ndim + 1)), operand_batching_dims=(0,),
            start_indices_batching_dims=(0,))
        sizes = (1,) + tuple(slice_sizes)
    out = slicing.gather(x, starts, dnums, sizes, mode=slicing.GatherScatterMode.CLIP)
    return out, 0


dynamic_update_slice_p = Primitive("dynamic_update_slice")


@dynamic_update_slice_p.def_abstract_eval
def _dynamic_update_slice_aval(x, update, *indices):
    fname = "dynamic_update_slice"
    if update.ndim != x.ndim:
        raise TypeError(f"{fname}: update shape {update.shape} must have the rank of operand "
                        f"shape {x.shape}")
    if any(u > d for u, d in zip(update.shape, x.shape)):
        raise TypeError(f"{fname}: update shape {update.shape} must fit in operand shape "
                        f"{x.shape}")
    if update.dtype != x.dtype:
        raise TypeError(f"{fname}: operand and update must have the same dtype, got "
                        f"{x.dtype.name} and {update.dtype.name}")
    _check_index_avals(fname, indices, x.shape)
    return x.update(weak_type=x.weak_type and update.weak_type)


def _dynamic_update_slice_jvp(primals, tangents):
    # Linear in operand and update jointly; the start indices have no derivative.
    x, update, *indices = primals
    out = dynamic_update_slice_p.bind(x, update, *indices)
    t_x, t_update = tangents[:2]
    if type(t_x) is ad.Zero and type(t_update) is ad.Zero:
        return out, ad.Zero(ad.tangent_aval(get_aval(out)))
    return out, dynamic_update_slice_p.bind(ad.instantiate_zeros(t_x),
                                            ad.instantiate_zeros(t_update), *indices)


def _dynamic_update_slice_transpose(ct, x, update, *indices):
    # The operand's elements survive outside the updated window, the update's inside it.
    update_aval = _linear_aval(update)
    ct_x = ct_update = None
    if ad.is_undefined_primal(x):
        ct_x = dynamic_update_slice_p.bind(ct, ad.zeros_like_aval(update_aval), *indices)
    if ad.is_undefined_primal(update):
        ct_update = dynamic_slice_p.bind(ct, *indices, slice_sizes=update_aval.shape)
    return [ct_x, ct_update] + [None] * len(indices)


ad.primitive_jvps[dynamic_update_slice_p] = _dynamic_update_slice_jvp
ad.primitive_transposes[dynamic_update_slice_p] = _dynamic_update_slice_transpose


@_batching_rule(dynamic_update_slice_p)
def _dynamic_update_slice_batch(vals, dims):
    x, update, *indices = vals
    x_dim, update_dim, *index_dims = dims
    size = _batch_size(vals, dims)
    if all(d is not_mapped for d in index_dims):
        # One update for the whole batch, both batched alike, starting at 0 along the batch.
        b = x_dim if x_dim is not not_mapped else update_dim
        x = batching.move_to(x, x_dim, size, b)
        update = batching.move_to(update, update_dim, size, b)
        return dynamic_update_slice_p.bind(
            x, update, *_insert(indices, b, _zero_index(indices))), b
    # Per-example starts: one scatter, each example writing its own window into its own
    # operand slice (the windows are distinct, so the scatter is unique and transposable).
    from jaxlike.lax import slicing
    x = batching.bdim_at_front(x, x_dim, size)
    update = batching.bdim_at_front(update, update_dim, size)
    shape, update_shape = get_aval(x).shape[1:], get_aval(update).shape[1:]
    starts = _batched_start_vectors(indices, index_dims, shape, update_shape, size)
    ndim = len(shape)
    dnums = slicing.ScatterDimensionNumbers(
        update_window_dims=tuple(range(1, ndim + 1)), inserted_window_dims=(),
        scatter_dims_to_operand_dims=tuple(range(1, ndim + 1)), operand_batching_dims=(0,),
        scatter_indices_batching_dims=(0,))
    return slicing.scatter(x, starts, update, dnums, unique_indices=True,
                           mode=slicing.GatherScatterMode.CLIP), 0


def _split_indices(start_indices):
    """Returns the start indices as a list of scalars (a 1-D array is split)."""
    if isinstance(start_indices, np.ndarray) or hasattr(start_indices, "aval"):
        aval = get_aval(start_indices)
        if aval.ndim != 1:
            raise TypeError(f"start indices must be a sequence of scalars or a 1-D array, got "
                            f"shape {aval.shape}")
        if isinstance(start_indices, np.ndarray):
            return list(start_indices)
        return [index_in_dim(start_indices, i, keepdims=False) for i in range(aval.shape[0])]
    return list(start_indices)


def _is_static_int(i):
    return isinstance(i, (int, np.integer)) or (isinstance(i, np.ndarray) and i.ndim == 0)


def _index_dtype(fname, indices):
    """Returns the dtype all start indices are cast to: the promoted dtype of those that are
    arrays; Python ints adopt it (the default int dtype when all indices are Python ints)."""
    typed = []
    for i in indices:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, int):
            aval = get_aval(i)
            if aval.shape != () or not dtypes.is_int(aval.dtype):
                raise TypeError(f"{fname}: start indices must be integer scalars, got "
                                f"{aval.str_short()}")
            typed.append(aval.dtype)
    dtype = typed[0] if typed else np.dtype(int)
    for t in typed[1:]:
        dtype = dtypes.promote_types(dtype, t)
    return dtypes.canonicalize_dtype(dtype)


def _wrap_negative(i, size):
    """Returns the traced index `i`, plus `size` where it is negative."""
    zero, size = np.zeros((), i.aval.dtype), np.asarray(size, i.aval.dtype)
    return ew.select_n(ew.lt(i, zero), i, ew.add(i, size))


def _dynamic_indices(fname, shape, start_indices, allow_negative_indices):
    """Returns the start indices as scalar operands of one integer dtype, negative ones
    wrapped (when allowed) as in Python indexing: static ones now, traced ones in the jaxpr."""
    indices = _split_indices(start_indices)
    if len(indices) != len(shape):
        raise ValueError(f"{fname}: got {len(indices)} start indices for operand shape {shape}; "
                         "it needs one per dimension")
    if isinstance(allow_negative_indices, (bool, np.bool_)):
        allow_negative_indices = [allow_negative_indices] * len(shape)
    dtype = _index_dtype(fname, indices)
    out = []
    for i, size, wrap in zip(indices, shape, allow_negative_indices):
        if _is_static_int(i):
            i = int(i)
            out.append(np.asarray(i + size if wrap and i < 0 else i, dtype))
        else:
            i = ew.convert_element_type(i, dtype)
            out.append(_wrap_negative(i, size) if wrap and not dtypes.is_unsigned(dtype)
                       else i)
    return out


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
    """Returns the slice of `operand` of shape `slice_sizes` starting at `start_indices`
    (scalars, possibly traced; negative ones count from the end). Starts are clamped to
    [0, dim - size] so that the slice stays in bounds."""
    shape = _shape(operand)
    sizes = _static_ints("dynamic_slice", "slice_sizes", slice_sizes)
    indices = _dynamic_indices("dynamic_slice", shape, start_indices, allow_negative_indices)
    return dynamic_slice_p.bind(operand, *indices, slice_sizes=sizes)


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
    """Returns `operand` with `update` written at `start_indices` (clamped, as in
    dynamic_slice, so that the update stays in bounds)."""
    shape = _shape(operand)
    indices = _dynamic_indices("dynamic_update_slice", shape, start_indices,
                               allow_negative_indices)
    return dynamic_update_slice_p.bind(operand, update, *indices)


def _in_dim_indices(shape, index, axis):
    starts = [0] * len(shape)
    starts[axis] = index
    return starts


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *,
                         allow_negative_indices=True):
    """Returns the `slice_size` elements of `operand` along `axis` from `start_index`
    (possibly traced; clamped to stay in bounds)."""
    shape = _shape(operand)
    axis = _canonicalize_axis("dynamic_slice_in_dim", axis, len(shape), shape)
    sizes = list(shape)
    sizes[axis] = operator.index(slice_size)
    return dynamic_slice(operand, _in_dim_indices(shape, start_index, axis), sizes,
                         allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *,
                         allow_negative_indices=True):
    """Returns the `index`-th slice (possibly traced) of `operand` along `axis`, keeping that
    dimension with size 1 when `keepdims`."""
    out = dynamic_slice_in_dim(operand, index, 1, axis,
                               allow_negative_indices=allow_negative_indices)
    return out if keepdims else squeeze(out, (axis,))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *,
                                allow_negative_indices=True):
    """Returns `operand` with `update` written along `axis` from `start_index` (possibly
    traced; clamped so that the update stays in bounds)."""
    shape = _shape(operand)
    axis = _canonicalize_axis("dynamic_update_slice_in_dim", axis, len(shape), shape)
    return dynamic_update_slice(operand, update, _in_dim_indices(shape, start_index, axis),
                                allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand, update, index, axis, *, allow_negative_indices=True):
    """Returns `operand` with its `index`-th slice along `axis` replaced by `update` (which
    may lack that dimension)."""
    shape = _shape(operand)
    axis = _canonicalize_axis("dynamic_update_index_in_dim", axis, len(shape), shape)
    if len(_shape(update)) == len(shape) - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)
