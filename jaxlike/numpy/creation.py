"""Array creation: from Python/numpy data (`array`, `asarray`), filled arrays (`zeros`,
`full`, `*_like`), ranges (`arange`, `linspace`, `logspace`, `geomspace`) and matrices
(`eye`, `identity`, `tri`).

Filled arrays and ranges are built on the device from a scalar and `iota`, so that under
`jit` they appear in the jaxpr as `broadcast_in_dim 0.0:f32[]` or `iota`, never as large
embedded constants.
"""
import math
import numbers
import operator
import warnings
from functools import partial

import numpy as np

from jaxlike import dtypes, errors, lax
from jaxlike.api import device_put, jit
from jaxlike.array import ArrayImpl
from jaxlike.core import ShapedArray, Tracer, get_aval
from jaxlike.numpy._util import broadcast_to_shape, check_arraylike, shape_of
from jaxlike.numpy.shapes import (broadcast_shapes, broadcast_to, canonicalize_shape,
                                  check_nonnegative_shape, concatenate, normalize_axis, stack,
                                  _insert_unit_axes)

__all__ = [
    "array", "asarray", "copy", "zeros", "ones", "empty", "full", "zeros_like", "ones_like",
    "empty_like", "full_like", "arange", "linspace", "logspace", "geomspace", "eye",
    "identity", "tri",
]

_PYTHON_SCALARS = (bool, int, float, complex)
_WIDE_TYPES = {np.dtype(t) for t in (np.int64, np.uint64, np.float64, np.complex128)}


def _is_array(x):
    return type(x) is ArrayImpl or isinstance(x, Tracer)


def _user_dtype(dtype, fun_name):
    """Returns the canonical np.dtype for a user's `dtype` argument (None stays None); raises
    TypeError naming `fun_name` for unsupported dtypes and warns, as JAX does, when an
    explicitly requested 64-bit dtype is narrowed because x64 is off."""
    if dtype is None:
        return None
    try:
        canonical = dtypes.canonicalize_dtype(dtype)
        requested = dtypes.dtype(dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{fun_name}: {e}") from None
    python_type = any(dtype is t for t in _PYTHON_SCALARS)
    if requested != canonical and requested in _WIDE_TYPES and not python_type:
        warnings.warn(f"jnp.{fun_name}: the requested dtype {requested.name} is not available "
                      f"while jax_enable_x64 is off; using {canonical.name} instead. Enable "
                      "64-bit types with jax.config.update('jax_enable_x64', True).",
                      stacklevel=3)
    return canonical


# ---------------------------------------------------------------------------------------------
# array / asarray.


def array(object, dtype=None, copy=True, order="K", ndmin=0, *, device=None,
          out_sharding=None):
    """Returns an array holding the data of `object`: an array, a numpy array, a Python scalar
    (weakly typed), or nested lists/tuples of these (traced elements are stacked). The dtype
    follows JAX's promotion of the elements unless `dtype` is given; `ndmin` prepends
    length-one axes."""
    if order not in (None, "K", "A", "C", "F"):
        raise ValueError(f"array: unexpected value for 'order' argument: {order!r}")
    dtype = _user_dtype(dtype, "array")
    if hasattr(object, "__jax_array__"):
        object = object.__jax_array__()
    if _is_array(object):
        out = _convert_array(object, dtype, copy)
    elif isinstance(object, (list, tuple)) and any(_is_array(x) for x in _leaves(object)):
        out = _stack_nested(object, dtype)
    else:
        out = _from_host(object, dtype)
    ndmin = operator.index(ndmin)
    ndim = len(shape_of(out))
    if ndmin > ndim:
        out = _insert_unit_axes(out, tuple(range(ndmin - ndim)))
    if device is not None:
        out = device_put(out, device)
    return out


def asarray(a, dtype=None, order=None, *, copy=None, device=None, out_sharding=None):
    """Returns `a` as an array (without copying when it already is one of the right dtype)."""
    return array(a, dtype=dtype, copy=bool(copy), order=order, device=device)


def copy(a, order=None):
    """Returns a copy of the array-like `a`."""
    check_arraylike("copy", a)
    return array(a, copy=True)


def _convert_array(x, dtype, copy):
    if dtype is not None and (x.dtype != dtype or x.weak_type):
        return lax.convert_element_type(x, dtype)
    if copy and type(x) is ArrayImpl:
        # Arrays are immutable, but a copy matters when the original is later donated.
        from lowering import backend
        return backend.copy_to_device(x, backend.array_device(x))
    return x


def _leaves(obj):
    if isinstance(obj, (list, tuple)):
        for x in obj:
            yield from _leaves(x)
    else:
        yield obj


def _check_leaf(x):
    # Returns the leaf in a form dtypes.result_type understands, or raises as JAX does.
    if x is None:
        raise ValueError("None is not a valid value for jnp.array")
    if isinstance(x, (_PYTHON_SCALARS, np.ndarray, np.generic)) or _is_array(x):
        value = x
    else:
        value = np.asarray(x.__jax_array__() if hasattr(x, "__jax_array__") else x)
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "OUSVMm":
        raise TypeError(f"Value {x!r:.60} with dtype {value.dtype} is not a valid jaxlike "
                        "array type. Only arrays of numeric types (bool, int, float, complex) "
                        "are supported.")
    return value


def _from_host(obj, dtype):
    if isinstance(obj, _PYTHON_SCALARS) and dtype is None:
        get_aval(obj)  # raises OverflowError for ints that do not fit
        return device_put(obj)
    if isinstance(obj, (list, tuple)):
        leaves = [_check_leaf(x) for x in _leaves(obj)]
        if dtype is None:
            dtype = (dtypes.result_type(*leaves) if leaves else dtypes.default_float_dtype())
        return device_put(np.array(obj, dtype=dtype))
    value = _check_leaf(obj)
    if dtype is None:
        dtype = dtypes.canonicalize_dtype(np.result_type(value))
    return device_put(np.asarray(value, dtype=dtype) if isinstance(value, _PYTHON_SCALARS)
                      else np.asarray(value).astype(dtype, copy=False))


def _stack_nested(obj, dtype):
    # Lists that contain arrays or tracers are assembled on the device: each leaf converted to
    # the common dtype, then stacked level by level (so tracing records the assembly).
    leaves = [_check_leaf(x) for x in _leaves(obj)]
    if dtype is None:
        dtype = dtypes.result_type(*leaves)

    def build(o):
        if not isinstance(o, (list, tuple)):
            leaf = o if _is_array(o) or isinstance(o, _PYTHON_SCALARS) else asarray(o)
            return lax.convert_element_type(leaf, dtype)
        parts = [build(x) for x in o]
        if not parts:
            return zeros((0,), dtype)
        shapes = {shape_of(p) for p in parts}
        if len(shapes) > 1:
            raise ValueError(f"array: setting an array element with a sequence: the nested "
                             f"sequences have inhomogeneous shapes {sorted(shapes)}.")
        return stack([asarray(p) for p in parts])
    return build(obj)


# ---------------------------------------------------------------------------------------------
# Filled arrays.


def _scalar_operand(value, dtype, weak):
    """Returns the 0-d `value` as an operand of (dtype, weak): a Python scalar or numpy value
    when that is exact (it becomes a literal under jit), otherwise a converted array."""
    if _is_array(value):
        return lax.convert_element_type(value, dtype, weak)
    if isinstance(value, _PYTHON_SCALARS) and get_aval(value) == ShapedArray((), dtype, weak):
        return value
    if isinstance(value, _PYTHON_SCALARS):
        host = np.array(value, dtype=dtype)  # raises OverflowError like JAX
    else:
        host = np.asarray(value).astype(dtype)
    return lax.convert_element_type(host, dtype, True) if weak else host


def _full(fun_name, shape, fill_value, dtype, weak):
    shape = canonicalize_shape(shape, fun_name)
    check_nonnegative_shape(shape, fun_name)
    if np.ndim(fill_value) != 0:
        fill = lax.convert_element_type(asarray(fill_value), dtype, weak)
        return broadcast_to(fill, shape)
    fill = _scalar_operand(fill_value, dtype, weak)
    if shape == ():
        return fill if _is_array(fill) else asarray(fill)
    return lax.broadcast_in_dim(fill, shape, ())


def zeros(shape, dtype=None, *, device=None, out_sharding=None):
    """Returns an array of the given shape filled with zeros (default dtype float32)."""
    dtype = _user_dtype(dtype, "zeros") or dtypes.default_float_dtype()
    return _full("zeros", shape, 0, dtype, False)


def ones(shape, dtype=None, *, device=None, out_sharding=None):
    """Returns an array of the given shape filled with ones (default dtype float32)."""
    dtype = _user_dtype(dtype, "ones") or dtypes.default_float_dtype()
    return _full("ones", shape, 1, dtype, False)


def empty(shape, dtype=None, *, device=None, out_sharding=None):
    """Returns an array of the given shape; like JAX, its contents are zeros."""
    dtype = _user_dtype(dtype, "empty") or dtypes.default_float_dtype()
    return _full("empty", shape, 0, dtype, False)


def full(shape, fill_value, dtype=None, *, device=None, out_sharding=None):
    """Returns an array of the given shape filled with `fill_value` (a scalar, or an array
    broadcast to `shape`); the dtype is that of `fill_value` unless `dtype` is given."""
    check_arraylike("full", fill_value)
    dtype, weak = _dtype_and_weak(fill_value, _user_dtype(dtype, "full"))
    return _full("full", shape, fill_value, dtype, weak)


def _dtype_and_weak(x, dtype):
    if dtype is not None:
        return dtype, False
    aval = get_aval(x)
    return aval.dtype, aval.weak_type


def _like(fun_name, a, fill_value, dtype, shape):
    check_arraylike(fun_name, a)
    dtype, weak = _dtype_and_weak(a, _user_dtype(dtype, fun_name))
    shape = shape_of(a) if shape is None else shape
    return _full(fun_name, shape, fill_value, dtype, weak)


def zeros_like(a, dtype=None, shape=None, *, device=None, out_sharding=None):
    """Returns zeros with the shape and dtype of `a` (either may be overridden)."""
    return _like("zeros_like", a, 0, dtype, shape)


def ones_like(a, dtype=None, shape=None, *, device=None, out_sharding=None):
    """Returns ones with the shape and dtype of `a` (either may be overridden)."""
    return _like("ones_like", a, 1, dtype, shape)


def empty_like(prototype, dtype=None, shape=None, *, device=None):
    """Returns an array with the shape and dtype of `prototype` (filled with zeros)."""
    return _like("empty_like", prototype, 0, dtype, shape)


def full_like(a, fill_value, dtype=None, shape=None, *, device=None, out_sharding=None):
    """Returns `fill_value` broadcast to the shape of `a`, with the dtype of `a` (either may
    be overridden)."""
    check_arraylike("full_like", a, fill_value)
    return _like("full_like", a, fill_value, dtype, shape)


# ---------------------------------------------------------------------------------------------
# Ranges.


def _concrete(value, fun_name, arg_name):
    # Range bounds decide the output shape, so they must be known while tracing.
    if isinstance(value, Tracer):
        raise errors.ConcretizationTypeError(
            value, f"It arose in the jnp.{fun_name} argument '{arg_name}', which determines the "
                   "shape of the result and so must be a concrete value (a Python or numpy "
                   "scalar, or a static argument of jit).\n")
    if value is not None and np.iscomplexobj(value):
        raise ValueError(f"jnp.{fun_name}: complex {arg_name} is not supported.")
    return value


def _python_number(x):
    value = np.asarray(x).item() if not isinstance(x, _PYTHON_SCALARS) else x
    return int(value) if isinstance(value, (bool, numbers.Integral)) else float(value)


def _arange_size(start, stop, step):
    if step == 0:
        raise ZeroDivisionError("jnp.arange: step must not be zero")
    if all(isinstance(v, int) for v in (start, stop, step)):
        return len(range(start, stop, step))
    return max(0, math.ceil((stop - start) / step))


def arange(start, stop=None, step=None, dtype=None, *, device=None, out_sharding=None):
    """Returns evenly spaced values in [start, stop) with spacing `step` (numpy semantics);
    ints give int32 and floats float32 unless `dtype` is given. The bounds must be concrete."""
    dtype = _user_dtype(dtype, "arange")
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        _concrete(value, "arange", "stop" if name == "start" and stop is None else name)
    given = [v for v in (start, stop, step) if v is not None]
    check_arraylike("arange", *given)
    if dtype is None:
        dtype = dtypes.result_type(*given)
    if dtype == np.bool_:
        raise TypeError("jnp.arange: bool is not a valid dtype for a range (use an integer or "
                        "floating dtype).")
    if stop is None and step is None:
        return lax.iota(dtype, max(0, math.ceil(_python_number(start))))
    if stop is None:  # arange(stop, step=s), as numpy allows
        start, stop = 0, start
    lo, hi = _python_number(start), _python_number(stop)
    delta = 1 if step is None else _python_number(step)
    out = lax.iota(dtype, _arange_size(lo, hi, delta))
    if step is not None:
        out = lax.mul(np.asarray(step).astype(dtype), out)
    return lax.add(np.asarray(start).astype(dtype), out)


def _to_dtype(x, dtype):
    # Converts a float result to the requested dtype, rounding down for integers as JAX does.
    if dtypes.is_int(dtype) and dtypes.is_float(x.dtype):
        x = lax.floor(x)
    return lax.convert_element_type(x, dtype)


def _bcast(x, shape):
    return broadcast_to_shape(x, shape)


# linspace, logspace and geomspace each run as one jitted computation, as JAX's do: XLA then
# evaluates (and rounds) the fused arithmetic the same way, so values agree bit for bit.
_STATIC = ("num", "endpoint", "retstep", "dtype", "axis")


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """Returns `num` evenly spaced values from `start` to `stop` (included when `endpoint`),
    stacked along `axis` when the bounds are arrays; with `retstep`, also the spacing."""
    num = _sample_count("linspace", num)
    check_arraylike("linspace", start, stop)
    dtype = _user_dtype(dtype, "linspace") or _inexact_result(start, stop)
    return _linspace(start, stop, num=num, endpoint=bool(endpoint), retstep=bool(retstep),
                     dtype=dtype, axis=operator.index(axis))


def _sample_count(fun_name, num):
    num = operator.index(_concrete(num, fun_name, "num"))
    if num < 0:
        raise ValueError(f"{fun_name}: number of samples, {num}, must be non-negative.")
    return num


def _inexact_result(*args):
    # The result dtype of a linspace-like function: the promoted dtype, made inexact.
    return dtypes.result_type(*args, float)


def _computation_dtype(dtype):
    return dtype if dtypes.is_float(dtype) or dtypes.is_complex(dtype) else (
        dtypes.default_float_dtype())


@partial(jit, static_argnames=_STATIC)
def _linspace(start, stop, num, endpoint, retstep, dtype, axis):
    comp = _computation_dtype(dtype)
    start = lax.convert_element_type(start, comp)
    stop = lax.convert_element_type(stop, comp)
    bounds = broadcast_shapes(shape_of(start), shape_of(stop))
    axis = normalize_axis(axis, len(bounds) + 1, "linspace")
    start, stop = _bcast(start, bounds), _bcast(stop, bounds)
    div = num - 1 if endpoint else num
    out = _to_dtype(_linspace_samples(start, stop, num, endpoint, div, axis, comp), dtype)
    if not retstep:
        return out
    step = (lax.div(lax.sub(stop, start), np.asarray(div, comp)) if div > 0
            else full(bounds, np.nan, comp))
    return out, step


def _linspace_samples(start, stop, num, endpoint, div, axis, comp):
    # start and stop have the bounds' shape; the samples are laid out along a new `axis`.
    bounds = shape_of(start)
    if num == 0:
        return zeros(bounds[:axis] + (0,) + bounds[axis:], comp)
    if num == 1 and endpoint:
        return _insert_unit_axes(start, (axis,))
    count = num - 1 if endpoint else num
    shape = bounds[:axis] + (count,) + bounds[axis:]
    others = tuple(i for i in range(len(shape)) if i != axis)
    # sample i = start * (1 - i/div) + stop * (i/div): exact at both ends, with the same
    # operations as JAX's, so the printed values agree digit for digit.
    frac = lax.broadcast_in_dim(lax.div(lax.iota(comp, count), np.asarray(div, comp)), shape,
                                (axis,))
    out = lax.add(lax.mul(lax.broadcast_in_dim(start, shape, others),
                          lax.sub(np.asarray(1, comp), frac)),
                  lax.mul(lax.broadcast_in_dim(stop, shape, others), frac))
    return concatenate([out, _insert_unit_axes(stop, (axis,))], axis) if endpoint else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """Returns `base ** linspace(start, stop, num, endpoint)` (numbers spaced evenly on a log
    scale)."""
    num = _sample_count("logspace", num)
    check_arraylike("logspace", start, stop, base)
    dtype = _user_dtype(dtype, "logspace") or _inexact_result(start, stop)
    return _logspace(start, stop, base, num=num, endpoint=bool(endpoint), dtype=dtype,
                     axis=operator.index(axis))


@partial(jit, static_argnames=("num", "endpoint", "dtype", "axis"))
def _logspace(start, stop, base, num, endpoint, dtype, axis):
    comp = _computation_dtype(dtype)
    exponents = _linspace(lax.convert_element_type(start, comp),
                          lax.convert_element_type(stop, comp), num=num, endpoint=endpoint,
                          retstep=False, dtype=comp, axis=axis)
    base = lax.convert_element_type(base, comp)
    shape = broadcast_shapes(shape_of(base), shape_of(exponents))
    return _to_dtype(lax.pow(_bcast(base, shape), _bcast(exponents, shape)), dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Returns `num` numbers from `start` to `stop` spaced evenly on a log scale (a geometric
    progression); both bounds must have the same sign."""
    num = _sample_count("geomspace", num)
    check_arraylike("geomspace", start, stop)
    dtype = _user_dtype(dtype, "geomspace") or _inexact_result(start, stop)
    return _geomspace(start, stop, num=num, endpoint=bool(endpoint), dtype=dtype,
                      axis=operator.index(axis))


@partial(jit, static_argnames=("num", "endpoint", "dtype", "axis"))
def _geomspace(start, stop, num, endpoint, dtype, axis):
    comp = _computation_dtype(dtype)
    start = lax.convert_element_type(start, comp)
    stop = lax.convert_element_type(stop, comp)
    bounds = broadcast_shapes(shape_of(start), shape_of(stop))
    sign = lax.sign(_bcast(start, bounds))
    log_lo = _log10(lax.div(_bcast(start, bounds), sign))
    log_hi = _log10(lax.div(_bcast(stop, bounds), sign))
    out = _logspace(log_lo, log_hi, 10.0, num=num, endpoint=endpoint, dtype=comp, axis=axis)
    axis = normalize_axis(axis, len(bounds) + 1, "geomspace")
    sign = _bcast(_insert_unit_axes(sign, (axis,)), shape_of(out))
    return _to_dtype(lax.mul(sign, out), dtype)


def _log10(x):
    return lax.mul(lax.log(x), np.asarray(1 / np.log(10), x.dtype))


# ---------------------------------------------------------------------------------------------
# Matrices.


def _matrix_shape(fun_name, N, M):
    shape = canonicalize_shape((N, N if M is None else M), fun_name)
    if any(d < 0 for d in shape):
        raise ValueError(f"{fun_name}: negative dimensions are not allowed, got {N} and {M}")
    return shape


def _diagonal_offset(k, shape):
    # Row index + k, compared with the column index by eye and tri; k may be traced.
    rows = lax.broadcasted_iota(np.dtype(np.int32), shape, 0)
    if isinstance(k, Tracer) or type(k) is ArrayImpl:
        k = lax.convert_element_type(k, np.int32)
    else:
        k = np.asarray(operator.index(k), np.int32)
    return lax.add(rows, k), lax.broadcasted_iota(np.dtype(np.int32), shape, 1)


def eye(N, M=None, k=0, dtype=None, *, device=None):
    """Returns an N x M array with ones on the k-th diagonal and zeros elsewhere."""
    dtype = _user_dtype(dtype, "eye") or dtypes.default_float_dtype()
    shape = _matrix_shape("eye", N, M)
    shifted_rows, cols = _diagonal_offset(k, shape)
    return lax.convert_element_type(lax.eq(shifted_rows, cols), dtype)


def identity(n, dtype=None):
    """Returns the n x n identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    """Returns an N x M array with ones at and below the k-th diagonal, zeros above."""
    dtype = _user_dtype(dtype, "tri") or dtypes.default_float_dtype()
    shape = _matrix_shape("tri", N, M)
    shifted_rows, cols = _diagonal_offset(k, shape)
    return lax.convert_element_type(lax.ge(shifted_rows, cols), dtype)
