"""Helpers shared by jaxlike.numpy: argument checking, dtype promotion and broadcasting."""
import numpy as np

from jaxlike import dtypes, lax
from jaxlike.core import Tracer, get_aval
from jaxlike.array import ArrayImpl

_PYTHON_SCALARS = (bool, int, float, complex)


def is_arraylike(x):
    """Returns True for values jnp functions accept as arrays."""
    return (type(x) is ArrayImpl or isinstance(x, (Tracer, np.ndarray, np.generic))
            or type(x) in _PYTHON_SCALARS or isinstance(x, _PYTHON_SCALARS))


def check_arraylike(fun_name, *args):
    """Raises TypeError naming `fun_name` and the argument position if any arg is not an
    array, numpy array or scalar (e.g. a list, which JAX rejects to avoid silent copies)."""
    for i, x in enumerate(args):
        if not is_arraylike(x):
            hint = (" Convert it with jnp.asarray first (jnp functions do not accept lists or "
                    "tuples, to avoid silently copying them element by element)."
                    if isinstance(x, (list, tuple)) else "")
            raise TypeError(f"{fun_name} requires ndarray or scalar arguments, got "
                            f"{type(x).__name__} at position {i}.{hint}")


def promote_dtypes(*args):
    """Returns the args converted to their common dtype (JAX's promotion rules, weak types
    included). Python scalars whose default dtype already matches stay Python scalars, so
    they appear in jaxprs as literals."""
    if len(args) < 2:
        return list(args)
    dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
    out = []
    for x in args:
        aval = get_aval(x)
        # Nothing to convert (the common case, checked first because it is the hot path).
        if aval.dtype == dtype and (aval.weak_type == weak or type(x) in _PYTHON_SCALARS):
            out.append(x)
        else:
            out.append(lax.convert_element_type(x, dtype, weak))
    return out


def to_inexact_dtype(dtype):
    """Returns `dtype` if it is floating or complex, else the float that integers and bools
    of its width become (JAX 0.10: 64-bit integers give float64, narrower ones and bool give
    float32, so with x64 on an int32 array's sqrt is float32)."""
    dtype = np.dtype(dtype)
    if dtypes.is_float(dtype) or dtypes.is_complex(dtype):
        return dtype
    return np.dtype(np.float64 if dtype.itemsize == 8 else np.float32)


def promote_to_inexact(*args):
    """Returns the args promoted together and then to an inexact type (see
    to_inexact_dtype), as numpy's true-division and transcendental functions do."""
    promoted = promote_dtypes(*args)
    dtype, weak = dtypes.result_type(*promoted, return_weak_type_flag=True)
    if dtypes.is_float(dtype) or dtypes.is_complex(dtype):
        return promoted
    target = to_inexact_dtype(dtype)
    return [lax.convert_element_type(x, target, weak) for x in promoted]


def shape_of(x):
    """Returns the shape of an array-like."""
    return get_aval(x).shape


def broadcast_shapes(*shapes):
    """Returns the numpy-broadcast shape of the given shapes, or raises ValueError naming
    them when they are incompatible."""
    ndim = max((len(s) for s in shapes), default=0)
    result = []
    for axis in range(ndim):
        size = 1
        for s in shapes:
            d = s[axis - ndim + len(s)] if axis - ndim + len(s) >= 0 else 1
            if d != 1:
                if size != 1 and d != size:
                    raise ValueError(f"Incompatible shapes for broadcasting: "
                                     f"{tuple(map(tuple, shapes))}")
                size = d
        result.append(size)
    return tuple(result)


def broadcast_to_shape(x, shape):
    """Returns x broadcast to `shape` (numpy rules); scalars of rank 0 are left alone when
    lax ops can broadcast them themselves."""
    x_shape = shape_of(x)
    if x_shape == tuple(shape):
        return x
    ndim = len(shape)
    dims = tuple(range(ndim - len(x_shape), ndim))
    squeeze = [i for i, (d, out) in enumerate(zip(x_shape, (shape[j] for j in dims)))
               if d == 1 and out != 1]
    if squeeze:
        x = lax.squeeze(x, squeeze)
        dims = tuple(d for i, d in enumerate(dims) if i not in squeeze)
    return lax.broadcast_in_dim(x, tuple(shape), dims)


def promote_shapes(fun_name, *args):
    """Returns the args broadcast to a common shape; rank-0 args stay rank 0 (lax n-ary ops
    broadcast them), which keeps jaxprs free of needless broadcasts."""
    if len(args) < 2:
        return list(args)
    shapes = [shape_of(x) for x in args]
    nonscalar = [s for s in shapes if s != ()]
    if all(s == nonscalar[0] for s in nonscalar):
        return list(args)
    try:
        result = broadcast_shapes(*shapes)
    except ValueError:
        raise TypeError(f"{fun_name}: incompatible shapes for broadcasting: "
                        f"{', '.join(str(tuple(s)) for s in shapes)}") from None
    return [x if s == () else broadcast_to_shape(x, result) for x, s in zip(args, shapes)]


# Dtypes that stand for themselves under promote_to_inexact.
_INEXACT = frozenset(np.dtype(d) for d in ("float16", "bfloat16", "float32", "float64",
                                             "complex64", "complex128"))


def _needs_no_promotion(args):
    """Returns True for the common eager cases in which promotion changes nothing: device
    arrays of one aval, or a device array with a Python scalar whose default dtype is the
    array's (so it stays a weakly typed scalar). It is a shortcut, not a rule: every other
    case goes through the full promotion below."""
    x, y = args
    tx, ty = type(x), type(y)
    if tx is ArrayImpl:
        if ty is ArrayImpl:
            return x.aval == y.aval
        return ty in _PYTHON_SCALARS and ty is not bool and get_aval(y).dtype == x.aval.dtype
    if ty is ArrayImpl and tx in _PYTHON_SCALARS and tx is not bool:
        return get_aval(x).dtype == y.aval.dtype
    return False


def promote_args(fun_name, *args):
    """Returns the args checked, dtype-promoted and shape-broadcast for an elementwise op."""
    if len(args) == 2 and _needs_no_promotion(args):
        return args
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *promote_dtypes(*args))


def promote_args_inexact(fun_name, *args):
    """Like promote_args, then promoted to an inexact (floating or complex) dtype."""
    if len(args) == 1 and type(args[0]) is ArrayImpl and args[0].aval.dtype in _INEXACT:
        return args
    if len(args) == 2 and _needs_no_promotion(args) and get_aval(args[0]).dtype in _INEXACT:
        return args
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *promote_to_inexact(*args))
