"""More of NumPy's math: cumulative sums and products, the NaN-ignoring reductions,
weighted averages, covariance and correlation, histograms and bincount, differences,
interpolation, polynomials, the trapezoid rule, cross and Kronecker products, and gcd/lcm.

Everything is written with jnp and lax functions, so it traces, differentiates and
vmaps. Compositions of many small operations (polyfit, histogram, interp, cov) run under
an internal `jit`, as in JAX, so that eager calls compile once per shape instead of once
per operation. Sizes that shape the output (`bincount`'s length, `histogram`'s bin
count) must be static: under a transformation pass them explicitly.
"""
import functools
import operator

import numpy as np

from jaxlike import dtypes, errors, lax
from jaxlike import numpy as jnp  # the package: its functions are looked up at call time
from jaxlike.api import jit
from jaxlike.core import Tracer, get_aval
from jaxlike.numpy import shapes
from jaxlike.numpy._util import (
    check_arraylike,
    promote_dtypes,
    promote_to_inexact,
    shape_of,
    to_inexact_dtype,
)

__all__ = [
    "cumsum", "cumprod", "cumulative_sum", "cumulative_prod", "nancumsum", "nancumprod",
    "nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd", "nanargmax",
    "nanargmin", "average", "cov", "corrcoef", "histogram_bin_edges", "histogram",
    "bincount", "digitize", "diff", "ediff1d", "interp", "polyval", "polyfit", "trapezoid",
    "cross", "kron", "gcd", "lcm",
]


def _jit(*static):
    """Returns a decorator compiling a jnp function with `jit`, the named arguments static,
    as JAX does: an eager call then compiles once per configuration and shape, not once per
    operation inside. Static arguments must be hashable (axes as tuples, not lists)."""
    return functools.partial(jit, static_argnames=static)


def _asarray(name, *args):
    check_arraylike(f"jnp.{name}", *args)
    out = [jnp.asarray(a) for a in args]
    return out[0] if len(out) == 1 else out


def _axis(name, axis, ndim):
    """Returns `axis` in [0, ndim), or raises ValueError naming the function and ndim."""
    return shapes.normalize_axis(axis, ndim, f"jnp.{name}")


def _is_inexact(x):
    dtype = get_aval(x).dtype
    return dtypes.is_float(dtype) or dtypes.is_complex(dtype)


def _check_no_out(name, out):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported: jaxlike "
                                  "arrays are immutable; use the returned value.")


# ---------------------------------------------------------------------------------------------
# Cumulative sums and products.

def _cumulative(name, reduce, a, axis, dtype, ignore_nan=False):
    """The skeleton of cumsum/cumprod: flatten for axis=None, pick the dtype (booleans
    accumulate in the default integer type), optionally replace NaNs by the identity."""
    a = _asarray(name, a)
    if axis is None:
        a, axis = jnp.ravel(a), 0
    axis = _axis(name, axis, get_aval(a).ndim)
    if dtype is not None:
        target = dtypes.canonicalize_dtype(dtypes.dtype(dtype))
    elif get_aval(a).dtype == np.bool_:
        target = dtypes.default_int_dtype()
    else:
        target = get_aval(a).dtype
    a = lax.convert_element_type(a, target, False) if get_aval(a).dtype != target else a
    if ignore_nan and _is_inexact(a):
        identity = 0 if reduce is lax.cumsum else 1
        a = jnp.where(jnp.isnan(a), np.asarray(identity, target), a)
    if target == np.bool_:
        # lax has no boolean sums or products: they are any / all so far.
        reduce = lax.cummax if reduce is lax.cumsum else lax.cummin
        return lax.convert_element_type(reduce(lax.convert_element_type(a, np.int32), axis),
                                        np.bool_, False)
    return reduce(a, axis)


@_jit("axis", "dtype")
def cumsum(a, axis=None, dtype=None, out=None):
    """Returns the cumulative sum of `a` along `axis` (of the flattened `a` when None);
    booleans sum in the default integer type."""
    _check_no_out("cumsum", out)
    return _cumulative("cumsum", lax.cumsum, a, axis, dtype)


@_jit("axis", "dtype")
def cumprod(a, axis=None, dtype=None, out=None):
    """Returns the cumulative product of `a` along `axis` (of the flattened `a` when None)."""
    _check_no_out("cumprod", out)
    return _cumulative("cumprod", lax.cumprod, a, axis, dtype)


@_jit("axis", "dtype")
def nancumsum(a, axis=None, dtype=None, out=None):
    """Returns cumsum(a, ...) with NaNs counted as zero."""
    _check_no_out("nancumsum", out)
    return _cumulative("nancumsum", lax.cumsum, a, axis, dtype, ignore_nan=True)


@_jit("axis", "dtype")
def nancumprod(a, axis=None, dtype=None, out=None):
    """Returns cumprod(a, ...) with NaNs counted as one."""
    _check_no_out("nancumprod", out)
    return _cumulative("nancumprod", lax.cumprod, a, axis, dtype, ignore_nan=True)


def _cumulative_array_api(name, reduce, identity, x, axis, dtype, include_initial):
    x = _asarray(name, x)
    if axis is None:
        if get_aval(x).ndim != 1:
            raise ValueError(f"jnp.{name}: the input array has rank {get_aval(x).ndim}, "
                             "however axis was not set to an explicit value. The axis "
                             "argument is only optional for one-dimensional arrays.")
        axis = 0
    axis = _axis(name, axis, get_aval(x).ndim)
    out = _cumulative(name, reduce, x, axis, dtype)
    if include_initial:
        config = [(1 if d == axis else 0, 0, 0) for d in range(get_aval(out).ndim)]
        out = lax.pad(out, np.asarray(identity, get_aval(out).dtype), config)
    return out


@_jit("axis", "dtype", "include_initial")
def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """Returns the cumulative sum of `x` along `axis` (optional for 1-D x only), with a
    leading zero when `include_initial` (the Array API's cumsum)."""
    return _cumulative_array_api("cumulative_sum", lax.cumsum, 0, x, axis, dtype,
                                 include_initial)


@_jit("axis", "dtype", "include_initial")
def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """Returns the cumulative product of `x` along `axis` (optional for 1-D x only), with a
    leading one when `include_initial`."""
    return _cumulative_array_api("cumulative_prod", lax.cumprod, 1, x, axis, dtype,
                                 include_initial)


# ---------------------------------------------------------------------------------------------
# NaN-ignoring reductions.

def _nan_to(a, value):
    """Returns `a` with its NaNs replaced by `value` (integers have none)."""
    if not _is_inexact(a):
        return a
    return jnp.where(jnp.isnan(a), np.asarray(value, get_aval(a).dtype), a)


@_jit("axis", "dtype", "keepdims")
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Returns the sum of `a` over `axis` with NaNs counted as zero."""
    a = _asarray("nansum", a)
    return jnp.sum(_nan_to(a, 0), axis, dtype, out, keepdims, initial, where)


@_jit("axis", "dtype", "keepdims")
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Returns the product of `a` over `axis` with NaNs counted as one."""
    a = _asarray("nanprod", a)
    return jnp.prod(_nan_to(a, 1), axis, dtype, out, keepdims, initial, where)


def _nan_extreme(name, reduce, fill, a, axis, out, keepdims, initial, where):
    a = _asarray(name, a)
    if not _is_inexact(a):
        return reduce(a, axis, out, keepdims, initial, where)
    result = reduce(_nan_to(a, fill), axis, out, keepdims, initial, where)
    all_nan = jnp.all(jnp.isnan(a), axis=axis, keepdims=keepdims)
    return jnp.where(all_nan, np.asarray(np.nan, get_aval(result).dtype), result)


@_jit("axis", "keepdims")
def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Returns the largest non-NaN element of `a` over `axis` (NaN for an all-NaN slice)."""
    return _nan_extreme("nanmax", jnp.max, -np.inf, a, axis, out, keepdims, initial, where)


@_jit("axis", "keepdims")
def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Returns the smallest non-NaN element of `a` over `axis` (NaN for an all-NaN
    slice)."""
    return _nan_extreme("nanmin", jnp.min, np.inf, a, axis, out, keepdims, initial, where)


def _not_nan(a, where):
    mask = jnp.logical_not(jnp.isnan(a))
    return mask if where is None else jnp.logical_and(mask, where)


@_jit("axis", "dtype", "keepdims")
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    """Returns the mean of the non-NaN elements of `a` over `axis` (NaN if there are
    none)."""
    a = _asarray("nanmean", a)
    if not _is_inexact(a):
        return jnp.mean(a, axis, dtype, out, keepdims, where=where)
    return jnp.mean(a, axis, dtype, out, keepdims, where=_not_nan(a, where))


@_jit("axis", "dtype", "ddof", "keepdims")
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
    """Returns the variance of the non-NaN elements of `a` over `axis`, divided by
    (count - ddof)."""
    a = _asarray("nanvar", a)
    if not _is_inexact(a):
        return jnp.var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean)
    return jnp.var(a, axis, dtype, out, ddof, keepdims, where=_not_nan(a, where), mean=mean)


@_jit("axis", "dtype", "ddof", "keepdims")
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
    """Returns the standard deviation of the non-NaN elements of `a` over `axis`."""
    return jnp.sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where, mean))


def _nan_arg_extreme(name, arg_reduce, fill, a, axis, out, keepdims):
    a = _asarray(name, a)
    if not _is_inexact(a):
        return arg_reduce(a, axis, out, keepdims)
    nans = jnp.isnan(a)
    result = arg_reduce(jnp.where(nans, np.asarray(fill, get_aval(a).dtype), a), axis, out,
                        keepdims)
    all_nan = jnp.all(nans, axis=axis, keepdims=bool(keepdims))
    return jnp.where(all_nan, np.asarray(-1, get_aval(result).dtype), result)


@_jit("axis", "keepdims")
def nanargmax(a, axis=None, out=None, keepdims=None):
    """Returns the index of the largest non-NaN element of `a` along `axis` (-1 for an
    all-NaN slice)."""
    return _nan_arg_extreme("nanargmax", jnp.argmax, -np.inf, a, axis, out, keepdims)


@_jit("axis", "keepdims")
def nanargmin(a, axis=None, out=None, keepdims=None):
    """Returns the index of the smallest non-NaN element of `a` along `axis` (-1 for an
    all-NaN slice)."""
    return _nan_arg_extreme("nanargmin", jnp.argmin, np.inf, a, axis, out, keepdims)


# ---------------------------------------------------------------------------------------------
# Averages, covariance, correlation.

def _weights_like(name, a, weights, axis):
    """Returns `weights` broadcast against `a`: of a's shape, or 1-D along one `axis`."""
    a_shape, w_shape = shape_of(a), shape_of(weights)
    if w_shape == a_shape:
        return weights
    if axis is None or not isinstance(axis, int):
        raise ValueError(f"jnp.{name}: weights of shape {w_shape} differ from a's shape "
                         f"{a_shape}; give an int axis for 1-D weights.")
    axis = _axis(name, axis, len(a_shape))
    if len(w_shape) != 1 or w_shape[0] != a_shape[axis]:
        raise ValueError(f"jnp.{name}: 1-D weights of shape {w_shape} must have the length of "
                         f"axis {axis} of a (shape {a_shape}).")
    return lax.broadcast_in_dim(weights, a_shape, (axis,))


@_jit("axis", "returned", "keepdims")
def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """Returns the mean of `a` over `axis` weighted by `weights` (of a's shape, or 1-D
    along axis); with `returned`, the pair (average, sum of weights) broadcast alike."""
    if weights is None:
        a = _asarray("average", a)
        avg = jnp.mean(a, axis, keepdims=keepdims)
        if not returned:
            return avg
        # Each average is over the same number of elements: size(a) / size(avg).
        count = int(np.prod(shape_of(a))) // max(int(np.prod(shape_of(avg))), 1)
        return avg, jnp.full(shape_of(avg), count, get_aval(avg).dtype)
    a, weights = _asarray("average", a, weights)
    a, weights = promote_to_inexact(a, weights)
    weights = _weights_like("average", a, weights, axis)
    total = jnp.sum(weights, axis, keepdims=keepdims)
    avg = jnp.sum(jnp.multiply(a, weights), axis, keepdims=keepdims) / total
    if returned:
        return avg, jnp.broadcast_to(total, shape_of(avg))
    return avg


@_jit("rowvar", "bias", "ddof", "dtype")
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
    """Returns the covariance matrix of the variables in the rows (columns if not `rowvar`)
    of `m` (and `y`), normalized by N - 1 (N if `bias`, N - ddof if given), with optional
    integer frequency weights and observation weights, as NumPy computes it."""
    m = _asarray("cov", m)
    if get_aval(m).ndim > 2:
        raise ValueError(f"jnp.cov: m has more than 2 dimensions (shape {shape_of(m)}).")
    x = jnp.atleast_2d(m)
    if not rowvar and get_aval(x).shape[0] != 1:
        x = x.T
    if get_aval(x).shape[0] == 0:
        return jnp.array([]).reshape(0, 0)
    if y is not None:
        y = jnp.atleast_2d(_asarray("cov", y))
        if not rowvar and get_aval(y).shape[0] != 1:
            y = y.T
        x = jnp.concatenate([x, y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    x = _as_dtype(x, dtype)
    weights = [None if w is None else _asarray("cov", w) for w in (fweights, aweights)]
    out = _cov(x, *weights, ddof=ddof)
    return jnp.squeeze(out) if get_aval(m).ndim < 2 or shape_of(out) == (1, 1) else out


def _as_dtype(x, dtype):
    target = to_inexact_dtype(dtypes.canonicalize_dtype(dtypes.dtype(dtype)) if dtype
                              else get_aval(x).dtype)
    return lax.convert_element_type(x, dtypes.canonicalize_dtype(target), False)


def _cov(x, fweights, aweights, ddof):
    n = shape_of(x)[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = jnp.mean(x, axis=1, keepdims=True)
        w_sum = np.asarray(n, get_aval(x).dtype)
        fact = w_sum - ddof
    else:
        w = w.astype(get_aval(x).dtype)
        w_sum = jnp.sum(w)
        avg = jnp.sum(x * w, axis=1, keepdims=True) / w_sum
        fact = w_sum - ddof if aweights is None else (
            w_sum - ddof * jnp.sum(w * aweights) / w_sum)
    centered = x - avg
    weighted = centered if w is None else centered * w
    product = jnp.matmul(weighted, jnp.conj(centered).T, precision="highest")
    return product / jnp.maximum(fact, 0).astype(get_aval(x).dtype)


@_jit("rowvar", "dtype")
def corrcoef(x, y=None, rowvar=True, dtype=None):
    """Returns the Pearson correlation coefficients of the variables in `x` (and `y`):
    cov / sqrt(outer(var, var)), with real parts clipped to [-1, 1]."""
    c = cov(x, y, rowvar, dtype=dtype)
    if get_aval(c).ndim == 0:
        return c / c  # one variable: 1 (or NaN), as NumPy
    d = jnp.diagonal(c)
    stddev = jnp.sqrt(jnp.real(d)).astype(get_aval(c).dtype)
    c = c / stddev[:, None] / stddev[None, :]
    if dtypes.is_complex(get_aval(c).dtype):
        return jnp.clip(jnp.real(c), -1, 1) + 1j * jnp.clip(jnp.imag(c), -1, 1)
    return jnp.clip(c, -1, 1)


# ---------------------------------------------------------------------------------------------
# Histograms, bincount, digitize.

def _static_int(name, what, value):
    if isinstance(value, Tracer):
        raise errors.ConcretizationTypeError(
            value, f"The {what} argument of jnp.{name} sets the size of its output, so it "
                   "must be a static (non-traced) integer.\n")
    return operator.index(np.asarray(value).item() if hasattr(value, "shape") else value)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002 -- NumPy's name
    """Returns the edges of the histogram bins of `a`: `bins` + 1 evenly spaced edges over
    `range` (default [min(a), max(a)], widened by 0.5 each side when they are equal), or
    `bins` itself when it is an array of edges."""
    del weights  # NumPy ignores them here too
    a = _asarray("histogram_bin_edges", a)
    dtype = to_inexact_dtype(get_aval(a).dtype)
    if not isinstance(bins, (int, np.integer)) and get_aval(bins).ndim == 1:
        return lax.convert_element_type(jnp.asarray(bins), dtype, False)
    count = _static_int("histogram_bin_edges", "bins", bins)
    if count < 1:
        raise ValueError(f"jnp.histogram_bin_edges: bins must be positive, got {count}.")
    bounds = None if range is None else tuple(jnp.asarray(r, dtype=dtype) for r in range)
    return _even_edges(a, bounds, count)


@_jit("count")
def _even_edges(a, bounds, count):
    dtype = to_inexact_dtype(get_aval(a).dtype)
    lo, hi = (jnp.min(a).astype(dtype), jnp.max(a).astype(dtype)) if bounds is None else bounds
    equal = lo == hi
    lo = jnp.where(equal, lo - 0.5, lo)
    hi = jnp.where(equal, hi + 0.5, hi)
    return jnp.linspace(lo, hi, count + 1, dtype=dtype)


def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """Returns (counts, bin_edges): how many elements of `a` (or their total `weights`)
    fall in each bin; the last bin includes its right edge, values outside are left out.
    With `density`, counts become a probability density over the bins."""
    a = _asarray("histogram", a)
    edges = histogram_bin_edges(a, bins, range)
    if weights is None:
        weights = jnp.ones_like(a)
    else:
        weights = _asarray("histogram", weights)
        if shape_of(weights) != shape_of(a):
            raise ValueError(f"jnp.histogram: weights of shape {shape_of(weights)} must have "
                             f"a's shape {shape_of(a)}.")
    return _histogram(jnp.ravel(a), edges, jnp.ravel(weights), bool(density))


@_jit("density")
def _histogram(a, edges, weights, density):
    n_edges = shape_of(edges)[0]
    index = jnp.searchsorted(edges, a, side="right")
    index = jnp.where(a == edges[-1], n_edges - 1, index)
    counts = jnp.zeros(n_edges, get_aval(weights).dtype).at[index].add(weights, mode="drop")
    counts = counts[1:]
    if density:
        widths = jnp.diff(edges)
        counts = counts / widths / jnp.sum(counts)
    return counts, edges


def bincount(x, weights=None, minlength=0, *, length=None, out_sharding=None):
    """Returns how many times each value 0..length-1 occurs in the non-negative integer
    array `x` (or the total of their `weights`). Negative values count as 0 and values
    >= length are dropped, as in JAX; `length` defaults to max(x) + 1 (at least
    `minlength`) and must be given under a transformation."""
    x = _asarray("bincount", x)
    if not dtypes.is_int(get_aval(x).dtype) and get_aval(x).dtype != np.bool_:
        raise TypeError(f"jnp.bincount: x must have an integer type, got "
                        f"{get_aval(x).dtype.name}.")
    if get_aval(x).ndim != 1:
        raise ValueError(f"jnp.bincount: x must be 1-D, got shape {shape_of(x)}.")
    minlength = _static_int("bincount", "minlength", minlength)
    if length is None:
        if isinstance(x, Tracer):
            raise errors.ConcretizationTypeError(
                x, "jnp.bincount needs a static `length=` under a transformation: the "
                   "output size would depend on the values of x.\n")
        length = max(minlength, int(np.max(np.asarray(x), initial=-1)) + 1)
    length = _static_int("bincount", "length", length)
    if weights is None:
        weights = np.ones((), dtypes.default_int_dtype())
    else:
        weights = _asarray("bincount", weights)
    index = jnp.clip(x, 0, None)
    out = jnp.zeros(length, get_aval(weights).dtype)
    return out.at[index].add(jnp.broadcast_to(weights, shape_of(x)), mode="drop")


@_jit("right", "method")
def digitize(x, bins, right=False, *, method=None):
    """Returns the index of the bin each element of `x` falls in, for monotonic `bins`
    (increasing or decreasing): bins[i-1] <= x < bins[i] (or < and <= when `right`)."""
    x, bins = _asarray("digitize", x, bins)
    if get_aval(bins).ndim != 1:
        raise ValueError(f"jnp.digitize: bins must be 1-D, got shape {shape_of(bins)}.")
    if shape_of(bins)[0] == 0:
        return jnp.zeros(shape_of(x), np.int32)
    side = "left" if right else "right"
    kwargs = {} if method is None else {"method": method}
    increasing = jnp.searchsorted(bins, x, side=side, **kwargs)
    flipped = shape_of(bins)[0] - jnp.searchsorted(bins[::-1], x, side=side, **kwargs)
    return jnp.where(bins[-1] >= bins[0], increasing, flipped)


# ---------------------------------------------------------------------------------------------
# Differences, interpolation, integration.

@_jit("n", "axis")
def diff(a, n=1, axis=-1, prepend=None, append=None):
    """Returns the `n`-th discrete difference of `a` along `axis` (out[i] = a[i+1] - a[i],
    applied n times), after joining `prepend` and `append` to `a` along it. Booleans
    differ by XOR, as in NumPy."""
    a = _asarray("diff", a)
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"jnp.diff: order must be non-negative but got {n}.")
    if n == 0:
        return a
    if get_aval(a).ndim == 0:
        raise ValueError("jnp.diff requires input that is at least one dimensional; got a "
                         "rank-0 array.")
    axis = _axis("diff", axis, get_aval(a).ndim)
    parts = []
    for extra in (prepend, a, append):
        if extra is None:
            continue
        extra = jnp.asarray(extra)
        if get_aval(extra).ndim == 0:
            shape = list(shape_of(a))
            shape[axis] = 1
            extra = jnp.broadcast_to(extra, tuple(shape))
        parts.append(extra)
    a = jnp.concatenate(parts, axis) if len(parts) > 1 else a
    subtract = jnp.not_equal if get_aval(a).dtype == np.bool_ else jnp.subtract
    for _ in range(n):
        length = shape_of(a)[axis]
        a = subtract(lax.slice_in_dim(a, 1, length, axis=axis),
                     lax.slice_in_dim(a, 0, max(length - 1, 0), axis=axis))
    return a


@jit
def ediff1d(ary, to_end=None, to_begin=None):
    """Returns the differences between consecutive elements of the flattened `ary`, with
    `to_begin` and `to_end` (flattened) joined at the ends."""
    ary = jnp.ravel(_asarray("ediff1d", ary))
    result = diff(ary)
    parts = [jnp.ravel(jnp.asarray(to_begin, dtype=get_aval(result).dtype))] if (
        to_begin is not None) else []
    parts.append(result)
    if to_end is not None:
        parts.append(jnp.ravel(jnp.asarray(to_end, dtype=get_aval(result).dtype)))
    return jnp.concatenate(parts) if len(parts) > 1 else result


def interp(x, xp, fp, left=None, right=None, period=None):
    """Returns the piecewise-linear interpolant through the points (xp, fp) (xp
    increasing) at `x`. Outside [xp[0], xp[-1]] it returns `left`/`right` (default fp[0] and
    fp[-1]), or extrapolates the end segments when they are 'extrapolate'; with `period`,
    x and xp are taken modulo it."""
    x, xp, fp = _asarray("interp", x, xp, fp)
    if get_aval(xp).ndim != 1 or get_aval(fp).ndim != 1:
        raise ValueError(f"jnp.interp: xp and fp must be 1-D, got shapes {shape_of(xp)} and "
                         f"{shape_of(fp)}.")
    if shape_of(xp) != shape_of(fp) or shape_of(xp)[0] == 0:
        raise ValueError(f"jnp.interp: xp and fp must have the same non-zero length, got "
                         f"{shape_of(xp)[0]} and {shape_of(fp)[0]}.")
    for name, value in (("left", left), ("right", right)):
        if isinstance(value, str) and value != "extrapolate":
            raise ValueError(f"jnp.interp: the only valid string value for {name} is "
                             f"'extrapolate', got {value!r}.")
    if period is not None and (left is not None or right is not None):
        raise ValueError("jnp.interp: left and right must be None when period is given.")
    x, xp, fp = promote_to_inexact(x, xp, fp)
    if period is not None:
        x, xp, fp = _periodic(x, xp, fp, period)
    return _interp(x, xp, fp, *(None if isinstance(v, str) else v for v in (left, right)),
                   extrapolate=(left == "extrapolate", right == "extrapolate"))


def _periodic(x, xp, fp, period):
    period = jnp.abs(jnp.asarray(period, dtype=get_aval(x).dtype))
    x, xp = x % period, xp % period
    order = jnp.argsort(xp)
    xp, fp = xp[order], fp[order]
    xp = jnp.concatenate([xp[-1:] - period, xp, xp[:1] + period])
    fp = jnp.concatenate([fp[-1:], fp, fp[:1]])
    return x, xp, fp


@_jit("extrapolate")
def _interp(x, xp, fp, left, right, extrapolate):
    n = shape_of(xp)[0]
    if n == 1:
        return jnp.broadcast_to(fp[0], shape_of(x))
    i = jnp.clip(jnp.searchsorted(xp, x, side="right"), 1, n - 1)
    df = fp[i] - fp[i - 1]
    dx = xp[i] - xp[i - 1]
    delta = x - xp[i - 1]
    # Repeated xp values would divide by zero: such a segment takes its left value.
    flat = jnp.abs(dx) <= np.spacing(dtypes.finfo(get_aval(dx).dtype).eps)
    f = jnp.where(flat, fp[i - 1], fp[i - 1] + (delta / jnp.where(flat, 1, dx)) * df)
    if not extrapolate[0]:
        f = jnp.where(x < xp[0], fp[0] if left is None else left, f)
    if not extrapolate[1]:
        f = jnp.where(x > xp[-1], fp[-1] if right is None else right, f)
    return f


@_jit("axis",)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Returns the integral of `y` along `axis` by the trapezoid rule, with sample points
    `x` (1-D along axis, or of y's shape) or uniform spacing `dx`."""
    y = _asarray("trapezoid", y)
    (y,) = promote_to_inexact(y)
    axis = _axis("trapezoid", axis, get_aval(y).ndim)
    y = jnp.moveaxis(y, axis, -1)
    if x is None:
        spacing = jnp.asarray(dx)
    else:
        x = _asarray("trapezoid", x)
        spacing = jnp.diff(x) if get_aval(x).ndim == 1 else jnp.diff(
            jnp.moveaxis(x, axis, -1), axis=-1)
    mids = (y[..., 1:] + y[..., :-1]) * 0.5
    return jnp.sum(jnp.multiply(spacing, mids), axis=-1)


# ---------------------------------------------------------------------------------------------
# Polynomials.

@_jit("unroll",)
def polyval(p, x, *, unroll=16):
    """Returns the polynomial with coefficients `p` (highest degree first) evaluated at
    `x`, by Horner's rule (one `scan` over the coefficients)."""
    p, x = _asarray("polyval", p, x)
    if get_aval(p).ndim != 1:
        raise ValueError(f"jnp.polyval: p must be 1-D, got shape {shape_of(p)}.")
    p, x = promote_dtypes(p, x)
    shape = jnp.broadcast_shapes(shape_of(x), ())
    y = jnp.zeros(shape, get_aval(x).dtype)
    return lax.scan(lambda acc, c: (acc * x + c, None), y, p, unroll=unroll)[0]


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Returns the least-squares polynomial fit of degree `deg` to the points (x, y)
    (coefficients highest degree first; one column per column of a 2-D y), optionally
    weighting the residuals by `w`. Solved by a QR factorization of the column-scaled
    Vandermonde matrix (re-orthogonalized Gram-Schmidt); `rcond` is accepted but not used,
    and `full`/`cov` are not supported."""
    if full or cov:
        raise NotImplementedError("jnp.polyfit: full=True and cov=True need an SVD and are "
                                  "not supported yet.")
    x, y = _asarray("polyfit", x, y)
    deg = operator.index(deg)
    if deg < 0:
        raise ValueError(f"jnp.polyfit: expected deg >= 0, got {deg}.")
    if get_aval(x).ndim != 1 or get_aval(y).ndim not in (1, 2):
        raise TypeError(f"jnp.polyfit: expected 1-D x and 1-D or 2-D y, got shapes "
                        f"{shape_of(x)} and {shape_of(y)}.")
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError(f"jnp.polyfit: x and y must have the same length, got "
                        f"{shape_of(x)[0]} and {shape_of(y)[0]}.")
    x, y = promote_to_inexact(x, y)
    weights = None if w is None else _asarray("polyfit", w)
    return _polyfit(x, y, weights, deg)


@_jit("deg")
def _polyfit(x, y, w, deg):
    lhs = _vander(x, deg + 1)
    rhs = y
    if w is not None:
        lhs = lhs * w[:, None]
        rhs = rhs * (w if get_aval(rhs).ndim == 1 else w[:, None])
    # Scaling the columns to unit norm improves the conditioning, as NumPy does.
    scale = jnp.sqrt(jnp.sum(lhs * lhs, axis=0))
    scale = jnp.where(scale == 0, 1, scale)
    coeffs = _lstsq_qr(lhs / scale, rhs)
    return (coeffs.T / scale).T


def _vander(x, n):
    powers = jnp.arange(n - 1, -1, -1, dtype=get_aval(x).dtype)
    return x[:, None] ** powers


def _lstsq_qr(a, b):
    """Returns argmin ||a c - b|| for a tall, full-rank `a` (m, k) with small k: QR by
    Gram-Schmidt, each column orthogonalized twice (enough for orthogonality to rounding),
    then back substitution."""
    k = shape_of(a)[1]
    q_cols, r_cols = [], []
    for j in range(k):
        v = a[:, j]
        r = jnp.zeros(j, get_aval(a).dtype)
        for _ in range(2 if j else 0):
            q = jnp.stack(q_cols, axis=1)
            c = jnp.matmul(q.T, v, precision="highest")
            v = v - jnp.matmul(q, c, precision="highest")
            r = r + c
        norm = jnp.sqrt(jnp.sum(v * v))
        q_cols.append(v / norm)
        r_cols.append(jnp.concatenate([r, norm[None], jnp.zeros(k - j - 1, get_aval(a).dtype)]))
    q, r = jnp.stack(q_cols, axis=1), jnp.stack(r_cols, axis=1)
    rhs = jnp.matmul(q.T, b, precision="highest")
    rows = [None] * k
    for i in range(k - 1, -1, -1):
        acc = rhs[i]
        for j in range(i + 1, k):
            acc = acc - r[i, j] * rows[j]
        rows[i] = acc / r[i, i]
    return jnp.stack(rows)


# ---------------------------------------------------------------------------------------------
# Products.

@_jit("axisa", "axisb", "axisc", "axis")
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Returns the cross product of the 3-vectors (or 2-vectors, giving the z component)
    along `axisa` of `a` and `axisb` of `b`, broadcast together; the result's vector axis is
    `axisc` (`axis` sets all three)."""
    a, b = _asarray("cross", a, b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = jnp.moveaxis(a, _axis("cross", axisa, get_aval(a).ndim), -1)
    b = jnp.moveaxis(b, _axis("cross", axisb, get_aval(b).ndim), -1)
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"jnp.cross: incompatible dimensions for cross product (dimension "
                         f"must be 2 or 3), got {na} and {nb}.")
    a, b = promote_dtypes(a, b)
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    a2 = a[..., 2] if na == 3 else jnp.zeros_like(a0)
    b2 = b[..., 2] if nb == 3 else jnp.zeros_like(b0)
    c = jnp.stack(jnp.broadcast_arrays(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z), axis=-1)
    return jnp.moveaxis(c, -1, _axis("cross", axisc, get_aval(c).ndim))


@jit
def kron(a, b):
    """Returns the Kronecker product of `a` and `b`: blocks a[i, j] * b, as NumPy builds
    it for any ranks."""
    a, b = _asarray("kron", a, b)
    a, b = promote_dtypes(a, b)
    ndim = max(get_aval(a).ndim, get_aval(b).ndim)
    a = jnp.reshape(a, (1,) * (ndim - get_aval(a).ndim) + shape_of(a))
    b = jnp.reshape(b, (1,) * (ndim - get_aval(b).ndim) + shape_of(b))
    # Interleave the axes: a's axis i pairs with b's axis i, then they merge.
    outer = jnp.multiply(jnp.expand_dims(a, tuple(range(1, 2 * ndim, 2))),
                         jnp.expand_dims(b, tuple(range(0, 2 * ndim, 2))))
    return jnp.reshape(outer, tuple(sa * sb for sa, sb in zip(shape_of(a), shape_of(b))))


# ---------------------------------------------------------------------------------------------
# gcd and lcm.

def _integer_args(name, x1, x2):
    x1, x2 = _asarray(name, x1, x2)
    x1, x2 = promote_dtypes(x1, x2)
    if not dtypes.is_int(get_aval(x1).dtype):
        raise TypeError(f"jnp.{name}: arguments must be integers, got "
                        f"{get_aval(x1).dtype.name}.")
    return jnp.broadcast_arrays(x1, x2)


@jit
def gcd(x1, x2):
    """Returns the greatest common divisor of |x1| and |x2| elementwise (gcd(0, 0) = 0), by
    Euclid's algorithm in a while loop."""
    x1, x2 = _integer_args("gcd", x1, x2)
    return _gcd(jnp.abs(x1), jnp.abs(x2))


def _gcd(a, b):
    def cond(ab):
        return jnp.any(ab[1] != 0)

    def body(ab):
        a, b = ab
        nonzero = b != 0
        safe = jnp.where(nonzero, b, 1)
        return jnp.where(nonzero, b, a), jnp.where(nonzero, a % safe, 0)
    return lax.while_loop(cond, body, (a, b))[0]


@jit
def lcm(x1, x2):
    """Returns the least common multiple of |x1| and |x2| elementwise (0 when either is
    0)."""
    x1, x2 = _integer_args("lcm", x1, x2)
    a, b = jnp.abs(x1), jnp.abs(x2)
    g = _gcd(a, b)
    return jnp.where(g == 0, 0, a * (b // jnp.where(g == 0, 1, g)))
