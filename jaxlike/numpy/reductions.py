"""Reductions: sum, prod, max, min, mean, var, std, argmax, argmin, all, any and friends.

Each reduction resolves its axes (an int, a tuple or None; negative axes count from the
end), picks the dtype to compute in with JAX's rules (sums of booleans and narrow integers
accumulate in the default integer type, means of integers are floats, results are never
weakly typed), applies an optional `where` mask by substituting the reduction's identity,
then calls one lax reduction; `keepdims` puts size-1 axes back.
"""
import builtins
import operator

import numpy as np

from jaxlike import dtypes, lax
from jaxlike.core import get_aval
from jaxlike.lax.elementwise import dtype_kind
from jaxlike.numpy import ufuncs
from jaxlike.numpy._util import (broadcast_to_shape, check_arraylike, shape_of,
                                 to_inexact_dtype)

__all__ = ["sum", "prod", "max", "min", "amax", "amin", "mean", "var", "std", "argmax",
           "argmin", "all", "any", "count_nonzero", "ptp", "allclose"]

# ---------------------------------------------------------------------------------------------
# Axes, dtypes and masks.


def _canonicalize_axes(name, axis, ndim):
    """Returns `axis` (None, an int or a sequence of ints) as a sorted tuple of axes in
    [0, ndim); raises ValueError naming the function, the axis and ndim when one is out of
    range, and for repeated axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    result = []
    for a in axes:
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"jnp.{name}: axis must be an int, a tuple of ints or None, got "
                            f"{axis!r}.") from None
        if not -ndim <= a < ndim:
            raise ValueError(f"jnp.{name}: axis {a} is out of bounds for array of dimension "
                             f"{ndim}.")
        result.append(a % ndim if ndim else a)
    if len(set(result)) != len(result):
        raise ValueError(f"jnp.{name}: duplicate value in 'axis': {axis!r}.")
    return tuple(sorted(result))


def _check_no_out(name, out):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported: jaxlike "
                                  "arrays are immutable; use the returned value.")


def _user_dtype(dtype):
    """Returns the canonical np.dtype of a user's `dtype=` argument, or None."""
    return None if dtype is None else dtypes.canonicalize_dtype(dtypes.dtype(dtype))


def _kind(dtype):
    return dtype_kind(np.dtype(dtype))


def _sum_dtype(dtype, promote_integers=True):
    """Returns the dtype sum and prod accumulate in: booleans and integers narrower than the
    default integer widen to it (unsigned ones to the default unsigned type)."""
    kind = _kind(dtype)
    if kind == "bool":
        return dtypes.default_int_dtype()
    if promote_integers and kind in ("int", "uint"):
        default = dtypes.default_int_dtype() if kind == "int" else dtypes.default_uint_dtype()
        return default if dtype.itemsize < default.itemsize else dtype
    return dtype


def _upcast_half(dtype):
    # Sums of float16/bfloat16 lose too much precision; JAX accumulates means and variances
    # in float32 and rounds the result back.
    return np.dtype(np.float32) if dtype in (np.float16, dtypes.bfloat16) else dtype


def _as_strong(a, dtype):
    """Returns `a` converted to `dtype`, strongly typed (reductions never return weak types)."""
    aval = get_aval(a)
    if aval.dtype == dtype and not aval.weak_type and hasattr(a, "aval"):
        return a  # the common case, without convert_element_type's checks
    return lax.convert_element_type(a, dtype, weak_type=False)


def _apply_where(name, a, where, identity):
    """Returns `a` with `identity` wherever the `where` mask (broadcast to a's shape) is
    false, so that masked elements do not change the reduction."""
    if where is None:
        return a
    check_arraylike(name, where)
    shape = shape_of(a)
    mask = broadcast_to_shape(ufuncs._to_bool(where), shape)
    fill = np.array(identity, get_aval(a).dtype)
    return lax.select(mask, a, lax.broadcast_in_dim(fill, shape, ()))


def _finish(result, axes, keepdims):
    """Returns the reduced `result` with size-1 axes re-inserted at `axes` if `keepdims`."""
    return lax.expand_dims(result, axes) if keepdims and axes else result


# ---------------------------------------------------------------------------------------------
# Sums, products, extrema, logical reductions.

def _reduce(name, a, axis, keepdims, where, initial, *, dtype, reducer, identity, combine):
    """The skeleton shared by the reductions: check, convert to `dtype`, mask, reduce,
    combine with `initial`, keep dims."""
    check_arraylike(name, a)
    ndim = len(shape_of(a))
    axes = _canonicalize_axes(name, axis, ndim)
    a = _as_strong(a, dtype)
    a = _apply_where(name, a, where, identity)
    result = reducer(a, axes)
    if initial is not None:
        check_arraylike(name, initial)
        result = combine(_as_strong(initial, dtype), result)
    return _finish(result, axes, keepdims)


def _sum_or_prod(name, a, axis, dtype, out, keepdims, initial, where, promote_integers, ops):
    _check_no_out(name, out)
    check_arraylike(name, a)
    dtype = _user_dtype(dtype) or _sum_dtype(get_aval(a).dtype, promote_integers)
    # lax has no boolean sum or product; for booleans they are `or` and `and`.
    reducer, identity, combine = ops[_kind(dtype) == "bool"]
    compute = _upcast_half(dtype)
    if compute != dtype:
        # As in JAX, half-precision sums and products accumulate in float32.
        result = _reduce(name, a, axis, keepdims, where, initial, dtype=compute,
                         reducer=reducer, identity=identity, combine=combine)
        return lax.convert_element_type(result, dtype, weak_type=False)
    return _reduce(name, a, axis, keepdims, where, initial, dtype=dtype, reducer=reducer,
                   identity=identity, combine=combine)


_SUM_OPS = ((lax.reduce_sum, 0, lax.add), (lax.reduce_or, False, lax.bitwise_or))
_PROD_OPS = ((lax.reduce_prod, 1, lax.mul), (lax.reduce_and, True, lax.bitwise_and))


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,  # noqa: A001
        promote_integers=True):
    """Returns the sum of a's elements over `axis` (all axes when None). Booleans and narrow
    integers are summed in the default integer type unless `promote_integers` is False;
    `initial` is added to the result; elements where `where` is false are left out."""
    return _sum_or_prod("sum", a, axis, dtype, out, keepdims, initial, where,
                        promote_integers, _SUM_OPS)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
         promote_integers=True):
    """Returns the product of a's elements over `axis` (all axes when None), with the dtype
    rules of `sum`; `initial` multiplies the result."""
    return _sum_or_prod("prod", a, axis, dtype, out, keepdims, initial, where,
                        promote_integers, _PROD_OPS)


def _extreme_identity(dtype, is_max):
    """Returns the value that never wins a max (is_max) or min reduction in `dtype`."""
    kind = _kind(dtype)
    if kind == "bool":
        return not is_max
    if kind in ("int", "uint"):
        info = dtypes.iinfo(dtype)
        return info.min if is_max else info.max
    return -np.inf if is_max else np.inf


def _extreme(name, a, axis, out, keepdims, initial, where, is_max):
    _check_no_out(name, out)
    check_arraylike(name, a)
    shape = shape_of(a)
    axes = _canonicalize_axes(name, axis, len(shape))
    op = "max" if is_max else "min"
    if initial is None and builtins.any(shape[i] == 0 for i in axes):
        raise ValueError(f"zero-size array to reduction operation {op} which has no "
                         f"identity (jnp.{name} of an array of shape {shape} over axes "
                         f"{axes}); pass `initial`.")
    if initial is None and where is not None:
        raise ValueError(f"reduction operation {op} does not have an identity, so to use a "
                         f"where mask one has to specify 'initial' (in jnp.{name}).")
    dtype = get_aval(a).dtype
    return _reduce(name, a, axis, keepdims, where, initial, dtype=dtype,
                   reducer=lax.reduce_max if is_max else lax.reduce_min,
                   identity=_extreme_identity(dtype, is_max),
                   combine=lax.max if is_max else lax.min)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    """Returns the largest element of `a` over `axis` (all axes when None); NaN wins.
    `initial` is a lower bound for the result; `where` needs `initial`."""
    return _extreme("max", a, axis, out, keepdims, initial, where, True)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    """Returns the smallest element of `a` over `axis` (all axes when None); NaN wins.
    `initial` is an upper bound for the result; `where` needs `initial`."""
    return _extreme("min", a, axis, out, keepdims, initial, where, False)


amax, amin = max, min


def _logical(name, a, axis, out, keepdims, where, is_all):
    _check_no_out(name, out)
    return _reduce(name, a, axis, keepdims, where, None, dtype=np.dtype(np.bool_),
                   reducer=lax.reduce_and if is_all else lax.reduce_or, identity=is_all,
                   combine=None)


def all(a, axis=None, out=None, keepdims=False, *, where=None):  # noqa: A001
    """Returns True if every element of `a` over `axis` is nonzero (True when empty)."""
    return _logical("all", a, axis, out, keepdims, where, True)


def any(a, axis=None, out=None, keepdims=False, *, where=None):  # noqa: A001
    """Returns True if some element of `a` over `axis` is nonzero (False when empty)."""
    return _logical("any", a, axis, out, keepdims, where, False)


def count_nonzero(a, axis=None, keepdims=False):
    """Returns the number of nonzero elements of `a` over `axis`, in the default int type."""
    check_arraylike("count_nonzero", a)
    return sum(ufuncs._to_bool(a), axis=axis, dtype=dtypes.default_int_dtype(),
               keepdims=keepdims)


def ptp(a, axis=None, out=None, keepdims=False):
    """Returns max(a) - min(a) over `axis` ("peak to peak")."""
    _check_no_out("ptp", out)
    return ufuncs.subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Returns a scalar bool: whether every element of isclose(a, b, ...) is True."""
    return all(ufuncs.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ---------------------------------------------------------------------------------------------
# Statistics.

def _count(a, axes, where, dtype, keepdims):
    """Returns how many elements each reduced position averages over: a Python int without
    `where`, else the masked count as an array of `dtype`."""
    shape = shape_of(a)
    if where is None:
        return int(np.prod([shape[i] for i in axes], dtype=np.int64))
    mask = broadcast_to_shape(ufuncs._to_bool(where), shape)
    return sum(mask, axis=axes, dtype=dtype, keepdims=keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Returns the arithmetic mean of `a` over `axis`; integers average as floats, half
    precision accumulates in float32. `where` restricts the elements averaged."""
    _check_no_out("mean", out)
    check_arraylike("mean", a)
    out_dtype = _user_dtype(dtype) or to_inexact_dtype(get_aval(a).dtype)
    compute = _upcast_half(out_dtype)
    axes = _canonicalize_axes("mean", axis, len(shape_of(a)))
    total = sum(a, axis, dtype=compute, keepdims=keepdims, where=where)
    count = _count(a, axes, where, compute, keepdims)
    if isinstance(count, int):
        count = np.array(count, compute)
    return _as_strong(lax.div(total, count), out_dtype)


_mean = mean  # var's `mean` argument hides the function there


def _var_args(name, a, dtype, ddof, correction):
    """Returns (ddof, result dtype, dtype to compute in) for var and std."""
    if correction is not None:
        if ddof != 0:
            raise ValueError(f"jnp.{name}: ddof and correction can't both be specified.")
        ddof = correction
    inexact = to_inexact_dtype(_user_dtype(dtype) or get_aval(a).dtype)
    return ddof, ufuncs.real_dtype(inexact), _upcast_half(inexact)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    """Returns the variance of `a` over `axis`: the mean squared deviation from the mean,
    divided by (count - ddof) instead of count (`correction` is another name for ddof).
    Complex inputs give the real variance of |a - mean|; NaN when count - ddof <= 0."""
    _check_no_out("var", out)
    check_arraylike("var", a)
    ddof, out_dtype, compute = _var_args("var", a, dtype, ddof, correction)
    axes = _canonicalize_axes("var", axis, len(shape_of(a)))
    a = _as_strong(a, compute)
    center = mean if mean is not None else _mean(a, axes, keepdims=True, where=where)
    centered = ufuncs.subtract(a, center)
    if _kind(compute) == "complex":
        squares = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        squares = lax.square(centered)
    real = ufuncs.real_dtype(compute)
    count = _count(a, axes, where, real, keepdims)
    total = sum(squares, axes, keepdims=keepdims, where=where)
    if isinstance(count, int):
        # Too few elements: NaN, as in numpy (which also warns).
        result = lax.div(total, np.array(count - ddof if count > ddof else np.nan, real))
    else:
        normalizer = ufuncs.subtract(count, np.array(ddof, real))
        result = ufuncs.where(ufuncs.greater(normalizer, np.array(0, real)),
                              lax.div(total, normalizer), np.array(np.nan, real))
    return _as_strong(result, out_dtype)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
    """Returns the standard deviation of `a` over `axis`: sqrt(var(a, ...))."""
    _check_no_out("std", out)
    result = var(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean,
                 correction=correction)
    return lax.sqrt(result)


# ---------------------------------------------------------------------------------------------
# Arg reductions.

def _arg_extreme(name, a, axis, out, keepdims, lax_fn):
    _check_no_out(name, out)
    check_arraylike(name, a)
    shape = shape_of(a)
    if _kind(get_aval(a).dtype) == "complex":
        raise TypeError(f"jnp.{name} does not accept complex inputs (dtype "
                        f"{get_aval(a).dtype.name}); complex numbers are not ordered.")
    if axis is None:
        if len(shape) != 1:
            a = lax.reshape(a, (int(np.prod(shape, dtype=np.int64)),))
        axes = (0,)
    else:
        if isinstance(axis, (tuple, list)):
            raise TypeError(f"jnp.{name}: axis must be an int or None, got {axis!r}.")
        axes = _canonicalize_axes(name, axis, len(shape))
    if shape_of(a)[axes[0]] == 0:
        raise ValueError(f"attempt to get {name} of an empty sequence (jnp.{name} of an "
                         f"array of shape {shape} along axis {axes[0]}).")
    result = lax_fn(a, axes[0], dtypes.default_int_dtype())
    if keepdims:
        if axis is None:
            return lax.reshape(result, (1,) * len(shape))
        return lax.expand_dims(result, axes)
    return result


def argmax(a, axis=None, out=None, keepdims=None):
    """Returns the index of the largest element of `a` along `axis` (of the flattened array
    when None); the first one wins ties, NaN counts as largest."""
    return _arg_extreme("argmax", a, axis, out, keepdims, lax.argmax)


def argmin(a, axis=None, out=None, keepdims=None):
    """Returns the index of the smallest element of `a` along `axis` (of the flattened array
    when None); the first one wins ties, NaN counts as smallest."""
    return _arg_extreme("argmin", a, axis, out, keepdims, lax.argmin)
