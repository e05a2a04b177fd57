"""Dtypes: canonicalization, weak types and JAX's type-promotion lattice.

Dtypes are plain `numpy.dtype` objects (bfloat16 comes from ml_dtypes). Every
eager operation asks this module for a result dtype, so the public functions
cache their answers in dicts keyed on hashable inputs plus the x64 flag; the
flag is part of each key, which means toggling `jax_enable_x64` never needs to
flush anything.

Promotion follows JAX's model: dtypes are nodes of a small directed acyclic
graph (a lattice), extended with three "weak" nodes -- written "i*", "f*" and
"c*" -- that stand for Python ints, floats and complexes whose precision is not
fixed. The promoted type of several operands is their least upper bound in
that graph. Booleans are never weak.

This module may import only numpy, ml_dtypes and `jaxlike.config`, so that it
stays importable while the rest of the package is being built.
"""
import ml_dtypes
import numpy as np

from jaxlike.config import config

__all__ = [
    "bfloat16", "float0", "supported_dtypes", "python_scalar_dtypes",
    "TypePromotionError",
    "canonicalize_dtype", "dtype", "check_int_fits", "is_weakly_typed",
    "promote_types", "result_type", "issubdtype", "iinfo", "finfo",
    "default_float_dtype", "default_int_dtype", "default_uint_dtype",
    "default_complex_dtype", "is_float", "is_int", "is_complex", "is_unsigned",
]

# ---------------------------------------------------------------------------
# The dtypes jaxlike knows about.

bfloat16 = ml_dtypes.bfloat16

# Tangent dtype of integer and boolean primals: zero-sized, so it carries no
# data (same definition as JAX, so values interoperate with numpy code).
float0 = np.dtype([("float0", np.void, 0)])

_bool = np.dtype(np.bool_)
_i8, _i16, _i32, _i64 = (np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64))
_u8, _u16, _u32, _u64 = (np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
_f16, _bf16, _f32, _f64 = (np.dtype(t) for t in (np.float16, bfloat16, np.float32, np.float64))
_c64, _c128 = np.dtype(np.complex64), np.dtype(np.complex128)

supported_dtypes = [_bool, _i8, _i16, _i32, _i64, _u8, _u16, _u32, _u64,
                    _f16, _bf16, _f32, _f64, _c64, _c128]

# Name -> dtype, checked before numpy's own parser so that names numpy does not
# know by itself (bfloat16) resolve without relying on ml_dtypes' registration.
_dtype_of_name = {d.name: d for d in supported_dtypes}
_dtype_of_name["bool_"] = _bool
_dtype_of_name["float0"] = float0

_SUPPORTED_NAMES = ", ".join(d.name for d in supported_dtypes)

# One-letter kind of each supported dtype. numpy's `dtype.kind` cannot be used
# because ml_dtypes' bfloat16 reports kind 'V'.
_KIND = {}
for _d in supported_dtypes:
    _KIND[_d] = "f" if _d == _bf16 else _d.kind
del _d

# Python scalar type -> the dtype JAX gives it before canonicalization.
python_scalar_dtypes = {bool: _bool, int: _i64, float: _f64, complex: _c128}

# Python scalar type -> (dtype, weak?); bool is the one Python scalar that is
# strongly typed, matching JAX.
_PY_SCALAR_INFO = {bool: (_bool, False), int: (_i64, True),
                   float: (_f64, True), complex: (_c128, True)}

# 64-bit dtype -> its 32-bit stand-in when x64 is off.
_TO_32 = {_i64: _i32, _u64: _u32, _f64: _f32, _c128: _c64}

# Cache: (dtype, x64) -> canonical dtype, pre-filled for all supported dtypes.
_canonical = {}
for _d in supported_dtypes + [float0]:
    _canonical[(_d, True)] = _d
    _canonical[(_d, False)] = _TO_32.get(_d, _d)
del _d


class TypePromotionError(ValueError):
    """Raised when operands have no common dtype (e.g. float0 with a number)."""


class _NoOperandsError(TypeError, ValueError):
    # result_type() with nothing to promote. JAX raises ValueError here; the
    # TypeError base lets callers that expect an argument error catch it too.
    pass


# ---------------------------------------------------------------------------
# Defaults.

def default_int_dtype():
    """Returns the default signed integer dtype: int64 with x64 on, else int32."""
    return _i64 if config.jax_enable_x64 else _i32


def default_uint_dtype():
    """Returns the default unsigned integer dtype: uint64 with x64 on, else uint32."""
    return _u64 if config.jax_enable_x64 else _u32


def default_float_dtype():
    """Returns the default floating dtype: float64 with x64 on, else float32."""
    return _f64 if config.jax_enable_x64 else _f32


def default_complex_dtype():
    """Returns the default complex dtype: complex128 with x64 on, else complex64."""
    return _c128 if config.jax_enable_x64 else _c64


# Kind letter -> (dtype with x64 off, dtype with x64 on) of the default type;
# weakly typed results always take the default type of their kind.
_DEFAULT_OF_KIND = {
    "b": (_bool, _bool), "i": (_i32, _i64), "u": (_u32, _u64),
    "f": (_f32, _f64), "c": (_c64, _c128),
}

# ---------------------------------------------------------------------------
# Turning dtype-likes into supported np.dtype objects.


def _unsupported(dt, what=None):
    shown = what if what is not None else repr(dt)
    return TypeError(
        f"dtype {shown} is not supported by jaxlike; supported dtypes are: "
        f"{_SUPPORTED_NAMES}")


def _check_supported(dt):
    # `dt` is an np.dtype; returns the equivalent supported dtype (native byte
    # order) or raises TypeError.
    if dt in _KIND or dt == float0:
        return dt
    if dt.byteorder not in "=|":
        # A byte-swapped numeric dtype ('>f4') means the same values; what XLA
        # sees is always native order.
        native = dt.newbyteorder("=")
        if native in _KIND:
            return native
    raise _unsupported(dt, repr(str(dt)) if dt.names is None else repr(dt))


# Cache: hashable dtype-like (type, str or np.dtype) -> supported np.dtype.
_dtype_like_cache = {}


def _dtype_from_dtype_like(x):
    # Resolves a dtype-like that is hashable (a type, a string, a dtype);
    # results are cached since the same few objects recur constantly.
    try:
        return _dtype_like_cache[x]
    except KeyError:
        pass
    except TypeError:  # unhashable: resolve without caching
        return _resolve_dtype_like(x)
    dt = _resolve_dtype_like(x)
    _dtype_like_cache[x] = dt
    return dt


def _resolve_dtype_like(x):
    if isinstance(x, np.dtype):
        return _check_supported(x)
    if isinstance(x, str):
        dt = _dtype_of_name.get(x)
        if dt is not None:
            return dt
        try:
            dt = np.dtype(x)
        except TypeError as e:
            raise TypeError(f"data type {x!r} not understood; supported dtypes are: "
                            f"{_SUPPORTED_NAMES}") from e
        return _check_supported(dt)
    if isinstance(x, type):
        info = _PY_SCALAR_INFO.get(x)
        if info is not None:
            return info[0]
        # Scalar-type objects such as jaxlike.numpy.float32 carry a `.dtype`;
        # on numpy's own scalar classes that attribute is a descriptor instead.
        inner = getattr(x, "dtype", None)
        if isinstance(inner, np.dtype):
            return _check_supported(inner)
        try:
            dt = np.dtype(x)
        except TypeError as e:
            raise _unsupported(x, repr(x)) from e
        return _check_supported(dt)
    raise TypeError(f"Cannot interpret {x!r} as a dtype")


def dtype(x, canonicalize=False):
    """Returns the np.dtype of `x`.

    `x` may be a Python scalar (bool -> bool, int -> int64, float -> float64,
    complex -> complex128), a numpy array or scalar, anything with a `.dtype`,
    or a dtype-like (np.dtype, scalar type, Python type, or name such as
    'bfloat16'). With `canonicalize=True` the result is canonicalized for the
    current x64 setting. Unsupported dtypes raise TypeError; `None` raises
    ValueError. Whether a Python int fits is not checked here (see
    `check_int_fits`).
    """
    t = type(x)
    if t in _PY_SCALAR_INFO:
        dt = _PY_SCALAR_INFO[t][0]
    elif isinstance(x, (np.dtype, str, type)):
        dt = _dtype_from_dtype_like(x)
    elif x is None:
        # np.dtype(None) would silently mean float64; JAX rejects it here.
        raise ValueError("Invalid argument to dtype: None.")
    else:
        inner = getattr(x, "dtype", None)
        if inner is not None:
            dt = _dtype_from_dtype_like(inner)
        elif isinstance(x, bool):
            dt = _bool
        elif isinstance(x, (int, float, complex)):  # subclasses, e.g. IntEnum
            dt = (_i64 if isinstance(x, int) else
                  _f64 if isinstance(x, float) else _c128)
        else:
            raise TypeError(f"Cannot determine dtype of {x!r}")
    if canonicalize:
        return _canonical[(dt, config.jax_enable_x64)]
    return dt


# Cache: (dtype-like, x64) -> canonical dtype.
_canonicalize_cache = {}


def canonicalize_dtype(dtype, allow_extended=False):
    """Returns the np.dtype that `dtype` stands for under the current x64 setting.

    With x64 off the 64-bit types become 32-bit ones (int64 -> int32,
    uint64 -> uint32, float64 -> float32, complex128 -> complex64). Accepts
    np.dtype, numpy/ml_dtypes scalar types, Python types (float means float64
    before canonicalization) and names; `None` means the default float dtype,
    as in numpy. Unsupported dtypes raise TypeError. `allow_extended` is
    accepted for JAX compatibility; jaxlike has no extended dtypes.
    """
    x64 = config.jax_enable_x64
    try:
        return _canonicalize_cache[(dtype, x64)]
    except KeyError:
        pass
    except TypeError:  # unhashable dtype-like
        return _canonical[(_to_dtype_for_canonicalize(dtype), x64)]
    result = _canonical[(_to_dtype_for_canonicalize(dtype), x64)]
    _canonicalize_cache[(dtype, x64)] = result
    return result


def _to_dtype_for_canonicalize(x):
    if x is None:
        return _f64
    if isinstance(x, (np.dtype, str, type)):
        return _dtype_from_dtype_like(x)
    inner = getattr(x, "dtype", None)
    if inner is not None:
        return _dtype_from_dtype_like(inner)
    raise TypeError(f"Cannot interpret {x!r} as a dtype; supported dtypes are: "
                    f"{_SUPPORTED_NAMES}")


def check_int_fits(value, dtype):
    """Returns None if Python int `value` is representable in `dtype`, else raises OverflowError.

    Integer dtypes need the value inside their range; float and complex dtypes
    accept anything float64 can hold (narrower floats round, possibly to inf,
    as in JAX); bool accepts any int.
    """
    dt = np.dtype(dtype)
    kind = _KIND.get(dt, dt.kind)
    if kind in "iu":
        info = np.iinfo(dt)
        if value < info.min or value > info.max:
            raise OverflowError(f"Python int {value} too large to convert to {dt.name}")
    elif kind in "fc":
        try:
            float(value)
        except OverflowError:
            raise OverflowError(
                f"Python int {value} too large to convert to {dt.name}") from None


def is_weakly_typed(x):
    """Returns True if `x` is weakly typed.

    Python int, float and complex scalars are weak (bool is not); objects with a
    `weak_type` attribute, or an `aval` that has one, report that attribute;
    everything else (numpy arrays and scalars, dtypes) is strong.
    """
    t = type(x)
    if t in _PY_SCALAR_INFO:
        return _PY_SCALAR_INFO[t][1]
    weak = getattr(x, "weak_type", None)
    if weak is not None:
        return bool(weak)
    aval = getattr(x, "aval", None)
    if aval is not None:
        return bool(getattr(aval, "weak_type", False))
    return False


# ---------------------------------------------------------------------------
# The promotion lattice.
#
# Edges point from a type to the types just above it. Reading the integer part:
# bool sits below every number; the weak int node i* sits below both int8 and
# uint8 (a Python int adopts whatever integer type it meets); an unsigned type
# is below the next wider signed type, so mixing signedness stays exact; uint64
# has no wider signed type, so uint64 with a signed int goes to the float node.
# Floats: f* sits below float16 and bfloat16, which are incomparable (their
# join is float32). Complex: c* is below complex64, float32 below complex64,
# float64 below complex128.
_I, _F, _C = "i*", "f*", "c*"  # weak nodes
_KIND_OF_WEAK = {_I: "i", _F: "f", _C: "c"}
# Weak node for a dtype kind: a weakly typed unsigned value behaves like a
# Python int when mixed with strong types.
_WEAK_NODE_OF_KIND = {"b": _bool, "i": _I, "u": _I, "f": _F, "c": _C}

_LATTICE_X64 = {
    _bool: [_I],
    _I: [_u8, _i8],
    _u8: [_i16, _u16], _u16: [_i32, _u32], _u32: [_i64, _u64], _u64: [_F],
    _i8: [_i16], _i16: [_i32], _i32: [_i64], _i64: [_F],
    _F: [_f16, _bf16, _C],
    _f16: [_f32], _bf16: [_f32], _f32: [_f64, _c64], _f64: [_c128],
    _C: [_c64], _c64: [_c128], _c128: [],
}
# With x64 off int64 is unavailable, so uint32 mixed with a signed integer
# joins at int32 rather than int64 (this is what JAX does; it keeps 32-bit
# programs in 32-bit types at the cost of exactness for large uint32 values).
_LATTICE_X32 = dict(_LATTICE_X64)
_LATTICE_X32[_u32] = [_i32, _u64]


def _upper_bounds(lattice):
    # node -> frozenset of all nodes reachable from it, itself included.
    memo = {}

    def ub(n):
        if n not in memo:
            s = {n}
            for m in lattice[n]:
                s |= ub(m)
            memo[n] = frozenset(s)
        return memo[n]

    for n in lattice:
        ub(n)
    return memo


_UB = {False: _upper_bounds(_LATTICE_X32), True: _upper_bounds(_LATTICE_X64)}

# Cache: (frozenset of nodes, x64) -> least upper bound.
_lub_cache = {}


def _least_upper_bound(nodes, x64):
    key = (nodes, x64)
    try:
        return _lub_cache[key]
    except KeyError:
        pass
    ub = _UB[x64]
    try:
        common = frozenset.intersection(*(ub[n] for n in nodes))
    except KeyError:
        bad = [n for n in nodes if n not in ub]
        raise TypePromotionError(
            f"dtype {bad[0]!r} is not a valid dtype for type promotion") from None
    # The least element of `common` is the one whose own upper bounds cover
    # all of `common`; the lattice guarantees there is exactly one.
    least = [n for n in common if ub[n] >= common]
    assert len(least) == 1, (nodes, least)
    _lub_cache[key] = least[0]
    return least[0]


def _is_float0(node):
    # Nodes are np.dtype objects or weak-node strings; compare dtypes only, since
    # numpy would try to parse a string operand of `==` as a dtype.
    return isinstance(node, np.dtype) and node == float0


def _promote_node(x):
    # promote_types operand -> lattice node. Python types are weak nodes; any
    # other argument (including a Python value) contributes its strong dtype.
    if isinstance(x, type):
        if x is int:
            return _I
        if x is float:
            return _F
        if x is complex:
            return _C
    return dtype(x)


_NODE_TO_DTYPE_64 = {_I: _i64, _F: _f64, _C: _c128}

# Cache: (a, b, x64) -> promote_types result.
_promote_cache = {}


def promote_types(a, b):
    """Returns the np.dtype that `a` and `b` promote to under JAX's lattice.

    Arguments are dtype-likes; the Python types int, float and complex act as
    JAX's weak types (so `promote_types(int, np.int8)` is int8). The result is
    not canonicalized (int64 stays int64 with x64 off), but the lattice used
    is the one for the current x64 setting; a weak result is returned as the
    64-bit type of its kind.
    """
    x64 = config.jax_enable_x64
    try:
        return _promote_cache[(a, b, x64)]
    except KeyError:
        pass
    except TypeError:  # unhashable argument
        return _promote_uncached(a, b, x64)
    result = _promote_uncached(a, b, x64)
    _promote_cache[(a, b, x64)] = result
    return result


def _promote_uncached(a, b, x64):
    na, nb = _promote_node(a), _promote_node(b)
    if _is_float0(na) or _is_float0(nb):
        # float0 has no numeric values; it only "promotes" with itself.
        if _is_float0(na) and _is_float0(nb):
            return float0
        raise TypePromotionError(f"float0 cannot be promoted with {nb if _is_float0(na) else na}")
    lub = _least_upper_bound(frozenset((na, nb)), x64)
    return _NODE_TO_DTYPE_64.get(lub, lub) if isinstance(lub, str) else lub


# How result_type reads an operand, decided once per operand *type* and
# remembered, so the common case costs one dict lookup instead of a chain of
# isinstance checks.
_ARG_PY_SCALAR, _ARG_DTYPE_LIKE, _ARG_TYPE, _ARG_NUMPY, _ARG_NONE, _ARG_OTHER = range(6)
_arg_kind_of_type = {}


def _arg_kind(t):
    if t in _PY_SCALAR_INFO:
        k = _ARG_PY_SCALAR
    elif issubclass(t, (np.dtype, str)):
        k = _ARG_DTYPE_LIKE
    elif issubclass(t, type):
        k = _ARG_TYPE
    elif issubclass(t, (np.ndarray, np.generic)):
        k = _ARG_NUMPY
    elif t is type(None):
        k = _ARG_NONE
    else:
        k = _ARG_OTHER
    _arg_kind_of_type[t] = k
    return k


def _weak_attr(x):
    # Weak flag of an array-like operand: `.weak_type`, else `.aval.weak_type`.
    weak = getattr(x, "weak_type", None)
    if weak is None:
        weak = getattr(getattr(x, "aval", None), "weak_type", False)
    return bool(weak)


# Cache: (x64, dtype0, weak0, dtype1, weak1, ...) -> (dtype, weak). The dtype
# slots hold the operand's dtype-like as given (np.dtype, name or type); it is
# validated and resolved only on a miss.
_result_cache = {}


def result_type(*args, return_weak_type_flag=False):
    """Returns the np.dtype JAX would give the result of an op on `args`.

    Operands may be dtype-likes, Python scalars or types (int, float and
    complex are weak; bool is not), numpy arrays/scalars, or objects with a
    `.dtype` and a `weak_type` (or `aval.weak_type`). The result is
    canonicalized for the current x64 setting. With
    `return_weak_type_flag=True` returns `(dtype, weak_type)` instead, where
    weak_type says whether the result is weakly typed. Raises TypeError (also
    a ValueError) when called with no operands.
    """
    if not args:
        raise _NoOperandsError("at least one array or dtype is required")
    key = [config.jax_enable_x64]
    for a in args:
        t = type(a)
        k = _arg_kind_of_type.get(t)
        if k is None:
            k = _arg_kind(t)
        if k == _ARG_OTHER:  # jaxlike arrays, tracers
            inner = getattr(a, "dtype", None)
            if inner is None:  # subclasses of Python scalars, or a bad operand
                key.append(dtype(a))
                key.append(isinstance(a, (int, float, complex)) and not isinstance(a, bool))
            else:
                key.append(inner)
                key.append(_weak_attr(a))
        elif k == _ARG_PY_SCALAR:
            key.extend(_PY_SCALAR_INFO[t])
        elif k == _ARG_DTYPE_LIKE:
            key.append(a)
            key.append(False)
        elif k == _ARG_NUMPY:  # numpy values are always strongly typed
            key.append(a.dtype)
            key.append(False)
        elif k == _ARG_TYPE:
            # Python types are weak operands like their values; other types
            # (np.float32, jaxlike.numpy.float32, ...) are strong dtypes.
            info = _PY_SCALAR_INFO.get(a)
            key.extend(info if info is not None else (a, False))
        else:  # None: JAX reads it as "the default float type"
            key.append(_f64)
            key.append(False)
    key = tuple(key)
    try:
        out = _result_cache[key]
    except KeyError:
        out = _result_type_uncached(key[1::2], key[2::2], key[0])
        _result_cache[key] = out
    except TypeError:  # an operand's .dtype is unhashable; fail or succeed uncached
        out = _result_type_uncached(key[1::2], key[2::2], key[0])
    return out if return_weak_type_flag else out[0]


def _result_type_uncached(dtype_likes, weaks, x64):
    dts = [_canonical[(_dtype_from_dtype_like(d), x64)] for d in dtype_likes]
    if any(_is_float0(d) for d in dts):
        if all(_is_float0(d) for d in dts):
            return float0, False
        raise TypePromotionError(
            f"float0 cannot be promoted with other dtypes: {', '.join(d.name for d in dts)}")
    if all(weaks):
        # Only weak operands (this covers a lone weak operand): join their
        # concrete dtypes, then the weak result takes the default type of the
        # join's kind, so e.g. a weak uint8 comes out as the default uint.
        lub = _least_upper_bound(frozenset(dts), x64)
        kind = _KIND_OF_WEAK[lub] if isinstance(lub, str) else _KIND[lub]
        return _DEFAULT_OF_KIND[kind][x64], kind != "b"
    # Mixed: each weak operand stands for the weak node of its kind and the
    # result is weak only if the join is itself a weak node.
    nodes = frozenset(_WEAK_NODE_OF_KIND[_KIND[d]] if w else d for d, w in zip(dts, weaks))
    lub = _least_upper_bound(nodes, x64)
    if isinstance(lub, str):
        return _DEFAULT_OF_KIND[_KIND_OF_WEAK[lub]][x64], True
    return _canonical[(lub, x64)], False


# ---------------------------------------------------------------------------
# Classification.

# Scalar types numpy does not place in its hierarchy (ml_dtypes floats) ->
# the numpy abstract classes JAX treats them as belonging to.
_EXTRA_SUPERTYPES = {
    bfloat16: (bfloat16, np.floating, np.inexact, np.number, np.generic),
}


def _scalar_type_for_issubdtype(x):
    if isinstance(x, type) and issubclass(x, np.generic):
        return x  # numpy abstract classes (np.floating ...) and scalar types
    if isinstance(x, np.dtype):
        return x.type
    inner = getattr(x, "dtype", None)
    if isinstance(inner, np.dtype):  # arrays, jaxlike.numpy scalar types
        return inner.type
    if isinstance(x, str) and x in _dtype_of_name:
        return _dtype_of_name[x].type
    return np.dtype(x).type  # Python types, other names ('f', 'float32')


_issubdtype_cache = {}


def issubdtype(a, b):
    """Returns True if dtype-like `a` is a sub-dtype of `b`, like np.issubdtype.

    `b` may be a concrete dtype-like or a numpy abstract class (np.floating,
    np.integer, np.inexact, np.complexfloating, np.number, np.signedinteger,
    np.unsignedinteger, np.bool_, np.generic). Unlike numpy, bfloat16 counts
    as a floating type, as in JAX.
    """
    try:
        return _issubdtype_cache[(a, b)]
    except KeyError:
        pass
    except TypeError:  # unhashable (an array)
        return _issubdtype_uncached(a, b)
    result = _issubdtype_uncached(a, b)
    _issubdtype_cache[(a, b)] = result
    return result


def _issubdtype_uncached(a, b):
    ta = _scalar_type_for_issubdtype(a)
    tb = _scalar_type_for_issubdtype(b)
    extra = _EXTRA_SUPERTYPES.get(ta)
    if extra is not None:
        return tb in extra
    return issubclass(ta, tb)


def iinfo(int_type):
    """Returns machine limits (`min`, `max`, `bits`, `dtype`) for integer dtype-like `int_type`."""
    return ml_dtypes.iinfo(_dtype_for_info(int_type))


def finfo(float_type):
    """Returns machine limits (eps, max, tiny, ...) for a floating or complex dtype-like.

    Works for bfloat16 too (via ml_dtypes); complex types describe their
    real component, as in numpy.
    """
    return ml_dtypes.finfo(_dtype_for_info(float_type))


def _dtype_for_info(x):
    # Arrays, scalars and dtype-likes alike; not canonicalized, so
    # finfo(float) describes float64 as in JAX.
    if isinstance(x, (np.dtype, str, type)):
        return _dtype_from_dtype_like(x)
    return dtype(x)


def _kind(dt):
    k = _KIND.get(dt) if isinstance(dt, np.dtype) else None
    if k is not None:
        return k
    dt = dt if isinstance(dt, np.dtype) else dtype(dt)
    k = _KIND.get(dt)
    return dt.kind if k is None else k


def is_float(dtype):
    """Returns True if `dtype` is a real floating dtype (float16, bfloat16, float32, float64)."""
    return _kind(dtype) == "f"


def is_int(dtype):
    """Returns True if `dtype` is an integer dtype, signed or unsigned (not bool)."""
    return _kind(dtype) in "iu"


def is_complex(dtype):
    """Returns True if `dtype` is a complex dtype."""
    return _kind(dtype) == "c"


def is_unsigned(dtype):
    """Returns True if `dtype` is an unsigned integer dtype."""
    return _kind(dtype) == "u"
