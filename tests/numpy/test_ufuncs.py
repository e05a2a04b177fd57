"""jnp ufuncs: values against numpy on random inputs (eagerly and under jit), result dtypes
and weak types against a table recorded from JAX 0.10.2, the primitives they emit, and
their errors.

All value tests use one shape (SHAPE) and few dtypes so that XLA compiles stay few;
hypothesis varies the values. numpy references are computed in float64 from the exact
float32 inputs and rounded, except where the function is defined by float32 arithmetic
(floor_divide, nextafter, ...), which numpy then computes in float32 too.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.core import check_jaxpr

from dtype_table import DTYPES, SCALARS, check_row, describe, operand
from helpers import assert_allclose

SHAPE = (8,)
NAN, INF = float("nan"), float("inf")

_jitted = {}


def check(fun, args, expected, rtol=None, atol=None):
    """Asserts fun(*args) and jit(fun)(*args) equal `expected` (values and dtype); one jit
    wrapper per function, so hypothesis examples reuse its executable."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eager = fun(*args)
        jitted = _jitted.setdefault(fun, jax.jit(fun))(*args)
    for got, where in ((eager, "eager"), (jitted, "jit")):
        if isinstance(expected, tuple):
            assert isinstance(got, tuple) and len(got) == len(expected), where
            for g, e in zip(got, expected):
                assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=where)
        else:
            assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=where)


def numpy_ref(np_fun, *args, in_float64=True):
    """Returns np_fun(*args), computed in float64 (complex128) when `in_float64` and the
    args are float32 (complex64), then rounded back to the input precision."""
    with np.errstate(all="ignore"):
        if not in_float64:
            return np_fun(*args)
        wide = [a.astype(np.complex128) if a.dtype == np.complex64 else
                a.astype(np.float64) if a.dtype == np.float32 else a for a in args]
        out = np_fun(*wide)
    narrow = {np.dtype(np.float64): np.float32, np.dtype(np.complex128): np.complex64}
    if isinstance(out, tuple):
        return tuple(o.astype(narrow.get(o.dtype, o.dtype)) for o in out)
    out = np.asarray(out)
    return out.astype(narrow.get(out.dtype, out.dtype))


def f32(lo, hi):
    """Returns a strategy for float32 arrays of SHAPE with elements in [lo, hi]."""
    return hnp.arrays(np.float32, SHAPE, elements=_floats(lo, hi))


def _floats(lo, hi):
    # XLA on CPU flushes subnormals to zero, numpy does not: leave them out.
    return st.floats(float(np.float32(lo)), float(np.float32(hi)), width=32,
                     allow_subnormal=False)


def nonzero_f32(lo, hi):
    """Returns a strategy for float32 arrays with elements in +-[lo, hi]."""
    return hnp.arrays(np.float32, SHAPE, elements=_floats(lo, hi).flatmap(
        lambda v: st.sampled_from([v, -v])))


def ints(dtype, lo, hi):
    """Returns a strategy for integer arrays of SHAPE with elements in [lo, hi]."""
    return hnp.arrays(dtype, SHAPE, elements=st.integers(lo, hi))


def nonzero_ints(lo, hi):
    """Returns a strategy for int32 arrays with elements in +-[lo, hi] (lo > 0)."""
    return hnp.arrays(np.int32, SHAPE, elements=st.integers(lo, hi).flatmap(
        lambda v: st.sampled_from([v, -v])))


# Floats with the values where functions have special cases.
SPECIAL = hnp.arrays(np.float32, SHAPE, elements=st.one_of(
    st.sampled_from([NAN, INF, -INF, 0.0, -0.0, 0.5, -1.5, 2.5]),
    _floats(-10, 10)))
# Few distinct values, so that comparisons see ties.
FEW = hnp.arrays(np.float32, SHAPE, elements=st.sampled_from([-1.5, 0.0, 1.0, 2.5, NAN]))


# ---------------------------------------------------------------------------------------------
# Result dtypes and weak types, as JAX 0.10.2 gives them.

UNARY_COLUMNS = [(d,) for d in DTYPES] + [(s,) for s in SCALARS]
_MIXED = [("int8", "uint8"), ("int32", "float16"), ("bfloat16", "float16"),
          ("float32", "complex64"), ("bool", "int8"), ("uint32", "int32")]
BINARY_COLUMNS = [(d, d) for d in DTYPES] + _MIXED + [
    col for s in SCALARS for col in [("int32", s), ("float16", s), ("uint8", s), (s, s)]]

UNARY = {
    "abs": "b i8 u8 i16 i32 u32 f16 bf16 f32 f32 b i32* f32* f32*",
    "absolute": "b i8 u8 i16 i32 u32 f16 bf16 f32 f32 b i32* f32* f32*",
    "fabs": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 TE f32 f32* f32* TE",
    "sign": "TE i8 u8 i16 i32 u32 f16 bf16 f32 c64 TE i32* f32* c64*",
    "square": "i32 i8 u8 i16 i32 u32 f16 bf16 f32 c64 i32 i32* f32* c64*",
    "reciprocal": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "exp": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "exp2": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "expm1": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "log": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "log2": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32 f32 c64",
    "log10": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32 f32 c64",
    "log1p": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "sqrt": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "cbrt": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 TE f32 f32* f32* TE",
    "sin": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "cos": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "tan": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "arcsin": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "arccos": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "arctan": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "sinh": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "cosh": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "tanh": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "arcsinh": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "arccosh": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "arctanh": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "deg2rad": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "rad2deg": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "floor": "b i8 u8 i16 i32 u32 f16 bf16 f32 TE b i32* f32* TE",
    "ceil": "b i8 u8 i16 i32 u32 f16 bf16 f32 TE b i32* f32* TE",
    "round": "VE i8 u8 i16 i32 u32 f16 bf16 f32 c64 VE i32* f32* c64*",
    "rint": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32 f32* c64*",
    "trunc": "b i8 u8 i16 i32 u32 f16 bf16 f32 TE b i32* f32* TE",
    "isfinite": "b b b b b b b b b b b b b* b*",
    "isinf": "b b b b b b b b b b b b b b",
    "isnan": "b b b b b b b b b b b b* b* b*",
    "isneginf": "b b b b b b b b b VE b b b VE",
    "isposinf": "b b b b b b b b b VE b b b VE",
    "signbit": "b b b b b b b b b VE b b b VE",
    "positive": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 b i32* f32* c64*",
    "negative": "TE i8 u8 i16 i32 u32 f16 bf16 f32 c64 TE i32* f32* c64*",
    "conj": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 b i32* f32* c64*",
    "real": "b i8 u8 i16 i32 u32 f16 bf16 f32 f32 b i32* f32* f32*",
    "imag": "b i8 u8 i16 i32 u32 f16 bf16 f32 f32 b i32* f32* f32*",
    "angle": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 f32 f32 f32 f32 f32*",
    "sinc": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32* f32* c64*",
    "logical_not": "b b b b b b b b b b b b* b* b*",
    "bitwise_not": "b i8 u8 i16 i32 u32 TE TE TE TE b i32* TE TE",
    "bitwise_count": "u8 u8 u8 u8 u8 u8 TE TE TE TE u8 u8 TE TE",
    "nan_to_num": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 b i32* f32 c64",
}

BINARY = {
    "add": ("b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32 c64 i8 i32 i32 f16 u8 b i32 "
               "f16 u8 i32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "subtract": ("TE i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32 c64 i8 i32 i32 f16 u8 TE "
               "i32 f16 u8 i32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "multiply": ("b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32 c64 i8 i32 i32 f16 u8 b i32 "
               "f16 u8 i32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "divide": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f16 f32 c64 f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "floor_divide": ("i32 i8 u8 i16 i32 u32 f16 bf16 f32 TE i16 f16 f32 TE i8 i32 i32 f16 u8 i32 "
               "i32 f16 u8 i32* f32* f16 f32* f32* TE TE TE TE"),
    "remainder": ("i32 i8 u8 i16 i32 u32 f16 bf16 f32 TE i16 f16 f32 TE i8 i32 i32 f16 u8 i32 "
               "i32 f16 u8 i32* f32* f16 f32* f32* TE TE TE TE"),
    "fmod": ("i32 i8 u8 i16 i32 u32 f16 bf16 f32 TE i16 f16 f32 TE i8 i32 i32 f16 u8 i32 "
               "i32 f16 u8 i32* f32* f16 f32* f32* TE TE TE TE"),
    "divmod": ("i32,i32 i8,i8 u8,u8 i16,i16 i32,i32 u32,u32 f16,f16 bf16,bf16 f32,f32 TE "
               "i16,i16 f16,f16 f32,f32 TE i8,i8 i32,i32 i32,i32 f16,f16 u8,u8 i32,i32 "
               "i32,i32 f16,f16 u8,u8 i32*,i32* f32*,f32* f16,f16 f32*,f32* f32*,f32* TE TE "
               "TE TE"),
    "power": ("i32 i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32 c64 i8 i32 i32 f16 u8 i32 "
               "i32 f16 u8 i32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "float_power": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f16 f32 c64 f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "maximum": ("b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32 c64 i8 i32 i32 f16 u8 b i32 "
               "f16 u8 i32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "minimum": ("b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32 c64 i8 i32 i32 f16 u8 b i32 "
               "f16 u8 i32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "fmax": ("b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32 c64 i8 i32 i32 f16 u8 b i32 "
               "f16 u8 i32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "fmin": ("b i8 u8 i16 i32 u32 f16 bf16 f32 c64 i16 f16 f32 c64 i8 i32 i32 f16 u8 b i32 "
               "f16 u8 i32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "arctan2": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f16 f32 c64 f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32* f16 f32* f32* c64* c64 c64* c64*"),
    "hypot": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 VE f32 f16 f32 VE f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32 f16 f32 f32* VE VE VE VE"),
    "logaddexp": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f16 f32 c64 f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32* f16 f32* f32* c64 c64 c64 c64*"),
    "logaddexp2": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f16 f32 c64 f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32 f16 f32 f32* c64 c64 c64 c64*"),
    "equal": "b b b b b b b b b b b b b b b b b b b b b b b b* b* b b* b* b* b b* b*",
    "not_equal": "b b b b b b b b b b b b b b b b b b b b b b b b* b* b b* b* b* b b* b*",
    "less": "b b b b b b b b b b b b b b b b b b b b b b b b* b* b b* b* b* b b* b*",
    "less_equal": "b b b b b b b b b b b b b b b b b b b b b b b b* b* b b* b* b* b b* b*",
    "greater": "b b b b b b b b b b b b b b b b b b b b b b b b* b* b b* b* b* b b* b*",
    "greater_equal": "b b b b b b b b b b b b b b b b b b b b b b b b* b* b b* b* b* b b* b*",
    "logical_and": "b b b b b b b b b b b b b b b b b b b b b b b b* b b b b* b b b b*",
    "logical_or": "b b b b b b b b b b b b b b b b b b b b b b b b* b b b b* b b b b*",
    "logical_xor": "b b b b b b b b b b b b b b b b b b b b b b b b* b b b b* b b b b*",
    "bitwise_and": ("b i8 u8 i16 i32 u32 TE TE TE TE i16 TE TE TE i8 i32 i32 TE u8 b i32 TE u8 "
               "i32* TE TE TE TE TE TE TE TE"),
    "bitwise_or": ("b i8 u8 i16 i32 u32 TE TE TE TE i16 TE TE TE i8 i32 i32 TE u8 b i32 TE u8 "
               "i32* TE TE TE TE TE TE TE TE"),
    "bitwise_xor": ("b i8 u8 i16 i32 u32 TE TE TE TE i16 TE TE TE i8 i32 i32 TE u8 b i32 TE u8 "
               "i32* TE TE TE TE TE TE TE TE"),
    "left_shift": ("i32 i8 u8 i16 i32 u32 TE TE TE TE i16 TE TE TE i8 i32 i32 TE u8 i32 i32 TE "
               "u8 i32* TE TE TE TE TE TE TE TE"),
    "right_shift": ("i32 i8 u8 i16 i32 u32 TE TE TE TE i16 TE TE TE i8 i32 i32 TE u8 i32 i32 TE "
               "u8 i32* TE TE TE TE TE TE TE TE"),
    "copysign": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 TE f32 f16 f32 TE f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32* f16 f32* f32* TE TE TE TE"),
    "nextafter": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 TE f32 f16 f32 TE f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32* f16 f32* f32* TE TE TE TE"),
    "heaviside": ("f32 f32 f32 f32 f32 f32 f16 bf16 f32 TE f32 f16 f32 TE f32 f32 f32 f16 f32 "
               "f32 f32 f16 f32 f32* f32 f16 f32 f32* TE TE TE TE"),
    "isclose": "b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b b",
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_result_dtypes(name):
    check_row(getattr(jnp, name), UNARY_COLUMNS, UNARY[name], (2,))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_result_dtypes(name):
    check_row(getattr(jnp, name), BINARY_COLUMNS, BINARY[name], (2,))


# With x64 on, integers no wider than 32 bits (and bools) become float32 in functions that
# need an inexact type, 64-bit ones float64; rint and angle use the default float type;
# arithmetic that promotes bools gives int32. (name, operands, JAX 0.10.2's result)
X64_RESULTS = [
    ("sqrt", ("int32",), "f32"), ("sqrt", ("int64",), "f64"), ("sqrt", (2,), "f64*"),
    ("sqrt", (True,), "f32"), ("divide", ("int32", "uint32"), "f64"),
    ("divide", ("int64", "float32"), "f32"), ("arctan2", ("int32", "int32"), "f32"),
    ("hypot", ("int32", "uint32"), "f64"), ("sin", ("uint64",), "f64"),
    ("square", ("bool",), "i32"), ("power", ("bool", "bool"), "i32"),
    ("angle", ("int8",), "f64"), ("rint", ("int32",), "f64"),
    ("add", ("int32", 2.0), "f64*"), ("add", ("int64", "uint64"), "f64*"),
    ("floor_divide", ("int64", "int64"), "i64"), ("logaddexp", (2, 2), "f64*"),
    ("isclose", ("int32", "int32"), "b"),
]


@pytest.mark.parametrize("name, operands, expected", X64_RESULTS)
def test_result_dtypes_x64(x64, name, operands, expected):
    assert describe(getattr(jnp, name), [operand(o, (2,)) for o in operands]) == expected


def test_weak_types_of_common_expressions():
    assert jnp.sin(2.0).weak_type and jnp.sin(2.0).dtype == np.float32
    assert not (jnp.ones(3) * 2).weak_type
    assert (jnp.ones(3, jnp.float16) * 2.0).dtype == np.float16
    assert jnp.add(2, 3).weak_type and jnp.add(2, 3).dtype == np.int32
    assert not jnp.add(np.int8(2), 3).weak_type and jnp.add(np.int8(2), 3).dtype == np.int8


# ---------------------------------------------------------------------------------------------
# Values.

# name -> (input strategy, whether numpy computes the reference in float64)
UNARY_FLOAT = {
    "exp": (f32(-20, 20), True), "exp2": (f32(-20, 20), True), "expm1": (f32(-5, 5), True),
    "log": (f32(1e-3, 1e3), True), "log2": (f32(1e-3, 1e3), True),
    "log10": (f32(1e-3, 1e3), True), "log1p": (f32(-0.9, 100), True),
    "sqrt": (f32(0, 100), True), "cbrt": (f32(-100, 100), True),
    "sin": (f32(-10, 10), True), "cos": (f32(-10, 10), True), "tan": (f32(-1.4, 1.4), True),
    "arcsin": (f32(-1, 1), True), "arccos": (f32(-1, 1), True),
    "arctan": (f32(-100, 100), True), "sinh": (f32(-5, 5), True),
    "cosh": (f32(-5, 5), True), "tanh": (f32(-5, 5), True),
    "arcsinh": (f32(-100, 100), True), "arccosh": (f32(1, 100), True),
    "arctanh": (f32(-0.99, 0.99), True), "deg2rad": (f32(-360, 360), True),
    "rad2deg": (f32(-7, 7), True), "degrees": (f32(-7, 7), True),
    "radians": (f32(-360, 360), True), "sinc": (f32(-5, 5), True),
    "reciprocal": (nonzero_f32(0.01, 100), True), "square": (f32(-100, 100), True),
    "floor": (SPECIAL, False), "ceil": (SPECIAL, False), "trunc": (SPECIAL, False),
    "rint": (SPECIAL, False), "round": (SPECIAL, False), "abs": (SPECIAL, False),
    "absolute": (SPECIAL, False), "fabs": (SPECIAL, False), "sign": (SPECIAL, False),
    "negative": (SPECIAL, False), "positive": (SPECIAL, False), "signbit": (SPECIAL, False),
    "isfinite": (SPECIAL, False), "isinf": (SPECIAL, False), "isnan": (SPECIAL, False),
    "isposinf": (SPECIAL, False), "isneginf": (SPECIAL, False),
    "logical_not": (SPECIAL, False), "nan_to_num": (SPECIAL, False),
    "conj": (SPECIAL, False), "real": (SPECIAL, False), "imag": (SPECIAL, False),
    "angle": (SPECIAL, False),
}


@pytest.mark.parametrize("name", sorted(UNARY_FLOAT))
@given(data=st.data())
def test_unary_float_values(name, data):
    strategy, in_float64 = UNARY_FLOAT[name]
    x = data.draw(strategy)
    expected = numpy_ref(getattr(np, name), x, in_float64=in_float64)
    check(getattr(jnp, name), (x,), expected, rtol=2e-5, atol=2e-6)


# name -> (strategy of x1, strategy of x2, whether numpy computes in float64)
BINARY_FLOAT = {
    "add": (f32(-100, 100), f32(-100, 100), True),
    "subtract": (f32(-100, 100), f32(-100, 100), True),
    "multiply": (f32(-100, 100), f32(-100, 100), True),
    "divide": (f32(-100, 100), nonzero_f32(0.5, 100), True),
    "true_divide": (f32(-100, 100), nonzero_f32(0.5, 100), True),
    "floor_divide": (f32(-100, 100), nonzero_f32(0.5, 10), False),
    "remainder": (f32(-100, 100), nonzero_f32(0.5, 10), False),
    "mod": (f32(-100, 100), nonzero_f32(0.5, 10), False),
    "fmod": (f32(-100, 100), nonzero_f32(0.5, 10), False),
    "divmod": (f32(-100, 100), nonzero_f32(0.5, 10), False),
    "power": (f32(0.1, 10), f32(-3, 3), True),
    "float_power": (f32(0.1, 10), f32(-3, 3), True),
    "maximum": (SPECIAL, SPECIAL, False), "minimum": (SPECIAL, SPECIAL, False),
    "fmax": (SPECIAL, SPECIAL, False), "fmin": (SPECIAL, SPECIAL, False),
    "arctan2": (f32(-100, 100), f32(-100, 100), True),
    "hypot": (f32(-1e3, 1e3), f32(-1e3, 1e3), True),
    "logaddexp": (f32(-50, 50), f32(-50, 50), True),
    "logaddexp2": (f32(-50, 50), f32(-50, 50), True),
    "copysign": (SPECIAL, SPECIAL, False), "nextafter": (SPECIAL, SPECIAL, False),
    "heaviside": (SPECIAL, SPECIAL, False), "isclose": (FEW, FEW, False),
    "equal": (FEW, FEW, False), "not_equal": (FEW, FEW, False),
    "less": (FEW, FEW, False), "less_equal": (FEW, FEW, False),
    "greater": (FEW, FEW, False), "greater_equal": (FEW, FEW, False),
    "logical_and": (FEW, FEW, False), "logical_or": (FEW, FEW, False),
    "logical_xor": (FEW, FEW, False),
}


@pytest.mark.parametrize("name", sorted(BINARY_FLOAT))
@given(data=st.data())
def test_binary_float_values(name, data):
    s1, s2, in_float64 = BINARY_FLOAT[name]
    x1, x2 = data.draw(s1), data.draw(s2)
    expected = numpy_ref(getattr(np, name), x1, x2, in_float64=in_float64)
    check(getattr(jnp, name), (x1, x2), expected, rtol=2e-5, atol=2e-6)


@given(x=f32(-100, 100), y=nonzero_f32(0.5, 10))
def test_floor_divide_and_remainder_agree(x, y):
    # numpy's identity: x == floor_divide(x, y) * y + remainder(x, y), remainder has y's sign.
    q, r = jnp.floor_divide(x, y), jnp.remainder(x, y)
    np.testing.assert_allclose(np.asarray(q) * y + np.asarray(r), x, rtol=1e-5, atol=1e-4)
    assert np.all((np.asarray(r) == 0) | (np.sign(np.asarray(r)) == np.sign(y)))


# name -> (strategy of x1, strategy of x2)
BINARY_INT = {
    "add": (ints(np.int32, -2**31, 2**31 - 1), ints(np.int32, -2**31, 2**31 - 1)),
    "subtract": (ints(np.int32, -1000, 1000), ints(np.int32, -1000, 1000)),
    "multiply": (ints(np.int32, -2**31, 2**31 - 1), ints(np.int32, -1000, 1000)),
    "floor_divide": (ints(np.int32, -100, 100), nonzero_ints(1, 10)),
    "remainder": (ints(np.int32, -100, 100), nonzero_ints(1, 10)),
    "fmod": (ints(np.int32, -100, 100), nonzero_ints(1, 10)),
    "divmod": (ints(np.int32, -100, 100), nonzero_ints(1, 10)),
    "power": (ints(np.int32, -5, 5), ints(np.int32, 0, 12)),
    "maximum": (ints(np.int32, -5, 5), ints(np.int32, -5, 5)),
    "bitwise_and": (ints(np.int32, -2**31, 2**31 - 1), ints(np.int32, -2**31, 2**31 - 1)),
    "bitwise_or": (ints(np.int32, -2**31, 2**31 - 1), ints(np.int32, -2**31, 2**31 - 1)),
    "bitwise_xor": (ints(np.int32, -2**31, 2**31 - 1), ints(np.int32, -2**31, 2**31 - 1)),
    "left_shift": (ints(np.int32, -1000, 1000), ints(np.int32, 0, 20)),
    "right_shift": (ints(np.int32, -2**31, 2**31 - 1), ints(np.int32, 0, 31)),
    "gcd_like_floor_divide_unsigned": (ints(np.uint32, 0, 2**32 - 1), ints(np.uint32, 1, 100)),
    "right_shift_unsigned": (ints(np.uint32, 0, 2**32 - 1), ints(np.uint32, 0, 31)),
}
_INT_FUNS = {"gcd_like_floor_divide_unsigned": "floor_divide",
             "right_shift_unsigned": "right_shift"}


@pytest.mark.parametrize("case", sorted(BINARY_INT))
@given(data=st.data())
def test_binary_int_values(case, data):
    s1, s2 = BINARY_INT[case]
    x1, x2 = data.draw(s1), data.draw(s2)
    name = _INT_FUNS.get(case, case)
    check(getattr(jnp, name), (x1, x2), numpy_ref(getattr(np, name), x1, x2))


@pytest.mark.parametrize("name", ["invert", "bitwise_count", "abs", "negative", "sign",
                                  "square", "floor", "sqrt"])
@given(x=ints(np.int32, -2**31 + 1, 2**31 - 1))
def test_unary_int_values(name, x):
    expected = numpy_ref(getattr(np, name), x)
    if name == "sqrt":
        x = np.abs(x)
        expected = np.sqrt(x.astype(np.float64)).astype(np.float32)  # jnp: int -> float32
    check(getattr(jnp, name), (x,), expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["add", "multiply", "logical_and", "logical_xor",
                                  "bitwise_or", "maximum", "equal"])
@given(x=hnp.arrays(np.bool_, SHAPE), y=hnp.arrays(np.bool_, SHAPE))
def test_bool_binary_values(name, x, y):
    check(getattr(jnp, name), (x, y), getattr(np, name)(x, y))


def c64(lo, hi):
    """Returns a strategy for complex64 arrays with parts in [lo, hi]."""
    parts = hnp.arrays(np.float32, (2,) + SHAPE, elements=_floats(lo, hi))
    return parts.map(lambda p: (p[0] + 1j * p[1]).astype(np.complex64))


@pytest.mark.parametrize("name", ["sqrt", "exp", "log", "abs", "conj", "real", "imag", "angle",
                                  "sign", "isfinite", "rint", "square", "reciprocal"])
@given(z=c64(-5, 5))
def test_complex_unary_values(name, z):
    expected = numpy_ref(getattr(np, name), z)
    check(getattr(jnp, name), (z,), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["less", "greater_equal", "maximum", "fmin", "logaddexp"])
@given(z=c64(-2, 2), w=c64(-2, 2))
def test_complex_binary_values(name, z, w):
    # Ties in the real parts exercise the lexicographic order.
    w = (z.real + 1j * w.imag).astype(np.complex64) if name == "less" else w
    np_fun = (lambda a, b: np.log(np.exp(a) + np.exp(b))) if name == "logaddexp" else \
        getattr(np, name)
    expected = numpy_ref(np_fun, z, w)
    if name == "logaddexp":  # compare the angle modulo 2 pi
        got = np.asarray(jnp.logaddexp(z, w))
        np.testing.assert_allclose(np.exp(got), np.exp(expected), rtol=1e-4, atol=1e-4)
        return
    check(getattr(jnp, name), (z, w), expected)


@given(x=SPECIAL, decimals=st.sampled_from([0, 1, 2]))
def test_round_decimals(x, decimals):
    # jnp rounds x * 10**decimals in float32, as this reference does.
    scale = np.float32(10.0 ** decimals)
    with np.errstate(all="ignore"):
        expected = (np.round(x * scale) / scale).astype(np.float32)
    check(lambda v: jnp.round(v, decimals), (x,), expected)


@given(x=SPECIAL, lo=st.sampled_from([None, -1.0, 0.5]), hi=st.sampled_from([None, 1.0, 3.0]))
def test_clip(x, lo, hi):
    expected = x if lo is None and hi is None else np.clip(x, lo, hi)
    assert_allclose(jnp.clip(x, lo, hi), expected.astype(np.float32))
    assert_allclose(jnp.clip(x, min=lo), x if lo is None else np.maximum(x, lo))


def test_clip_promotes_like_maximum():
    out = jnp.clip(np.array([1, 2, 3], np.int32), 1.5, 2.5)
    assert_allclose(out, np.array([1.5, 2.0, 2.5], np.float32))


@given(cond=hnp.arrays(np.bool_, SHAPE), x=f32(-10, 10), y=_floats(-10, 10))
def test_where(cond, x, y):
    check(jnp.where, (cond, x, y), np.where(cond, x, np.float32(y)))
    check(jnp.where, (cond.astype(np.int32), x, x[::-1]), np.where(cond, x, x[::-1]))


@given(x=SPECIAL)
def test_nan_to_num_with_values(x):
    expected = np.nan_to_num(x, nan=1.0, posinf=7.0, neginf=-7.0)
    check(lambda v: jnp.nan_to_num(v, nan=1.0, posinf=7.0, neginf=-7.0), (x,), expected)


@given(x=f32(-10, 10), y=f32(-10, 10))
def test_power_with_static_int_exponents(x, y):
    for k in (0, 1, 2, 3, -2):
        with np.errstate(all="ignore"):
            expected = (x.astype(np.float64) ** k).astype(np.float32)
        assert_allclose(jnp.power(x, k), expected, rtol=2e-5)
    assert_allclose(jnp.asarray(x) ** 2, x * x)
    assert_allclose(2 ** jnp.asarray(np.abs(y)), np.float32(2) ** np.abs(y), rtol=2e-5)


# ---------------------------------------------------------------------------------------------
# The primitives they emit.

def _primitive_names(fun, *args):
    jaxpr = jax.make_jaxpr(fun)(*args).jaxpr
    check_jaxpr(jaxpr)
    return [(e.primitive.name, e.params) for e in jaxpr.eqns]


def test_integer_powers_use_integer_pow():
    x = np.ones(3, np.float32)
    assert _primitive_names(lambda v: v ** 2, x) == [("integer_pow", {"y": 2})]
    assert _primitive_names(lambda v: jnp.power(v, np.int32(3)), x) == [
        ("integer_pow", {"y": 3})]
    assert _primitive_names(jnp.reciprocal, x) == [("integer_pow", {"y": -1})]
    assert [n for n, _ in _primitive_names(lambda v: jnp.power(v, 3.0), x)] == ["pow"]
    assert [n for n, _ in _primitive_names(jnp.square, x)] == ["square"]


def test_int_to_float_functions_convert_first():
    names = [n for n, _ in _primitive_names(jnp.sqrt, np.ones(3, np.int32))]
    assert names == ["convert_element_type", "sqrt"]
    names = [n for n, _ in _primitive_names(jnp.true_divide, *[np.ones(3, np.int32)] * 2)]
    assert names == ["convert_element_type", "convert_element_type", "div"]


def test_logaddexp_derivative_splits_ties():
    # Defined by a custom JVP: d/dx logaddexp(x, y) = exp(x - out), 1/2 where x == y.
    assert_allclose(jax.grad(jnp.logaddexp)(2.0, 2.0), np.float32(0.5))
    assert_allclose(jax.grad(jnp.logaddexp2, argnums=1)(1.0, 1.0), np.float32(0.5))
    assert_allclose(jax.grad(jnp.logaddexp)(1.0, 2.0), np.float32(1 / (1 + np.e)))


def test_python_scalar_operands_become_literals():
    jaxpr = jax.make_jaxpr(lambda v: jnp.multiply(v, 2.0))(np.ones(3, np.float16)).jaxpr
    (eqn,) = jaxpr.eqns
    assert eqn.primitive.name == "mul" and eqn.invars[1].aval.dtype == np.float16


# ---------------------------------------------------------------------------------------------
# Errors.

def test_lists_are_rejected_with_the_function_name():
    with pytest.raises(TypeError, match="add requires ndarray or scalar arguments"):
        jnp.add([1, 2], 1)


def test_incompatible_shapes_name_both_shapes():
    with pytest.raises((TypeError, ValueError), match=r"\(2,\).*\(3,\)"):
        jnp.add(np.ones(2), np.ones(3))


@pytest.mark.parametrize("expr, error, pattern", [
    (lambda: jnp.bitwise_and(np.ones(2), np.ones(2)), TypeError, "bitwise_and.*float32"),
    (lambda: jnp.left_shift(np.ones(2), 1), TypeError, "left_shift.*float32"),
    (lambda: jnp.negative(np.ones(2, bool)), TypeError, "negative.*bool"),
    (lambda: jnp.subtract(True, False), TypeError, "subtract.*bool"),
    (lambda: jnp.floor_divide(1j, 2j), TypeError, "floor_divide.*complex64"),
    (lambda: jnp.cbrt(1j), TypeError, "cbrt.*complex64"),
    (lambda: jnp.hypot(1j, 1j), ValueError, "hypot.*complex"),
    (lambda: jnp.signbit(1j), ValueError, "signbit.*complex"),
    (lambda: jnp.round(np.ones(2, bool)), ValueError, "round.*boolean"),
    (lambda: jnp.round(np.ones(2, np.int32), -1), NotImplementedError, "decimals < 0"),
    (lambda: jnp.power(np.ones(2, np.int32), -1), TypeError, "negative powers"),
    (lambda: jnp.where(True, 1), ValueError, "both or neither"),
    (lambda: jnp.round(np.ones(2), out=np.ones(2)), NotImplementedError, "out"),
])
def test_errors(expr, error, pattern):
    with pytest.raises(error, match=pattern):
        expr()
