"""Discrete samplers: `randint`, `permutation`, `choice`, `categorical`.

randint draws two independent words per element and reduces them modulo the span without
bias beyond 2**-bits. Permutations sort by random 32-bit keys (a stable sort, repeated
ceil(3 ln(n) / ln(2**32 - 1)) times so that key collisions do not bias the result).
Categorical sampling is the Gumbel-max trick; sampling without replacement keeps the top k
perturbed logits (Gumbel-top-k).
"""
import math
import operator

import numpy as np

from jaxlike import dtypes, lax
from jaxlike.api import jit
from jaxlike.core import Tracer, get_aval
from jaxlike.lax.sorting import sort_p
from jaxlike.random import _common as C
from jaxlike.random._continuous import gumbel_impl, split2, uniform_impl
from jaxlike.random._keys import random_bits, single_key


# ---------------------------------------------------------------------------------------------
# randint.

def _clip_convert(x, dtype):
    """Returns integer `x` clipped to the range of `dtype` (as far as x's own dtype can
    express it) and converted to `dtype`."""
    src = get_aval(x).dtype
    src_info, info = dtypes.iinfo(src), dtypes.iinfo(dtype)
    low = np.asarray(max(int(info.min), int(src_info.min)), src)
    high = np.asarray(min(int(info.max), int(src_info.max)), src)
    return lax.convert_element_type(lax.clamp(low, x, high), dtype)


def _randint_impl(data, shape, dtype, minval, maxval):
    info = dtypes.iinfo(dtype)
    max_in_maxval_type = min(int(info.max), int(dtypes.iinfo(get_aval(maxval).dtype).max))
    maxval_out_of_range = lax.gt(maxval, np.asarray(max_in_maxval_type, get_aval(maxval).dtype))
    minval = C.to_rank(_clip_convert(minval, dtype), len(shape))
    maxval = C.to_rank(_clip_convert(maxval, dtype), len(shape))
    nbits = C.nbits(dtype)
    unsigned = np.dtype(C.UINT_OF_BITS[nbits])
    key_high, key_low = split2(data)
    high_bits = random_bits(key_high, nbits, shape)
    low_bits = random_bits(key_low, nbits, shape)
    span = lax.convert_element_type(lax.sub(maxval, minval), unsigned)
    one = np.asarray(1, unsigned)
    # An empty range returns minval; a maxval beyond the dtype's range adds one to the span.
    ones = lax.broadcast_in_dim(one, get_aval(span).shape, ())
    span = lax.select(lax.le(maxval, minval), ones, span)
    span = lax.select(lax.bitwise_and(maxval_out_of_range, lax.gt(maxval, minval)),
                      lax.add(span, one), span)
    # (high * 2**nbits + low) mod span, without overflow: 2**nbits mod span, via its root.
    multiplier = lax.rem(np.asarray(2 ** (nbits // 2), unsigned), span)
    multiplier = lax.rem(lax.mul(multiplier, multiplier), span)
    offset = lax.add(lax.mul(lax.rem(high_bits, span), multiplier), lax.rem(low_bits, span))
    offset = lax.rem(offset, span)
    return lax.add(minval, lax.convert_element_type(offset, dtype))


def _narrow_randint_impl(data, shape, dtype, minval, maxval):
    """randint for 8- and 16-bit dtypes: drawn as int32 between the bounds clipped to the
    dtype's range (maxval up to its maximum + 1), then converted."""
    info = dtypes.iinfo(dtype)
    wide = np.dtype(np.int32)
    bounds = []
    for x, high in ((minval, int(info.max)), (maxval, int(info.max) + 1)):
        src = get_aval(x).dtype
        if dtypes.iinfo(src).bits < 32:
            x, src = lax.convert_element_type(x, wide), wide
        src_info = dtypes.iinfo(src)
        low, high = max(int(info.min), int(src_info.min)), min(high, int(src_info.max))
        x = lax.clamp(np.asarray(low, src), x, np.asarray(high, src))
        bounds.append(lax.convert_element_type(x, wide))
    return lax.convert_element_type(_randint_impl(data, shape, wide, *bounds), dtype)


def _randint_any_impl(data, shape, dtype, minval, maxval):
    impl = _narrow_randint_impl if dtypes.iinfo(dtype).bits < 32 else _randint_impl
    return impl(data, shape, dtype, minval, maxval)


_randint = jit(_randint_any_impl, static_argnums=(1, 2))


def _int_bound(fname, what, x):
    x = C.as_array(fname, what, x)
    if not dtypes.issubdtype(get_aval(x).dtype, np.integer):  # floats truncate, as in JAX
        x = lax.convert_element_type(x, dtypes.default_int_dtype())
    return x


def randint(key, shape, minval, maxval, dtype=None, *, out_sharding=None):
    """Returns integers of `dtype` (default int) and `shape`, uniform in [minval, maxval)
    (minval where maxval <= minval; bounds are clipped to the dtype's range)."""
    data, _ = single_key("randint", key)
    if dtype is not None and not dtypes.issubdtype(dtype, np.integer):
        raise TypeError(f"randint only accepts integer dtypes, got {np.dtype(dtype).name}")
    dtype = C.int_dtype("randint", dtype)
    shape = C.shape_arg("randint", shape)
    minval = _int_bound("randint", "minval", minval)
    maxval = _int_bound("randint", "maxval", maxval)
    C.check_shape("randint", shape, C.shape_of(minval), C.shape_of(maxval))
    return _randint(data, shape, dtype, minval, maxval)


# ---------------------------------------------------------------------------------------------
# permutation.

def _shuffle_rounds(n):
    # Enough rounds that colliding 32-bit sort keys are unlikely to bias the permutation.
    return int(np.ceil(3 * np.log(max(1, n)) / np.log(np.iinfo(np.uint32).max)))


def _shuffle(data, x, axis, n):
    """Returns `x` permuted along `axis` by the stream of key words `data`: each round sorts
    by random keys of shape (n,) broadcast along `axis` (n = x.shape[axis]), or of x's shape
    (n = x.size: every slice permuted independently)."""
    shape = get_aval(x).shape
    for _ in range(_shuffle_rounds(n)):
        data, subkey = split2(data)
        if n == math.prod(shape):
            sort_keys = random_bits(subkey, 32, shape)
        else:
            sort_keys = lax.broadcast_in_dim(random_bits(subkey, 32, (n,)), shape, (axis,))
        x = sort_p.bind(sort_keys, x, dimension=axis, is_stable=True, num_keys=1)[1]
    return x


def _permutation_impl(data, axis, independent, x):
    shape = get_aval(x).shape
    n = math.prod(shape) if independent or len(shape) == 1 else shape[axis]
    return _shuffle(data, x, axis, n)


_permutation = jit(_permutation_impl, static_argnums=(1, 2))


def _concrete_int(fname, what, x):
    if isinstance(x, Tracer):
        raise TypeError(f"{fname}: {what} must be a concrete integer (it sets the output "
                        "shape), got a traced value; pass a Python int.")
    return operator.index(np.asarray(x)[()]) if not isinstance(x, int) else x


def _arange(n):
    return lax.iota(dtypes.default_int_dtype(), n)


def permutation(key, x, axis=0, independent=False, *, out_sharding=None):
    """Returns a random permutation of range(x) (x an int), or `x` shuffled along `axis`
    (each slice independently when `independent`)."""
    data, _ = single_key("permutation", key)
    x = C.as_array("permutation", "x", x)
    aval = get_aval(x)
    if aval.ndim == 0:
        if not dtypes.issubdtype(aval.dtype, np.integer):
            raise TypeError("permutation: x must be an integer or at least 1-dimensional, got "
                            f"{aval.str_short()}.")
        return _permutation(data, 0, False, _arange(_concrete_int("permutation", "x", x)))
    axis = _axis("permutation", axis, aval.ndim)
    return _permutation(data, axis, bool(independent), x)


def _axis(fname, axis, ndim):
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{fname}: axis {axis} is out of bounds for an array of rank {ndim}.")
    return axis % ndim


# ---------------------------------------------------------------------------------------------
# Helpers for choice and categorical.

def _top_k_indices(x, k):
    """Returns the indices of the k largest entries along x's last axis, largest first
    (ties: the lower index first)."""
    shape = get_aval(x).shape
    axis = len(shape) - 1
    iota = lax.broadcasted_iota(dtypes.default_int_dtype(), shape, axis)
    order = sort_p.bind(lax.neg(x), iota, dimension=axis, is_stable=True, num_keys=1)[1]
    return lax.slice_in_dim(order, 0, k, axis=axis)


def _cumsum(p):
    """Returns the running sums of 1-D `p`, added left to right (as XLA's CPU cumsum)."""
    n = get_aval(p).shape[0]
    total = lax.slice(p, (0,), (1,))
    parts = [total]
    for i in range(1, n):
        total = lax.add(total, lax.slice(p, (i,), (i + 1,)))
        parts.append(total)
    return lax.concatenate(parts, 0)


def _searchsorted(sorted_values, x):
    """Returns, for each element of x, the number of entries of the sorted 1-D array below
    it (its insertion index on the left)."""
    n = get_aval(sorted_values).shape[0]
    shape = get_aval(x).shape
    below = lax.lt(lax.broadcast_in_dim(sorted_values, shape + (n,), (len(shape),)),
                   lax.broadcast_in_dim(x, shape + (n,), tuple(range(len(shape)))))
    return lax.reduce_sum(lax.convert_element_type(below, dtypes.default_int_dtype()),
                          (len(shape),))


def _take(arr, ind, axis):
    """Returns arr's slices along `axis` at the (valid) indices `ind`: shape
    arr.shape[:axis] + ind.shape + arr.shape[axis + 1:] (one gather)."""
    arr_shape, ind_shape = get_aval(arr).shape, get_aval(ind).shape
    rank = len(arr_shape)
    offset_dims = tuple(range(axis)) + tuple(range(axis + len(ind_shape),
                                                   len(ind_shape) + rank - 1))
    dnums = lax.GatherDimensionNumbers(offset_dims=offset_dims, collapsed_slice_dims=(axis,),
                                       start_index_map=(axis,))
    slice_sizes = tuple(1 if i == axis else d for i, d in enumerate(arr_shape))
    indices = lax.reshape(ind, tuple(ind_shape) + (1,))
    return lax.gather(arr, indices, dnums, slice_sizes, mode="clip")


# ---------------------------------------------------------------------------------------------
# choice.

def _choice_indices_impl(data, shape, n_inputs, replace, mode, p):
    """Returns int indices of `shape` into range(n_inputs), drawn as `choice` draws them."""
    n_draws = math.prod(shape)
    if p is None:
        if replace:
            return _randint_impl(data, shape, dtypes.default_int_dtype(),
                                 np.asarray(0, dtypes.default_int_dtype()),
                                 np.asarray(n_inputs, dtypes.default_int_dtype()))
        perm = _shuffle(data, _arange(n_inputs), 0, n_inputs)
        return lax.reshape(lax.slice(perm, (0,), (n_draws,)), shape)
    dtype = get_aval(p).dtype
    if replace:
        p_cuml = _cumsum(p)
        last = lax.reshape(lax.slice(p_cuml, (n_inputs - 1,), (n_inputs,)), ())
        u = uniform_impl(data, shape, dtype, np.asarray(0, dtype), np.asarray(1, dtype))
        r = lax.mul(last, lax.sub(np.asarray(1, dtype), u))
        return lax.convert_element_type(_searchsorted(p_cuml, r), dtypes.default_int_dtype())
    g = lax.add(gumbel_impl(data, (n_inputs,), dtype, mode), lax.log(p))
    return lax.reshape(_top_k_indices(g, n_draws), shape)


_choice_indices = jit(_choice_indices_impl, static_argnums=(1, 2, 3, 4))


def _population(a, axis):
    """Returns (the array to sample slices of, or None for range(a); the axis; its size)."""
    if isinstance(a, (int, np.integer)):
        return None, 0, int(a)
    arr = C.as_array("choice", "a", a)
    if get_aval(arr).ndim == 0:
        return None, 0, _concrete_int("choice", "a", arr)
    axis = _axis("choice", axis, get_aval(arr).ndim)
    return arr, axis, get_aval(arr).shape[axis]


def _probabilities(p, n_inputs):
    """Returns `p` as a float array of shape (n_inputs,), or None."""
    if p is None:
        return None
    p = C.as_array("choice", "p", p)
    if C.shape_of(p) != (n_inputs,):
        raise ValueError(f"choice: p must be None or match the shape of a: expected shape "
                         f"({n_inputs},), got {C.shape_of(p)}.")
    dtype = get_aval(p).dtype
    if not dtypes.issubdtype(dtype, np.floating):
        dtype = dtypes.default_float_dtype()
    return lax.convert_element_type(p, dtype)


def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None):
    """Returns samples from range(a) (a an int) or from the slices of `a` along `axis`, with
    or without replacement, uniformly or with probabilities `p`; the sampled axis becomes
    `shape`."""
    from jaxlike import numpy as jnp
    data, _ = single_key("choice", key)
    if isinstance(shape, (int, np.integer)) or not hasattr(shape, "__len__"):
        raise TypeError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
    shape = C.shape_arg("choice", shape)
    arr, axis, n_inputs = _population(a, axis)
    out_shape = shape if arr is None else _choice_shape(arr, shape, axis)
    n_draws = math.prod(shape)
    if n_draws == 0:
        dtype = dtypes.default_int_dtype() if arr is None else get_aval(arr).dtype
        return jnp.zeros(out_shape, dtype)
    if n_inputs <= 0:
        raise ValueError("choice: a must be greater than 0 unless no samples are taken.")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"choice: cannot take a larger sample (size {n_draws}) than the "
                         f"population (size {n_inputs}) when 'replace=False'.")
    p = _probabilities(p, n_inputs)
    if arr is not None and p is None and not replace:  # the first n_draws of a permutation
        permuted = _permutation(data, axis, False, arr)
        return lax.reshape(lax.slice_in_dim(permuted, 0, n_draws, axis=axis), out_shape)
    mode = "low" if mode is None else mode
    ind = _choice_indices(data, shape, n_inputs, bool(replace), mode, p)
    return ind if arr is None else _take(arr, ind, axis)


def _choice_shape(arr, shape, axis):
    arr_shape = get_aval(arr).shape
    return tuple(arr_shape[:axis]) + tuple(shape) + tuple(arr_shape[axis + 1:])


# ---------------------------------------------------------------------------------------------
# categorical.

def _categorical_impl(data, axis, shape, replace, mode, logits):
    lshape = get_aval(logits).shape
    dtype = get_aval(logits).dtype
    batch_shape = lshape[:axis] + lshape[axis + 1:]
    prepend = shape[:len(shape) - len(batch_shape)]
    if replace:
        # The sample shape's trailing axes may broadcast logits' size-1 batch axes.
        tail = list(shape[len(prepend):])
        tail.insert(axis, lshape[axis])
        noise = gumbel_impl(data, prepend + tuple(tail), dtype, mode)
        expanded = lax.broadcast_in_dim(logits, (1,) * len(prepend) + lshape,
                                        tuple(range(len(prepend), len(prepend) + len(lshape))))
        return lax.argmax(lax.add(noise, expanded), len(prepend) + axis,
                          dtypes.default_int_dtype())
    perturbed = lax.add(logits, gumbel_impl(data, lshape, dtype, mode))
    last = len(lshape) - 1
    if axis != last:
        perm = tuple(i for i in range(len(lshape)) if i != axis) + (axis,)
        perturbed = lax.transpose(perturbed, perm)
    k = math.prod(prepend)
    idx = _top_k_indices(perturbed, k)  # batch_shape + (k,)
    idx = lax.transpose(idx, (last,) + tuple(range(last)))
    return lax.reshape(idx, shape)


_categorical = jit(_categorical_impl, static_argnums=(1, 2, 3, 4))


def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None, *,
                out_sharding=None):
    """Returns int category indices sampled from the unnormalized log-probabilities
    `logits` along `axis`, of `shape` (default: logits' shape without `axis`); without
    replacement the leading sample axes hold distinct categories."""
    data, _ = single_key("categorical", key)
    logits = C.as_array("categorical", "logits", logits)
    dtype = get_aval(logits).dtype
    if not dtypes.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype argument to `gumbel` must be a float dtype, got {dtype.name} "
                         "(categorical needs floating-point logits).")
    logits = lax.convert_element_type(logits, dtype)
    lshape = C.shape_of(logits)
    axis = _axis("categorical", axis, len(lshape))
    batch_shape = lshape[:axis] + lshape[axis + 1:]
    shape = C.sample_shape("categorical", shape, batch_shape)
    mode = "low" if mode is None else mode
    if not replace:
        n_draws = math.prod(shape[:len(shape) - len(batch_shape)])
        if n_draws > lshape[axis]:
            raise ValueError(f"Number of samples without replacement ({n_draws}) cannot "
                             f"exceed number of categories ({lshape[axis]}).")
    return _categorical(data, axis, shape, bool(replace), mode, logits)
