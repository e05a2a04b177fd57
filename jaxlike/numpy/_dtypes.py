"""Dtype objects of jaxlike.numpy: scalar types (jnp.float32 ...), dtype queries
(iinfo, finfo, promote_types, result_type, issubdtype, can_cast, isdtype) and numpy's
abstract scalar classes (jnp.floating ...).

JAX has no scalar objects: `jnp.float32(3)` is a 0-d Array of dtype float32. So the scalar
types here are not numpy's classes but stand-ins that build arrays when called and behave
like numpy's types everywhere a dtype is expected (`dtype=jnp.float32`, `np.dtype(...)`,
`x.astype(...)`, equality and hashing with np.float32).
"""
import builtins

import numpy as np

from jaxlike import dtypes
from jaxlike.lax.elementwise import dtype_kind

__all__ = [
    "bool_", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "int_", "uint", "float_", "complex_", "single", "double", "csingle", "cdouble",
    "dtype", "iinfo", "finfo", "promote_types", "result_type", "issubdtype", "can_cast",
    "isdtype",
    "generic", "number", "integer", "signedinteger", "unsignedinteger", "inexact", "floating",
    "complexfloating", "character", "flexible", "object_",
]


class _ScalarMeta(type):
    """The metaclass of jnp's scalar types: calling one converts its argument to an Array of
    that dtype; comparing or hashing one acts on the numpy scalar type it stands for."""

    def __call__(cls, x):
        from jaxlike.numpy.creation import asarray
        return asarray(x, dtype=cls.dtype)

    def __eq__(cls, other):
        return cls is other or cls.dtype.type == other

    def __ne__(cls, other):
        return not cls == other

    def __hash__(cls):
        return hash(cls.dtype.type)

    def __instancecheck__(cls, instance):
        # jnp.float32(1) is an Array, not an instance; numpy scalars of the type are.
        return isinstance(instance, cls.dtype.type)


def _make_scalar_type(name, np_dtype):
    doc = (f"A jaxlike scalar constructor of type {name}: `jnp.{name}(x)` returns x as an "
           f"Array of dtype {name} (jaxlike, like JAX, represents scalars as 0-d arrays); "
           f"the type itself can be used wherever a dtype is expected.")
    cls = _ScalarMeta(name, (), {"dtype": np.dtype(np_dtype), "__doc__": doc,
                                 "__module__": "jaxlike.numpy"})
    cls.__qualname__ = name
    return cls


bool_ = _make_scalar_type("bool", np.bool_)
bool = bool_  # noqa: A001 -- JAX's name (jnp.bool is jnp.bool_)
int8 = _make_scalar_type("int8", np.int8)
int16 = _make_scalar_type("int16", np.int16)
int32 = _make_scalar_type("int32", np.int32)
int64 = _make_scalar_type("int64", np.int64)
uint8 = _make_scalar_type("uint8", np.uint8)
uint16 = _make_scalar_type("uint16", np.uint16)
uint32 = _make_scalar_type("uint32", np.uint32)
uint64 = _make_scalar_type("uint64", np.uint64)
float16 = _make_scalar_type("float16", np.float16)
bfloat16 = _make_scalar_type("bfloat16", dtypes.bfloat16)
float32 = _make_scalar_type("float32", np.float32)
float64 = _make_scalar_type("float64", np.float64)
complex64 = _make_scalar_type("complex64", np.complex64)
complex128 = _make_scalar_type("complex128", np.complex128)

# numpy's aliases, as JAX defines them (the 64-bit types, canonicalized when used).
int_, uint, float_, complex_ = int64, uint64, float64, complex128
single, double, csingle, cdouble = float32, float64, complex64, complex128

# numpy's abstract scalar classes, for issubdtype.
generic, number, integer, inexact = np.generic, np.number, np.integer, np.inexact
signedinteger, unsignedinteger = np.signedinteger, np.unsignedinteger
floating, complexfloating = np.floating, np.complexfloating
character, flexible, object_ = np.character, np.flexible, np.object_

dtype = np.dtype  # as in JAX: jnp.dtype is numpy's dtype class
iinfo = dtypes.iinfo
finfo = dtypes.finfo


def promote_types(a, b):
    """Returns the dtype that values of dtypes a and b promote to under JAX's rules (not
    numpy's: int8 and uint8 give int16, bfloat16 and float16 give float32, and the Python
    types int, float and complex are weak)."""
    return dtypes.promote_types(a, b)


def result_type(*args, return_weak_type_flag=False):
    """Returns the dtype of the result of an operation on `args` (arrays, scalars or
    dtypes), under JAX's promotion rules with weak Python scalars, for the current x64
    setting."""
    return dtypes.result_type(*args, return_weak_type_flag=return_weak_type_flag)


def issubdtype(arg1, arg2):
    """Returns True if dtype-like arg1 is a sub-dtype of arg2 (a dtype or an abstract class
    such as jnp.floating); bfloat16 counts as floating."""
    return dtypes.issubdtype(arg1, arg2)


def _dtype_of(x, fun_name):
    # (This module defines `bool` as jnp.bool_, so Python's is builtins.bool here.)
    if isinstance(x, (builtins.bool, int, float, complex)) and not isinstance(x, type):
        raise TypeError(f"{fun_name}() does not support Python ints, floats, and complex "
                        "because the result used to depend on the value; pass a dtype or "
                        "an array.")
    return dtypes.dtype(x)


def can_cast(from_, to, casting="safe"):
    """Returns True if values of dtype `from_` (a dtype or an array) can be converted to
    dtype `to` under numpy's `casting` rule ("no", "equiv", "safe", "same_kind",
    "unsafe")."""
    from_, to = _dtype_of(from_, "can_cast"), _dtype_of(to, "can_cast")
    return builtins.bool(np.can_cast(from_, to, casting))


_ISDTYPE_KINDS = {
    "bool": ("bool",),
    "signed integer": ("int",),
    "unsigned integer": ("uint",),
    "integral": ("int", "uint"),
    "real floating": ("float",),
    "complex floating": ("complex",),
    "numeric": ("int", "uint", "float", "complex"),
}


_ABSTRACT = (generic, number, integer, inexact, signedinteger, unsignedinteger, floating,
             complexfloating, character, flexible)


def isdtype(dtype, kind):
    """Returns True if `dtype` is of `kind`: a dtype, one of the array API's kind names
    ("bool", "signed integer", "unsigned integer", "integral", "real floating",
    "complex floating", "numeric"), or a tuple of these (any may match)."""
    dt = dtypes.dtype(dtype)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if isinstance(k, str):
            if k not in _ISDTYPE_KINDS:
                raise ValueError(f"Unrecognized kind={k!r} expected one of "
                                 f"{list(_ISDTYPE_KINDS)}, or a compatible input for "
                                 "jnp.dtype()")
            if dtype_kind(dt) in _ISDTYPE_KINDS[k]:
                return True
        elif k in _ABSTRACT:
            raise TypeError(f"Expected kind to be a dtype, string, or tuple; got kind={k}")
        elif dt == dtypes.dtype(k):
            return True
    return False
