"""lax elementwise primitives against numpy / scipy.special, eagerly and under jit, plus their
dtype and shape errors, weak types, and the names they print with in jaxprs.

Every case uses one operand shape (SHAPE), so XLA compiles once per (primitive, dtype) and
hypothesis varies only values. References are computed in float64 (or complex128) from the
exact low-precision inputs, then rounded to the tested dtype.
"""
import functools
import warnings

import ml_dtypes
import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
from jaxlike import lax
from jaxlike.core import check_jaxpr

from helpers import assert_allclose, tolerance

SHAPE = (5,)
BF16 = np.dtype(ml_dtypes.bfloat16)
FLOAT_DTYPES = [np.dtype(np.float32), np.dtype(np.float16), BF16]

_jitted = {}


def check(fun, args, expected, rtol=None, atol=None):
    """Asserts fun(*args) and jit(fun)(*args) both equal `expected` (one jit wrapper per
    function, so hypothesis examples reuse its executable) and that its jaxpr checks."""
    assert_allclose(fun(*args), expected, rtol=rtol, atol=atol, err_msg="eager")
    jitted = _jitted.setdefault(fun, jax.jit(fun))
    assert_allclose(jitted(*args), expected, rtol=rtol, atol=atol, err_msg="jit")
    check_jaxpr(jax.make_jaxpr(fun)(*args).jaxpr)


@functools.cache
def partial_op(fun, *params):
    """Returns `lambda *xs: fun(*xs, *params)`, one function object per (fun, params), so
    that its jit executable is reused across hypothesis examples."""
    return lambda *xs: fun(*xs, *params)


def _flush_subnormals(x):
    # XLA:CPU flushes subnormal floats to zero (as under JAX), so tests keep away from them.
    tiny = ml_dtypes.finfo(x.dtype).tiny
    return np.where(np.abs(x.astype(np.float32)) < tiny, 0, x).astype(x.dtype)


def floats(dtype, lo, hi, shape=SHAPE):
    """Arrays of `dtype` with normal (or zero) values drawn from [lo, hi] (drawn as float32,
    then rounded)."""
    elements = st.floats(float(np.float32(lo)), float(np.float32(hi)), width=32,
                         allow_subnormal=False)
    return hnp.arrays(np.float32, shape, elements=elements).map(
        lambda x: _flush_subnormals(x.astype(dtype)))


def ints(dtype, lo=None, hi=None, shape=SHAPE):
    info = np.iinfo(dtype)
    lo = info.min if lo is None else lo
    hi = info.max if hi is None else hi
    return hnp.arrays(dtype, shape, elements=st.integers(lo, hi))


bools = hnp.arrays(np.bool_, SHAPE)


def _ref(np_fun, dtype):
    """Returns a reference computing `np_fun` in float64 and rounding to `dtype`."""
    def ref(*args):
        with np.errstate(all="ignore"):
            out = np_fun(*(np.asarray(a, np.float64) for a in args))
            return np.asarray(out).astype(dtype)
    return ref


def _round_afz(x):
    return np.where(x >= 0, np.floor(x + 0.5), np.ceil(x - 0.5))


# ---------------------------------------------------------------------------------------------
# Unary floating functions: name -> (lax function, float64 reference, domain, tolerance scale).

UNARY_FLOAT = {
    "neg": (lax.neg, np.negative, (-100, 100), 1),
    "sign": (lax.sign, np.sign, (-100, 100), 1),
    "floor": (lax.floor, np.floor, (-100, 100), 1),
    "ceil": (lax.ceil, np.ceil, (-100, 100), 1),
    "round": (lax.round, _round_afz, (-100, 100), 1),
    "round_even": (lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), np.round,
                   (-100, 100), 1),
    "abs": (lax.abs, np.abs, (-100, 100), 1),
    "square": (lax.square, np.square, (-100, 100), 1),
    "sqrt": (lax.sqrt, np.sqrt, (0, 100), 1),
    "rsqrt": (lax.rsqrt, lambda x: 1 / np.sqrt(x), (0.01, 100), 1),
    "cbrt": (lax.cbrt, np.cbrt, (-100, 100), 1),
    "exp": (lax.exp, np.exp, (-10, 10), 1),
    "exp2": (lax.exp2, np.exp2, (-10, 10), 2),
    "log": (lax.log, np.log, (0.01, 100), 1),
    "log1p": (lax.log1p, np.log1p, (-0.9, 100), 1),
    "expm1": (lax.expm1, np.expm1, (-5, 5), 1),
    "logistic": (lax.logistic, sp.expit, (-20, 20), 1),
    "sin": (lax.sin, np.sin, (-3, 3), 1),
    "cos": (lax.cos, np.cos, (-3, 3), 1),
    "tan": (lax.tan, np.tan, (-1.4, 1.4), 2),
    "asin": (lax.asin, np.arcsin, (-1, 1), 1),
    "acos": (lax.acos, np.arccos, (-1, 1), 1),
    "atan": (lax.atan, np.arctan, (-100, 100), 1),
    "sinh": (lax.sinh, np.sinh, (-5, 5), 1),
    "cosh": (lax.cosh, np.cosh, (-5, 5), 1),
    "tanh": (lax.tanh, np.tanh, (-5, 5), 1),
    "asinh": (lax.asinh, np.arcsinh, (-100, 100), 1),
    "acosh": (lax.acosh, np.arccosh, (1, 100), 1),
    "atanh": (lax.atanh, np.arctanh, (-0.98, 0.98), 1),
    "erf": (lax.erf, sp.erf, (-3, 3), 1),
    "erfc": (lax.erfc, sp.erfc, (-3, 3), 2),
    "erf_inv": (lax.erf_inv, sp.erfinv, (-0.98, 0.98), 2),
    "lgamma": (lax.lgamma, sp.gammaln, (0.1, 20), 2),
    "digamma": (lax.digamma, sp.psi, (0.1, 20), 2),
    "reduce_precision": (lambda x: lax.reduce_precision(x, 8, 7),
                         lambda x: x.astype(np.float32).astype(BF16).astype(np.float64),
                         (-100, 100), 1),
}


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("name", UNARY_FLOAT)
@given(data=st.data())
def test_unary_float(name, dtype, data):
    fun, np_fun, (lo, hi), scale = UNARY_FLOAT[name]
    x = data.draw(floats(dtype, lo, hi))
    check(fun, (x,), _ref(np_fun, dtype)(x), rtol=tolerance(dtype, scale))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
@given(data=st.data())
def test_is_finite(dtype, data):
    with np.errstate(over="ignore"):
        x = data.draw(hnp.arrays(np.float32, SHAPE, elements=st.floats(width=32))).astype(dtype)
    check(lax.is_finite, (x,), np.isfinite(x.astype(np.float32)))


def test_special_values():
    x = np.array([-1.0, 1.0, 0.5, 2.0, 0.0], np.float32)
    assert_allclose(lax.erf_inv(x), np.array([-np.inf, np.inf, 0.47693628, np.nan, 0.0],
                                             np.float32))
    assert_allclose(lax.logistic(np.array([-1000.0, 0.0, 1000.0], np.float32)),
                    np.array([0.0, 0.5, 1.0], np.float32))
    assert_allclose(lax.sign(np.array([np.nan, -2.0, 0.0], np.float32)),
                    np.array([np.nan, -1.0, 0.0], np.float32))
    assert_allclose(lax.round(np.array([0.5, 1.5, 2.5, -0.5, -2.5], np.float32)),
                    np.array([1.0, 2.0, 3.0, -1.0, -3.0], np.float32))
    assert_allclose(lax.round(np.array([0.5, 1.5, 2.5, -0.5], np.float32), 1),
                    np.array([0.0, 2.0, 2.0, -0.0], np.float32))
    assert_allclose(lax.integer_pow(np.float32(0.0), -1), np.float32(np.inf))
    assert_allclose(lax.nextafter(np.float32(0), np.float32(1)), np.float32(1e-45), rtol=0)


# ---------------------------------------------------------------------------------------------
# Binary floating functions: name -> (lax function, reference, y domain); x is in [-100, 100]
# except for pow (x in [0.1, 10]).

BINARY_FLOAT = {
    "add": (lax.add, np.add), "sub": (lax.sub, np.subtract), "mul": (lax.mul, np.multiply),
    "div": (lax.div, np.divide), "rem": (lax.rem, np.fmod), "max": (lax.max, np.maximum),
    "min": (lax.min, np.minimum), "atan2": (lax.atan2, np.arctan2),
    "pow": (lax.pow, np.power),
}
COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
               "gt": np.greater, "ge": np.greater_equal}


def _nonzero(dtype):
    """Floats with |y| in [0.5, 10], either sign."""
    return st.tuples(floats(dtype, 0.5, 10), hnp.arrays(np.bool_, SHAPE)).map(
        lambda t: np.where(t[1], t[0], -t[0]).astype(dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("name", BINARY_FLOAT)
@given(data=st.data())
def test_binary_float(name, dtype, data):
    fun, np_fun = BINARY_FLOAT[name]
    if name == "pow":
        x, y = data.draw(floats(dtype, 0.1, 10)), data.draw(floats(dtype, -3, 3))
    elif name in ("div", "rem"):
        x, y = data.draw(floats(dtype, -100, 100)), data.draw(_nonzero(dtype))
    else:
        x, y = data.draw(floats(dtype, -100, 100)), data.draw(floats(dtype, -100, 100))
    check(fun, (x, y), _ref(np_fun, dtype)(x, y), rtol=tolerance(dtype, 2))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("name", COMPARISONS)
@given(data=st.data())
def test_compare_float(name, dtype, data):
    x = data.draw(floats(dtype, -3, 3))
    y = np.where(data.draw(bools), x, data.draw(floats(dtype, -3, 3))).astype(dtype)
    check(getattr(lax, name), (x, y), COMPARISONS[name](x.astype(np.float32),
                                                        y.astype(np.float32)))


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_nextafter(dtype, data):
    x, y = data.draw(floats(dtype, -100, 100)), data.draw(floats(dtype, -100, 100))
    check(lax.nextafter, (x, y), np.nextafter(x, y), rtol=0, atol=0)


def test_nan_propagation_and_signed_zero():
    x = np.array([np.nan, 1.0, -0.0, 2.0], np.float32)
    y = np.array([1.0, np.nan, 0.0, np.nan], np.float32)
    assert np.isnan(np.asarray(lax.max(x, y))[[0, 1, 3]]).all()
    assert np.isnan(np.asarray(lax.min(x, y))[[0, 1, 3]]).all()
    assert_allclose(lax.eq(x, y), np.array([False, False, True, False]))
    assert_allclose(lax.ne(x, y), np.array([True, True, False, True]))


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("y", [-5, -2, -1, 0, 1, 2, 3, 8])
@given(data=st.data())
def test_integer_pow_float(y, dtype, data):
    x = data.draw(_nonzero(dtype))
    check(partial_op(lax.integer_pow, y), (x,), _ref(lambda a: a ** y, dtype)(x),
          rtol=tolerance(dtype, 2))


@given(x=floats(np.float32, 0.1, 10), y=ints(np.int32, -4, 4))
def test_pow_integer_exponent(x, y):
    check(lax.pow, (x, y), _ref(np.power, np.float32)(x, y), rtol=tolerance(np.float32, 2))


# ---------------------------------------------------------------------------------------------
# Complex functions (complex64), away from the axes where the branch cuts lie.

def _complexes():
    parts = st.tuples(floats(np.float32, 0.1, 2), floats(np.float32, 0.1, 2),
                      hnp.arrays(np.bool_, SHAPE), hnp.arrays(np.bool_, SHAPE))
    return parts.map(lambda t: (np.where(t[2], t[0], -t[0]) + 1j * np.where(t[3], t[1], -t[1])
                                ).astype(np.complex64))


def _cref(np_fun):
    def ref(*args):
        out = np_fun(*(np.asarray(a, np.complex128) for a in args))
        out = np.asarray(out)
        return out.astype(np.complex64 if np.iscomplexobj(out) else np.float32)
    return ref


UNARY_COMPLEX = {
    "neg": (lax.neg, np.negative), "sign": (lax.sign, lambda z: z / np.abs(z)),
    "abs": (lax.abs, np.abs), "square": (lax.square, np.square), "sqrt": (lax.sqrt, np.sqrt),
    "rsqrt": (lax.rsqrt, lambda z: 1 / np.sqrt(z)), "exp": (lax.exp, np.exp),
    "exp2": (lax.exp2, np.exp2), "log": (lax.log, np.log), "log1p": (lax.log1p, np.log1p),
    "expm1": (lax.expm1, np.expm1), "logistic": (lax.logistic, lambda z: 1 / (1 + np.exp(-z))),
    "sin": (lax.sin, np.sin), "cos": (lax.cos, np.cos), "tan": (lax.tan, np.tan),
    "asin": (lax.asin, np.arcsin), "acos": (lax.acos, np.arccos), "atan": (lax.atan, np.arctan),
    "sinh": (lax.sinh, np.sinh), "cosh": (lax.cosh, np.cosh), "tanh": (lax.tanh, np.tanh),
    "asinh": (lax.asinh, np.arcsinh), "acosh": (lax.acosh, np.arccosh),
    "atanh": (lax.atanh, np.arctanh), "real": (lax.real, np.real), "imag": (lax.imag, np.imag),
    "conj": (lax.conj, np.conj), "integer_pow": (lambda z: lax.integer_pow(z, -3),
                                                 lambda z: z ** -3),
}


@pytest.mark.parametrize("name", UNARY_COMPLEX)
@given(data=st.data())
def test_unary_complex(name, data):
    fun, np_fun = UNARY_COMPLEX[name]
    z = data.draw(_complexes())
    check(fun, (z,), _cref(np_fun)(z), rtol=1e-4, atol=1e-5)


def _lexicographic(pick_greater):
    def ref(x, y):
        gt = (x.real > y.real) | ((x.real == y.real) & (x.imag > y.imag))
        return np.where(gt if pick_greater else ~gt, x, y)
    return ref


BINARY_COMPLEX = {
    "add": (lax.add, np.add), "sub": (lax.sub, np.subtract), "mul": (lax.mul, np.multiply),
    "div": (lax.div, np.divide), "pow": (lax.pow, np.power), "eq": (lax.eq, np.equal),
    "ne": (lax.ne, np.not_equal), "max": (lax.max, _lexicographic(True)),
    "min": (lax.min, _lexicographic(False)),
}


@pytest.mark.parametrize("name", BINARY_COMPLEX)
@given(data=st.data())
def test_binary_complex(name, data):
    fun, np_fun = BINARY_COMPLEX[name]
    x = data.draw(_complexes())
    y = np.where(data.draw(bools), x, data.draw(_complexes())).astype(np.complex64)
    expected = np_fun(x, y) if name in ("eq", "ne") else _cref(np_fun)(x, y)
    check(fun, (x, y), expected, rtol=1e-4, atol=1e-5)


@given(x=floats(np.float32, -100, 100), y=floats(np.float32, -100, 100))
def test_complex_and_conj_of_reals(x, y):
    check(lax.complex, (x, y), (x + 1j * y).astype(np.complex64))
    check(lax.conj, (x,), x.astype(np.complex64))


# ---------------------------------------------------------------------------------------------
# Integer functions on int32 and uint8.

INT_DTYPES = [np.dtype(np.int32), np.dtype(np.uint8)]


def _wrap(np_fun, dtype):
    """A reference computed in int64 (or Python ints) and wrapped to `dtype`."""
    def ref(*args):
        return np.asarray(np_fun(*(np.asarray(a).astype(np.int64) for a in args))).astype(dtype)
    return ref


def _trunc_div(x, y):
    return np.abs(x) // np.abs(y) * np.sign(x) * np.sign(y)


def _popcount(x):
    bits = np.unpackbits(np.ascontiguousarray(x).view(np.uint8)).reshape(x.size, -1)
    return bits.sum(axis=1).reshape(x.shape).astype(x.dtype)


def _clz(x):
    width = x.dtype.itemsize * 8
    unsigned = x.view(np.dtype(f"u{x.dtype.itemsize}"))
    return np.array([width - int(v).bit_length() for v in unsigned.ravel()],
                    x.dtype).reshape(x.shape)


def _shift(kind):
    """Reference for XLA's shifts: amounts are unsigned; >= the bit width gives 0 (or the sign
    fill for arithmetic shifts)."""
    def ref(x, y):
        bits = x.dtype.itemsize * 8
        unsigned_t = np.dtype(f"u{x.dtype.itemsize}")
        signed_t = np.dtype(f"i{x.dtype.itemsize}")
        amount = y.view(unsigned_t).astype(np.uint64)
        big = amount >= bits
        small = np.where(big, 0, amount).astype(unsigned_t)
        if kind == "left":
            out = (x.view(unsigned_t) << small).view(x.dtype)
        elif kind == "logical":
            out = (x.view(unsigned_t) >> small).view(x.dtype)
        else:
            out = (x.view(signed_t) >> np.where(big, bits - 1, small).astype(signed_t))
            return out.view(x.dtype)
        return np.where(big, 0, out).astype(x.dtype)
    return ref


INT_CASES = {
    "add": (lax.add, np.add), "sub": (lax.sub, np.subtract), "mul": (lax.mul, np.multiply),
    "div": (lax.div, _trunc_div), "rem": (lax.rem, np.fmod), "max": (lax.max, np.maximum),
    "min": (lax.min, np.minimum), "and": (lax.bitwise_and, np.bitwise_and),
    "or": (lax.bitwise_or, np.bitwise_or), "xor": (lax.bitwise_xor, np.bitwise_xor),
}
INT_UNARY = {
    "neg": (lax.neg, np.negative), "sign": (lax.sign, np.sign), "abs": (lax.abs, np.abs),
    "not": (lax.bitwise_not, np.invert), "square": (lax.square, np.square),
    "population_count": (lax.population_count, _popcount), "clz": (lax.clz, _clz),
}


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("name", INT_CASES)
@given(data=st.data())
def test_binary_int(name, dtype, data):
    fun, np_fun = INT_CASES[name]
    lo = -(2 ** 31 - 1) if dtype == np.int32 else None  # INT_MIN / -1 overflows
    x = data.draw(ints(dtype, lo))
    y = data.draw(ints(dtype, lo))
    if name in ("div", "rem"):
        y = np.where(y == 0, 1, y).astype(dtype)
    check(fun, (x, y), _wrap(np_fun, dtype)(x, y))


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("name", COMPARISONS)
@given(data=st.data())
def test_compare_int(name, dtype, data):
    x = data.draw(ints(dtype))
    y = np.where(data.draw(bools), x, data.draw(ints(dtype))).astype(dtype)
    check(getattr(lax, name), (x, y), COMPARISONS[name](x, y))


@pytest.mark.parametrize("name, dtype", [
    (name, dtype) for name in INT_UNARY for dtype in INT_DTYPES
    if not (name == "abs" and dtype == np.uint8)])  # abs rejects unsigned ints, as in JAX
@given(data=st.data())
def test_unary_int(name, dtype, data):
    fun, np_fun = INT_UNARY[name]
    x = data.draw(ints(dtype))
    check(fun, (x,), np_fun(x) if name in ("population_count", "clz") else
          _wrap(np_fun, dtype)(x))


@pytest.mark.parametrize("dtype", [np.dtype(np.int32), np.dtype(np.uint8), np.dtype(np.int8)],
                         ids=lambda d: d.name)
@pytest.mark.parametrize("kind", ["left", "logical", "arithmetic"])
@given(data=st.data())
def test_shifts(kind, dtype, data):
    fun = {"left": lax.shift_left, "logical": lax.shift_right_logical,
           "arithmetic": lax.shift_right_arithmetic}[kind]
    bits = dtype.itemsize * 8
    x = data.draw(ints(dtype))
    y = data.draw(ints(dtype, 0, bits + 3)) if dtype.kind == "u" else data.draw(
        ints(dtype, -3, bits + 3))
    check(fun, (x, y), _shift(kind)(x, y))


def test_shift_examples_match_jax():
    i32 = np.array([-8, 8], np.int32)
    amounts = np.array([1, 40], np.int32)
    assert_allclose(lax.shift_right_logical(i32, amounts), np.array([2147483644, 0], np.int32))
    assert_allclose(lax.shift_right_arithmetic(i32, amounts), np.array([-4, 0], np.int32))
    assert_allclose(lax.shift_left(i32, amounts), np.array([-16, 0], np.int32))
    assert_allclose(lax.shift_right_arithmetic(np.array([200, 8], np.uint8),
                                               np.array([1, 9], np.uint8)),
                    np.array([228, 0], np.uint8))
    assert_allclose(lax.clz(np.array([0, 1], np.uint32)), np.array([32, 31], np.uint32))
    assert_allclose(lax.population_count(np.array([-1, 3], np.int8)), np.array([8, 2], np.int8))


def test_integer_division_by_zero_follows_xla():
    x = np.array([-7, 7], np.int32)
    zero = np.zeros(2, np.int32)
    assert_allclose(lax.div(x, np.array([2, -2], np.int32)), np.array([-3, -3], np.int32))
    assert_allclose(lax.rem(x, np.array([2, -2], np.int32)), np.array([-1, 1], np.int32))
    assert_allclose(lax.div(x, zero), np.array([-1, -1], np.int32))
    assert_allclose(lax.rem(x, zero), x)


@pytest.mark.parametrize("y", [0, 1, 2, 3, 7])
@given(x=ints(np.int32, -20, 20))
def test_integer_pow_int(y, x):
    check(partial_op(lax.integer_pow, y), (x,), _wrap(lambda a: a ** y, np.int32)(x))


# ---------------------------------------------------------------------------------------------
# Booleans.

BOOL_CASES = {"and": (lax.bitwise_and, np.logical_and), "or": (lax.bitwise_or, np.logical_or),
              "xor": (lax.bitwise_xor, np.logical_xor), "max": (lax.max, np.maximum),
              "min": (lax.min, np.minimum), **{k: (getattr(lax, k), v)
                                               for k, v in COMPARISONS.items()}}


@pytest.mark.parametrize("name", BOOL_CASES)
@given(x=bools, y=bools)
def test_binary_bool(name, x, y):
    fun, np_fun = BOOL_CASES[name]
    check(fun, (x, y), np_fun(x, y))


@given(x=bools)
def test_not_bool(x):
    check(lax.bitwise_not, (x,), ~x)


# ---------------------------------------------------------------------------------------------
# Selection and clamping.

@given(which=bools, x=floats(np.float32, -9, 9), y=floats(np.float32, -9, 9))
def test_select_n_bool(which, x, y):
    check(lax.select_n, (which, x, y), np.where(which, y, x))
    check(lax.select, (which, x, y), np.where(which, x, y))
    check(lax.select_n, (np.bool_(True), x, y), y)
    check(lax.select_n, (which, x), x)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("n", [2, 3, 5])
@given(data=st.data())
def test_select_n_int(n, dtype, data):
    cases = [data.draw(ints(np.int32, -99, 99)) for _ in range(n)]
    which = data.draw(ints(dtype, 0, n - 1))
    check(lax.select_n, (which, *cases),
          np.choose(which.astype(np.int64), cases))


def _clamp_scalars(x):
    return lax.clamp(np.float32(-1.5), x, np.float32(2.5))


def _clamp_python_scalars(x):
    return lax.clamp(-1.5, x, 2.5)


def _clamp_ints(x):
    return lax.clamp(-3, x, 7)


@given(x=floats(np.float32, -10, 10), a=floats(np.float32, -5, 0), b=floats(np.float32, 0, 5))
def test_clamp(x, a, b):
    check(_clamp_scalars, (x,), np.clip(x, -1.5, 2.5))
    check(lax.clamp, (a, x, b), np.clip(x, a, b))
    check(_clamp_python_scalars, (x,), np.clip(x, -1.5, 2.5))


@given(x=ints(np.int32, -1000, 1000))
def test_clamp_int(x):
    check(_clamp_ints, (x,), np.clip(x, -3, 7))


# ---------------------------------------------------------------------------------------------
# Conversions.

@pytest.mark.parametrize("target", [np.int32, np.uint8, np.int8, np.bool_, np.float16,
                                    ml_dtypes.bfloat16, np.complex64],
                         ids=lambda d: np.dtype(d).name)
@given(x=floats(np.float32, -100, 250))
def test_convert_from_float32(target, x):
    target = np.dtype(target)
    if target == np.int8:
        x = np.clip(x, -128, 127)
    elif target == np.uint8:
        x = np.clip(x, 0, 255)
    # Truncation toward zero; to bool is x != 0; float rounding to nearest even.
    expected = np.trunc(x).astype(target) if target.kind in "iu" else x.astype(target)
    check(partial_op(lax.convert_element_type, target), (x,), expected, rtol=0, atol=0)


@pytest.mark.parametrize("source", [np.int32, np.uint8, np.bool_, np.float16],
                         ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("target", [np.float32, np.int32, np.bool_],
                         ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_convert_to(source, target, data):
    source = np.dtype(source)
    if source == np.bool_:
        x = data.draw(bools)
    elif source == np.float16:
        x = data.draw(floats(np.float16, -100, 100))
    else:
        x = data.draw(ints(source, 0 if source.kind == "u" else -1000, 255))
    truncate = np.dtype(target).kind == "i" and source == np.float16
    expected = (np.trunc(x) if truncate else x).astype(target)
    check(partial_op(lax.convert_element_type, target), (x,), expected, rtol=0, atol=0)


def test_convert_saturates_and_handles_complex_like_xla():
    x = np.array([0.5, 0, -2.7, 3e9, -3e9, np.nan, np.inf], np.float32)
    expected = np.array([0, 0, -2, 2147483647, -2147483648, 0, 2147483647], np.int32)
    assert_allclose(lax.convert_element_type(x, np.int32), expected)
    assert_allclose(jax.jit(lambda x: lax.convert_element_type(x, np.int32))(x), expected)
    assert_allclose(lax.convert_element_type(np.array([0.5, -2.7, 300, np.nan], np.float32),
                                             np.uint8), np.array([0, 0, 255, 0], np.uint8))
    assert_allclose(lax.convert_element_type(np.array([300, -3], np.int32), np.uint8),
                    np.array([44, 253], np.uint8))
    z = np.array([1.5 + 2j, 1j, 0], np.complex64)
    with pytest.warns(np.exceptions.ComplexWarning):
        assert_allclose(lax.convert_element_type(z, np.float32), np.float32([1.5, 0, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        # complex -> bool looks at the real part only, as in JAX.
        assert_allclose(lax.convert_element_type(z, np.bool_), np.array([True, False, False]))
        assert_allclose(lax.convert_element_type(z, np.int32), np.int32([1, 0, 0]))


def test_convert_python_scalars():
    assert_allclose(lax.convert_element_type(2 ** 40, np.float32), np.float32(2 ** 40))
    assert_allclose(lax.convert_element_type(2.0, np.float16), np.float16(2))
    out = lax.convert_element_type(np.ones(2, np.float32), float)
    assert out.dtype == np.float32  # Python float means the default float type
    with pytest.warns(UserWarning, match="float64 requested in convert_element_type"):
        out = lax.convert_element_type(np.ones(2, np.float32), np.float64)
    assert out.dtype == np.float32
    # Scalars convert at trace time: the jaxpr shows a literal, no equation.
    jaxpr = jax.make_jaxpr(lambda x: lax.mul(x, lax.convert_element_type(2.0, np.float16)))(
        np.ones(3, np.float16))
    assert "mul a 2.0:f16[]" in str(jaxpr)
    assert "convert_element_type" not in str(jaxpr)


@pytest.mark.parametrize("new", [np.uint8, np.int16, np.float32, np.uint32],
                         ids=lambda d: np.dtype(d).name)
@given(x=floats(np.float32, -100, 100))
def test_bitcast_convert_type(new, x):
    new = np.dtype(new)
    check(partial_op(lax.bitcast_convert_type, new), (x,),
          x.view(new).reshape(x.shape + (4 // new.itemsize,) if new.itemsize < 4 else x.shape),
          rtol=0, atol=0)


def test_bitcast_to_wider_consumes_last_axis():
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    check(partial_op(lax.bitcast_convert_type, np.float32), (x,), x.view(np.float32)[:, 0],
          rtol=0, atol=0)
    assert lax.bitcast_convert_type(np.ones((3, 2), np.float16), np.int32).shape == (3,)


@given(x=floats(np.float32, -60000, 60000))
def test_reduce_precision_to_float16(x):
    x = np.where(np.abs(x) < 1e-3, 1.0, x).astype(np.float32)  # normal float16 range
    check(partial_op(lax.reduce_precision, 5, 10), (x,),
          x.astype(np.float16).astype(np.float32), rtol=0, atol=0)


def test_stop_gradient_is_identity_on_pytrees():
    x = np.arange(3, dtype=np.float32)
    check(lax.stop_gradient, (x,), x)
    out = lax.stop_gradient({"a": x, "b": (np.int32(2),)})
    assert_allclose(out["a"], x)
    assert_allclose(out["b"][0], np.int32(2))
    jaxpr = jax.make_jaxpr(lax.stop_gradient)(x)
    assert "stop_gradient a" in str(jaxpr)


# ---------------------------------------------------------------------------------------------
# float64, int64 and friends with x64 on.

@pytest.mark.parametrize("name", ["exp", "log", "sin", "tanh", "erf", "erf_inv", "lgamma",
                                  "digamma", "cbrt", "logistic"])
@given(data=st.data())
def test_float64_unary(x64, name, data):
    fun, np_fun, (lo, hi), _ = UNARY_FLOAT[name]
    x = data.draw(hnp.arrays(np.float64, SHAPE, elements=st.floats(lo, hi)))
    scale = 1e4 if name in ("erf_inv", "lgamma", "digamma") else 10
    check(fun, (x,), _ref(np_fun, np.float64)(x), rtol=tolerance(np.float64, scale))


@given(data=st.data())
def test_x64_integer_and_conversion_ops(x64, data):
    x = data.draw(ints(np.int64))
    y = data.draw(ints(np.int64, 0, 70))
    check(lax.shift_right_logical, (x, y), _shift("logical")(x, y))
    check(lax.population_count, (x,), _popcount(x))
    u = data.draw(ints(np.uint64))
    check(lax.bitwise_xor, (u, u[::-1].copy()), u ^ u[::-1])
    f = data.draw(hnp.arrays(np.float64, SHAPE, elements=st.floats(-1e15, 1e15)))
    check(partial_op(lax.convert_element_type, np.int64), (f,), np.trunc(f).astype(np.int64))
    check(partial_op(lax.bitcast_convert_type, np.int64), (f,), f.view(np.int64))
    check(lax.complex, (f, f), (f + 1j * f).astype(np.complex128))


def test_x64_dtypes_stay_64_bit(x64):
    out = lax.convert_element_type(np.ones(2, np.float32), np.float64)
    assert out.dtype == np.float64
    assert lax.add(2.0, 3.0).dtype == np.float64
    assert lax.abs(np.complex128(1j)).dtype == np.float64


# ---------------------------------------------------------------------------------------------
# Python scalars and weak types.

def test_python_scalars_are_weakly_typed_operands():
    x = np.ones(3, np.float32)
    assert_allclose(lax.add(x, 2.0), np.full(3, 3.0, np.float32))
    assert_allclose(lax.add(np.ones(3, np.int32), 2), np.full(3, 3, np.int32))
    assert_allclose(lax.pow(x, 2), x)
    assert_allclose(lax.integer_pow(2.0, 2), np.float32(4))
    # As in JAX 0.10.2: a weak float32 scalar does not adapt to a float16 operand.
    with pytest.raises(TypeError, match=r"lax\.add requires arguments to have the same dtypes, "
                                        r"got float16, float32"):
        lax.add(np.ones(3, np.float16), 2.0)
    with pytest.raises(TypeError, match="got uint8, int32"):
        lax.add(np.ones(3, np.uint8), 2)
    jaxpr = jax.make_jaxpr(lambda x: lax.add(x, 2.0))(x)
    assert "add a 2.0:f32[]" in str(jaxpr)


def test_weak_types_follow_operands():
    assert lax.add(2.0, 3.0).weak_type
    assert not lax.add(np.float32(2.0), 3.0).weak_type
    out = lax.eq(2.0, 3.0)
    assert out.dtype == np.bool_ and out.weak_type
    out = lax.abs(2j)
    assert out.dtype == np.float32 and out.weak_type
    assert lax.select_n(True, 2.0, 3.0).weak_type
    assert not lax.bitcast_convert_type(2.0, np.int32).weak_type
    assert not lax.convert_element_type(2.0, np.float32).weak_type
    assert lax.convert_element_type(np.float32(2.0), np.float32, weak_type=True).weak_type
    assert_allclose(lax.bitcast_convert_type(2.0, np.int32), np.int32(1073741824))


def test_rank0_and_size1_operands_broadcast():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    check(lax.add, (x, np.float32(1)), x + 1)
    check(lax.mul, (x, x[:1]), x * x[:1])
    check(lax.lt, (x[:, :1], x), x[:, :1] < x)
    check(lax.pow, (x + 1, np.int32(2)), (x + 1) ** 2)
    check(lax.select_n, (np.bool_(False), x, -x), x)


# ---------------------------------------------------------------------------------------------
# Errors.

@pytest.mark.parametrize("fun, args, message", [
    (lax.sin, (np.ones(3, np.int32),),
     (r"sin does not accept dtype int32\. Accepted dtypes are subtypes of floating, "
     r"complexfloating")),
    (lax.floor, (np.ones(3, np.int32),), r"floor does not accept dtype int32"),
    (lax.erf, (np.ones(3, np.complex64),), r"erf does not accept dtype complex64"),
    (lax.is_finite, (np.ones(3, np.complex64),), r"is_finite does not accept dtype complex64"),
    (lax.abs, (np.ones(3, np.uint8),), r"abs does not accept dtype uint8"),
    (lax.neg, (np.ones(3, np.bool_),), r"neg does not accept dtype bool"),
    (lax.real, (np.ones(3, np.float32),), r"real does not accept dtype float32"),
    (lax.population_count, (np.ones(3, np.bool_),), (r"population_count does not accept dtype "
                                                    r"bool\. Accepted dtypes are subtypes of "
                                                    r"integer")),
    (lax.add, (np.ones(3, np.bool_), np.ones(3, np.bool_)),
     r"add does not accept dtype bool at position 0"),
    (lax.lt, (np.ones(3, np.complex64), np.ones(3, np.complex64)),
     r"lt does not accept dtype complex64 at position 0"),
    (lax.rem, (np.ones(3, np.complex64), np.ones(3, np.complex64)),
     r"rem does not accept dtype complex64"),
    (lax.shift_left, (np.ones(3, np.float32), np.ones(3, np.float32)),
     (r"shift_left does not accept dtype float32 at position 0\. Accepted dtypes at position 0 "
     r"are subtypes of integer")),
    (lax.bitwise_and, (np.ones(3, np.float32), np.ones(3, np.float32)),
     r"and does not accept dtype float32"),
    (lax.nextafter, (np.ones(3, np.complex64), np.ones(3, np.complex64)),
     r"nextafter does not accept dtype complex64"),
    (lax.complex, (np.ones(3, np.float16), np.ones(3, np.float16)),
     r"complex does not accept dtype float16 at position 0"),
    (lax.conj, (np.ones(3, np.int32),), r"conj does not accept dtype int32"),
    (lax.add, (np.ones(3, np.float32), np.ones(3, np.int32)),
     r"lax\.add requires arguments to have the same dtypes, got float32, int32\. \(Tip: jnp\.add"),
    (lax.bitwise_and, (True, 3), (r"lax\.and requires arguments to have the same dtypes, got "
                                 r"bool, int32\.$")),
    (lax.pow, (np.ones(3, np.int32), np.ones(3, np.int32)), r"pow does not accept dtype int32"),
    (lax.pow, (np.ones(3, np.float32), np.ones(3, np.float16)),
     r"the first argument to pow must have an inexact dtype .* got float32 and float16"),
    (lambda x: lax.integer_pow(x, -2), (np.ones(3, np.int32),),
     r"Integers cannot be raised to negative powers, got integer_pow\(int32\[3\], -2\)"),
    (lambda x: lax.integer_pow(x, 2), (np.ones(3, np.bool_),),
     r"integer_pow does not accept dtype bool"),
    (lambda x: lax.reduce_precision(x, 5, 10), (np.ones(3, np.int32),),
     r"reduce_precision does not accept dtype int32"),
    (lax.select_n, (np.ones(3, np.float32), np.ones(3), np.ones(3)),
     r"select `which` must be boolean or integer type, got float32"),
    (lax.select_n, (np.ones(3, np.bool_), np.ones(3, np.float32), np.ones(3, np.int32)),
     r"lax\.select requires arguments to have the same dtypes, got float32, int32"),
    (lax.select_n, (np.ones(3, np.bool_),) + (np.ones(3, np.float32),) * 3,
     r"select with boolean `which` cannot have > 2 cases"),
    (lax.select_n, (np.ones(2, np.bool_), np.ones(3, np.float32), np.ones(3, np.float32)),
     (r"select `which` must be scalar or have the same shape as cases, got `which` shape \(2,\) "
     r"but case shape \(3,\)")),
    (lax.select_n, (np.ones(3, np.bool_), np.ones(3, np.float32), np.float32(2)),
     r"select cases must have the same shapes, got \[\(3,\), \(\)\]"),
    (lax.clamp, (np.zeros(3, np.int32), np.ones(3, np.float32), np.float32(1)),
     r"lax\.clamp requires arguments to have the same dtypes, got int32, float32, float32"),
    (partial_op(lax.bitcast_convert_type, np.bool_), (np.ones(3, np.float32),),
     r"bitcast_convert_type does not support bool or complex values"),
])
def test_dtype_errors(fun, args, message):
    with pytest.raises(TypeError, match=message):
        fun(*args)
    with pytest.raises(TypeError, match=message):
        jax.make_jaxpr(fun)(*args)


@pytest.mark.parametrize("fun, args, message", [
    (lax.add, (np.ones(3, np.float32), np.ones(4, np.float32)),
     r"add got incompatible shapes for broadcasting: \(3,\), \(4,\)\."),
    (lax.atan2, (np.ones((2, 3), np.float32), np.ones((3, 2), np.float32)),
     r"atan2 got incompatible shapes for broadcasting: \(2, 3\), \(3, 2\)\."),
    (lax.eq, (np.ones(3, np.int32), np.ones((3, 1), np.int32)),
     (r"eq: arrays must have the same number of dimensions, got \{1, 2\} \(shapes \(3,\), "
     r"\(3, 1\)\)")),
    (lax.clamp, (np.zeros(2, np.float32), np.ones(3, np.float32), np.float32(1)),
     (r"clamp requires min\.shape == operand\.shape or min\.shape == \(\), got "
     r"min\.shape=\(2,\), operand\.shape=\(3,\)\.")),
    (lax.clamp, (np.float32(0), np.float32(5), np.ones(3, np.float32)),
     r"clamp requires max\.shape == operand\.shape or max\.shape == \(\)"),
])
def test_shape_errors(fun, args, message):
    with pytest.raises(TypeError, match=message):
        fun(*args)
    with pytest.raises(TypeError, match=message):
        jax.make_jaxpr(fun)(*args)


def test_value_errors():
    with pytest.raises(ValueError, match="select_n\\(\\) must have at least one case"):
        lax.select_n(np.ones(3, np.bool_))
    with pytest.raises(ValueError, match="is not a valid RoundingMethod"):
        lax.round(np.ones(2, np.float32), 2)
    with pytest.raises(ValueError, match="exponent_bits must be positive; got 0"):
        lax.reduce_precision(np.float32(1), 0, 2)
    with pytest.raises(ValueError, match=r"Attempting to convert array of shape \(2, 3\) from "
                                         r"uint8 of size 8 bits to float32"):
        lax.bitcast_convert_type(np.ones((2, 3), np.uint8), np.float32)
    with pytest.raises(TypeError, match="integer_pow's exponent y must be a static Python "
                                        "integer"):
        lax.integer_pow(np.ones(2, np.float32), 2.5)
    with pytest.raises(NotImplementedError, match="accuracy"):
        lax.exp(np.ones(2, np.float32), accuracy=1e-3)


# ---------------------------------------------------------------------------------------------
# Printed jaxprs use JAX's primitive names and params.

def test_jaxpr_prints_jax_names():
    def f(x, i, b, z):
        return (lax.integer_pow(x, 3), lax.round(x), lax.round(x, 1), lax.exp2(x),
                lax.logistic(x), lax.erf_inv(x), lax.is_finite(x), lax.nextafter(x, x),
                lax.rsqrt(x), lax.square(x), lax.conj(x), lax.abs(z), lax.real(z),
                lax.bitwise_and(i, i), lax.bitwise_or(b, b), lax.bitwise_xor(i, i),
                lax.bitwise_not(i), lax.shift_right_logical(i, i), lax.population_count(i),
                lax.clz(i), lax.select_n(b, x, x), lax.clamp(0.0, x, 1.0),
                lax.convert_element_type(x, np.int8), lax.bitcast_convert_type(x, np.int8),
                lax.reduce_precision(x, 5, 10), lax.stop_gradient(x), lax.pow(x, 2),
                lax.complex(x, x), lax.lgamma(x), lax.digamma(x), lax.rem(i, i))

    args = (np.ones(3, np.float32), np.ones(3, np.int32), np.ones(3, np.bool_),
            np.ones(3, np.complex64))
    closed = jax.make_jaxpr(f)(*args)
    check_jaxpr(closed.jaxpr)
    text = str(closed)
    for line in [
        "e:f32[3] = integer_pow[y=3] a", "f:f32[3] = round[rounding_method=0] a",
        "g:f32[3] = round[rounding_method=1] a", "h:f32[3] = exp2 a", "i:f32[3] = logistic a",
        "j:f32[3] = erf_inv a", "k:bool[3] = is_finite a", "l:f32[3] = nextafter a a",
        "m:f32[3] = rsqrt a", "n:f32[3] = square a", "o:c64[3] = conj[input_dtype=float32] a",
        "p:f32[3] = abs d", "q:f32[3] = real d", "r:i32[3] = and b b", "s:bool[3] = or c c",
        "t:i32[3] = xor b b", "u:i32[3] = not b", "v:i32[3] = shift_right_logical b b",
        "w:i32[3] = population_count b", "x:i32[3] = clz b", "y:f32[3] = select_n c a a",
        "z:f32[3] = clamp 0.0:f32[] a 1.0:f32[]",
        "ba:i8[3] = convert_element_type[new_dtype=int8 weak_type=False] a",
        "bb:i8[3,4] = bitcast_convert_type[new_dtype=int8] a",
        "bc:f32[3] = reduce_precision[exponent_bits=5 mantissa_bits=10] a",
        "bd:f32[3] = stop_gradient a", "be:f32[3] = pow a 2:i32[]", "bf:c64[3] = complex a a",
        "bg:f32[3] = lgamma a", "bh:f32[3] = digamma a", "bi:i32[3] = rem b b",
    ]:
        assert line in text, f"{line!r} not in\n{text}"


def test_every_elementwise_primitive_lowers_and_has_jax_name():
    names = ("add", "sub", "mul", "div", "rem", "pow", "integer_pow", "max", "min", "neg", "sign",
             "floor", "ceil", "round", "abs", "exp", "exp2", "log", "log1p", "expm1", "sqrt",
             "rsqrt", "cbrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh",
             "cosh", "tanh", "asinh", "acosh", "atanh", "logistic", "erf", "erfc", "erf_inv",
             "lgamma", "digamma", "is_finite", "nextafter", "eq", "ne", "lt", "le", "gt", "ge",
             "and", "or", "not", "xor", "shift_left", "shift_right_logical",
             "shift_right_arithmetic", "population_count", "clz", "select_n", "clamp",
             "convert_element_type", "bitcast_convert_type", "stop_gradient", "imag", "real",
             "conj", "complex", "square", "reduce_precision")
    from jaxlike.core import all_primitives
    from lowering import mlir
    for name in names:
        assert name in all_primitives, name
        assert name in mlir.rules, name
        assert getattr(lax, f"{name}_p").name == name
