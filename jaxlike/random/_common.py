"""Argument checking shared by the samplers: shapes, dtypes, parameter broadcasting."""
import math
import operator
import warnings

import numpy as np

from jaxlike import dtypes, lax
from jaxlike.core import Tracer, get_aval


UINT_OF_BITS = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}


def nbits(dtype):
    """Returns the width of `dtype` in bits."""
    return np.dtype(dtype).itemsize * 8


def shape_arg(fname, shape, what="shape"):
    """Returns `shape` (an int or a sequence of ints) as a tuple of non-negative ints."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{fname}: {what} must be a sequence of integers, got {shape!r}.") from None
    out = []
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{fname}: {what} must be given as concrete (static) integers: shapes "
                            f"must be 1D sequences of concrete values of integer type, got "
                            f"{shape!r}.")
        if d < 0:
            raise ValueError(f"{fname}: {what} must be non-negative, got {tuple(shape)!r}.")
        out.append(operator.index(d))
    return tuple(out)


def sample_shape(fname, shape, *param_shapes):
    """Returns the shape of a draw: `shape` checked against the parameters' shapes, or, for
    None, the broadcast of the parameters' shapes."""
    if shape is None:
        return broadcast_shapes(fname, *param_shapes)
    shape = shape_arg(fname, shape)
    check_shape(fname, shape, *param_shapes)
    return shape


def _canonical(fname, dtype):
    canonical = dtypes.canonicalize_dtype(dtype)
    requested = np.dtype(dtype) if not isinstance(dtype, np.dtype) else dtype
    if canonical != requested:
        warnings.warn(f"{fname}: explicitly requested dtype {requested.name} is not available, "
                      f"and will be truncated to dtype {canonical.name}. To enable more dtypes, "
                      "set the jax_enable_x64 configuration option.", stacklevel=4)
    return canonical


def float_dtype(fname, dtype, allow_complex=False):
    """Returns the canonical float (or complex) dtype for a sampler's `dtype` argument (the
    default float dtype for None); raises ValueError for other kinds."""
    if dtype is None:
        return dtypes.default_float_dtype()
    kinds = (np.floating, np.complexfloating) if allow_complex else (np.floating,)
    if not any(dtypes.issubdtype(dtype, k) for k in kinds):
        what = "a float or complex dtype" if allow_complex else "a float dtype"
        raise ValueError(f"dtype argument to `{fname}` must be {what}, got "
                         f"{np.dtype(dtype).name}")
    return _canonical(fname, dtype)


def int_dtype(fname, dtype, unsigned=False):
    """Returns the canonical integer dtype for a `dtype` argument (default int for None)."""
    if dtype is None:
        return dtypes.default_uint_dtype() if unsigned else dtypes.default_int_dtype()
    kind = np.unsignedinteger if unsigned else np.integer
    if not dtypes.issubdtype(dtype, kind):
        what = "an unsigned int dtype" if unsigned else "an int dtype"
        raise ValueError(f"dtype argument to `{fname}` must be {what}, got "
                         f"{np.dtype(dtype).name}")
    return _canonical(fname, dtype)


def as_array(fname, what, x):
    """Returns `x` as an array or tracer; Python scalars stay Python scalars (weakly typed),
    so that inside an enclosing jit they are constants, as they are in JAX (XLA then folds
    what depends only on them, which can round differently from run-time code)."""
    from jaxlike import numpy as jnp
    if isinstance(x, Tracer) or type(x) in (bool, int, float, complex):
        return x
    try:
        return jnp.asarray(x)
    except Exception:
        raise TypeError(f"{fname}: {what} must be an array or a scalar, got "
                        f"{type(x).__name__}.") from None


def dtype_of(x):
    """Returns the (canonical) dtype of an array-like value."""
    return get_aval(x).dtype


def shape_of(x):
    """Returns the shape of an array-like value."""
    return tuple(get_aval(x).shape)


def broadcast_shapes(fname, *shapes):
    """Returns the numpy broadcast of `shapes`; raises ValueError naming `fname`."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"{fname}: incompatible shapes for broadcasting: "
                         f"{', '.join(str(tuple(s)) for s in shapes)}.") from None


def check_shape(fname, shape, *param_shapes):
    """Raises ValueError unless the parameter shapes broadcast to exactly `shape`."""
    try:
        result = tuple(np.broadcast_shapes(shape, *param_shapes))
    except ValueError:
        result = None
    if result != tuple(shape):
        raise ValueError(f"{fname} parameter shapes must be broadcast-compatible with the shape "
                         f"argument, and the result of broadcasting the shapes must equal the "
                         f"shape argument. Got result {result} and shape {tuple(shape)} "
                         f"(parameter shapes {', '.join(str(s) for s in param_shapes)}).")


def to_rank(x, ndim):
    """Returns `x` with leading size-1 axes added up to rank `ndim` (lax ops broadcast them)."""
    shape = get_aval(x).shape
    if len(shape) == ndim:
        return x
    new_shape = (1,) * (ndim - len(shape)) + tuple(shape)
    return lax.broadcast_in_dim(x, new_shape, tuple(range(ndim - len(shape), ndim)))


def broadcast_to(x, shape):
    """Returns `x` broadcast (numpy rules) to `shape`."""
    x_shape = get_aval(x).shape
    if tuple(x_shape) == tuple(shape):
        return x
    lead = len(shape) - len(x_shape)
    squeezed = tuple(i for i, d in enumerate(x_shape) if d == 1 and shape[lead + i] != 1)
    if squeezed:
        x = lax.squeeze(x, squeezed)
    dims = tuple(lead + i for i, d in enumerate(x_shape) if i not in squeezed)
    return lax.broadcast_in_dim(x, tuple(shape), dims)


def size_of(shape):
    """Returns the number of elements of `shape`."""
    return math.prod(shape)
