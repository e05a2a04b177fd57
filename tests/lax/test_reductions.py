"""lax reductions, argmax/argmin and dot_general against numpy, eagerly and under jit, plus
their jaxpr params and errors.

Shapes are few ((2, 3) mostly) so that XLA compiles stay few: a test function computes every
axis choice at once, so that jit compiles it once; hypothesis varies values only.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jaxlike as jax
from jaxlike import lax
from jaxlike.core import check_jaxpr

from helpers import assert_allclose

SHAPE = (2, 3)
AXES = [(0,), (1,), (0, 1)]


def floats(shape=SHAPE, lo=-10, hi=10):
    return hnp.arrays(np.float32, shape, elements=st.floats(lo, hi, width=32))


def ints(shape=SHAPE, lo=-1000, hi=1000, dtype=np.int32):
    return hnp.arrays(dtype, shape, elements=st.integers(lo, hi))


bools = hnp.arrays(np.bool_, SHAPE)
# float32 values with NaNs at random positions, and few distinct values so that ties occur.
floats_with_nans = hnp.arrays(np.float32, SHAPE,
                              elements=st.sampled_from([np.nan, -1.0, 0.0, 2.5, -np.inf]))

_jitted = {}


def check(fun, args, expected, **kwargs):
    """Asserts that fun(*args) and jit(fun)(*args) equal `expected` (a tuple of arrays); the
    jitted function is made once per `fun`, so hypothesis examples reuse its executable."""
    jitted = _jitted.setdefault(fun, jax.jit(fun))
    for how, outs in (("eager", fun(*args)), ("jit", jitted(*args))):
        for i, (out, want) in enumerate(zip(outs, expected, strict=True)):
            assert_allclose(out, want, err_msg=f"{how}, output {i}", **kwargs)
    check_jaxpr(jax.make_jaxpr(fun)(*args).jaxpr)


# ---------------------------------------------------------------------------------------------
# Reductions over axes.

def _over_axes(lax_fn):
    return lambda x: tuple(lax_fn(x, axes) for axes in AXES)


def _np_over_axes(np_fn, x):
    return tuple(np.asarray(np_fn(x, axis=axes)).astype(x.dtype) for axes in AXES)


NP_REDUCTIONS = {
    "reduce_sum": lambda x, axis: np.sum(x.astype(np.float64) if x.dtype.kind == "f" else x,
                                         axis=axis, dtype=None if x.dtype.kind == "f" else x.dtype),
    "reduce_prod": lambda x, axis: np.prod(x, axis=axis, dtype=x.dtype),
    "reduce_max": np.max,
    "reduce_min": np.min,
    # The bitwise ufuncs are the logical ones on bool arrays.
    "reduce_and": np.bitwise_and.reduce,
    "reduce_or": np.bitwise_or.reduce,
    "reduce_xor": np.bitwise_xor.reduce,
}
_FUNS = {name: _over_axes(getattr(lax, name)) for name in NP_REDUCTIONS}


@pytest.mark.parametrize("name", ["reduce_sum", "reduce_prod", "reduce_max", "reduce_min"])
@given(x=floats())
def test_float_reductions(name, x):
    check(_FUNS[name], (x,), _np_over_axes(NP_REDUCTIONS[name], x), atol=1e-3)


@pytest.mark.parametrize("name", list(NP_REDUCTIONS))
@given(x=ints(lo=-20, hi=20))
def test_int_reductions(name, x):
    # Products of int32 wrap around in numpy (with dtype=int32) and in XLA alike.
    check(_FUNS[name], (x,), _np_over_axes(NP_REDUCTIONS[name], x))


@pytest.mark.parametrize("name", ["reduce_max", "reduce_min", "reduce_and", "reduce_or",
                                  "reduce_xor"])
@given(x=bools)
def test_bool_reductions(name, x):
    check(_FUNS[name], (x,), _np_over_axes(NP_REDUCTIONS[name], x))


@given(x=floats_with_nans)
def test_max_min_propagate_nan(x):
    check(_FUNS["reduce_max"], (x,), _np_over_axes(np.max, x))
    check(_FUNS["reduce_min"], (x,), _np_over_axes(np.min, x))


def test_empty_reductions_give_identities():
    empty = np.zeros((0, 2), np.float32)
    assert_allclose(lax.reduce_max(empty, (0,)), np.full(2, -np.inf, np.float32))
    assert_allclose(lax.reduce_min(np.zeros((0,), np.int32), (0,)),
                    np.int32(np.iinfo(np.int32).max))
    assert_allclose(lax.reduce_and(np.zeros((0,), np.int32), (0,)), np.int32(-1))
    assert_allclose(lax.reduce_prod(empty, (0,)), np.ones(2, np.float32))


def test_complex_max_is_lexicographic():
    x = np.array([1 + 2j, 1 + 3j, 0 + 5j], np.complex64)
    assert_allclose(lax.reduce_max(x, (0,)), np.complex64(1 + 3j))
    assert_allclose(lax.reduce_sum(x, (0,)), np.complex64(2 + 10j))


def test_reduction_keeps_weak_type_and_params():
    assert repr(lax.reduce_sum(2.0, ())) == "Array(2., dtype=float32, weak_type=True)"
    jaxpr = jax.make_jaxpr(lambda x: lax.reduce_sum(x, [np.int64(0)]))(np.ones(SHAPE, np.float32))
    assert str(jaxpr) == ("{ lambda ; a:f32[2,3]. let\n"
                          "    b:f32[3] = reduce_sum[axes=(0,) out_sharding=None] a\n"
                          "  in (b,) }")
    jaxpr = jax.make_jaxpr(lambda x: lax.reduce_max(x, (0, 1)))(np.ones(SHAPE, np.float32))
    assert "b:f32[] = reduce_max[axes=(0, 1)] a" in str(jaxpr)


@pytest.mark.parametrize("fun, error, match", [
    (lambda x: lax.reduce_sum(x, (2,)), ValueError, r"reduce_sum.*\(2,\).*float32\[2,3\]"),
    (lambda x: lax.reduce_max(x, (-1,)), ValueError, r"reduce_max.*\(-1,\).*out-of-bounds"),
    (lambda x: lax.reduce_min(x, (0, 0)), ValueError, r"reduce_min: duplicate.*\(0, 0\)"),
    (lambda x: lax.reduce_sum(x, 0), TypeError, r"reduce_sum: axes must be a sequence"),
    (lambda x: lax.reduce_sum(x, (1.0,)), TypeError, r"reduce_sum: axes must be a sequence"),
    (lambda x: lax.reduce_sum(np.ones(SHAPE, bool), (0,)), TypeError,
     r"reduce_sum does not accept dtype bool"),
    (lambda x: lax.reduce_prod(np.ones(SHAPE, bool), (0,)), TypeError, r"reduce_prod.*bool\[2,3\]"),
    (lambda x: lax.reduce_and(x, (0,)), TypeError, r"reduce_and does not accept dtype float32"),
    (lambda x: lax.reduce_xor(x, (0,)), TypeError, r"reduce_xor.*float32\[2,3\]"),
    (lambda x: lax.reduce_sum(x, (0,), out_sharding="x"), NotImplementedError, "out_sharding"),
])
def test_reduction_errors(fun, error, match):
    with pytest.raises(error, match=match):
        jax.make_jaxpr(fun)(np.ones(SHAPE, np.float32))


# ---------------------------------------------------------------------------------------------
# argmax / argmin.

def _args(x):
    return (lax.argmax(x, 0, np.int32), lax.argmax(x, 1, np.int32),
            lax.argmin(x, 0, np.int32), lax.argmin(x, 1, np.int32))


def _np_args(x):
    # numpy also returns the first NaN, and the first of tied values.
    return tuple(np.asarray(f(x, axis=a)).astype(np.int32)
                 for f in (np.argmax, np.argmin) for a in (0, 1))


@given(x=floats_with_nans)
def test_arg_reductions_float_nan_and_ties(x):
    check(_args, (x,), _np_args(x))


@given(x=ints(lo=-3, hi=3))
def test_arg_reductions_int_ties(x):
    check(_args, (x,), _np_args(x))


@given(x=bools)
def test_arg_reductions_bool(x):
    check(_args, (x,), _np_args(x))


def test_arg_reduction_index_dtype_and_params():
    x = np.array([[0.0, -0.0, 3.0], [-np.inf, 7.0, 7.0]], np.float32)
    out = lax.argmax(x, 1, np.uint8)
    assert_allclose(out, np.array([2, 1], np.uint8))
    assert_allclose(lax.argmin(x, 0, "int32"), np.array([1, 0, 0], np.int32))
    # numpy axes become Python ints; int64 indices become int32 without x64.
    jaxpr = jax.make_jaxpr(lambda x: lax.argmax(x, np.int64(0), np.int64))(x)
    assert "b:i32[3] = argmax[axes=(0,) index_dtype=int32] a" in str(jaxpr)
    assert not jaxpr.jaxpr.outvars[0].aval.weak_type


@pytest.mark.parametrize("fun, error, match", [
    (lambda x: lax.argmax(x, 2, np.int32), ValueError, r"argmax: invalid axis 2.*float32\[2,3\]"),
    (lambda x: lax.argmin(x, -1, np.int32), ValueError, r"argmin: invalid axis -1"),
    (lambda x: lax.argmax(x, (0,), np.int32), TypeError, r"argmax: axis must be an int"),
    (lambda x: lax.argmax(x, 0, np.float32), TypeError, r"index_dtype must be an integer.*float32"),
    (lambda x: lax.argmax(x, 0, np.bool_), TypeError, r"index_dtype must be an integer.*bool"),
    (lambda x: lax.argmax(x.astype(np.complex64), 0, np.int32), TypeError,
     r"argmax does not accept dtype complex64"),
    (lambda x: lax.argmin(x[:0], 0, np.int32), ValueError, r"argmin requires a non-empty"),
])
def test_arg_reduction_errors(fun, error, match):
    with pytest.raises(error, match=match):
        fun(np.ones(SHAPE, np.float32))


# ---------------------------------------------------------------------------------------------
# dot_general, dot, batch_matmul.

def _np_dot_general(lhs, rhs, dimension_numbers):
    """numpy reference: einsum with batch letters first, then lhs free, then rhs free."""
    (lc, rc), (lb, rb) = dimension_numbers
    letters = iter("abcdefghijklmnop")
    lhs_sub = [next(letters) for _ in lhs.shape]
    rhs_sub = [next(letters) for _ in rhs.shape]
    for ld, rd in zip(lc + lb, rc + rb):
        rhs_sub[rd] = lhs_sub[ld]
    out = ([lhs_sub[d] for d in lb]
           + [s for d, s in enumerate(lhs_sub) if d not in lc + lb]
           + [s for d, s in enumerate(rhs_sub) if d not in rc + rb])
    spec = f"{''.join(lhs_sub)},{''.join(rhs_sub)}->{''.join(out)}"
    if lhs.dtype == np.bool_:
        return np.einsum(spec, lhs.astype(np.int32), rhs.astype(np.int32)) > 0
    return np.einsum(spec, lhs.astype(np.float64), rhs.astype(np.float64))


DOT_CASES = {
    "matmul": ((2, 3), (3, 4), (([1], [0]), ([], []))),
    "contract_all": ((2, 3), (2, 3), (([0, 1], [0, 1]), ([], []))),
    "transposed": ((2, 3), (4, 3), (([1], [1]), ([], []))),
    "outer": ((2,), (3,), (([], []), ([], []))),
    "batch_leading": ((5, 2, 3), (5, 3, 4), (([2], [1]), ([0], [0]))),
    "batch_inner": ((2, 5, 3), (3, 4, 5), (([2], [0]), ([1], [2]))),
}
_DOT_FUNS = {name: (lambda x, y, dn=dn: (lax.dot_general(x, y, dn),))
             for name, (_, _, dn) in DOT_CASES.items()}


@pytest.mark.parametrize("name", list(DOT_CASES))
@given(data=st.data())
def test_dot_general_float(name, data):
    lhs_shape, rhs_shape, dn = DOT_CASES[name]
    x, y = data.draw(floats(lhs_shape)), data.draw(floats(rhs_shape))
    expected = _np_dot_general(x, y, dn).astype(np.float32)
    check(_DOT_FUNS[name], (x, y), (expected,), atol=1e-3)


@pytest.mark.parametrize("dtype", [np.int32, np.bool_])
@given(data=st.data())
def test_dot_general_int_and_bool(dtype, data):
    lhs_shape, rhs_shape, dn = DOT_CASES["batch_inner"]
    x = data.draw(hnp.arrays(dtype, lhs_shape, elements=st.integers(-50, 50) if dtype == np.int32
                             else None))
    y = data.draw(hnp.arrays(dtype, rhs_shape, elements=st.integers(-50, 50) if dtype == np.int32
                             else None))
    expected = _np_dot_general(x, y, dn).astype(dtype)
    check(_DOT_FUNS["batch_inner"], (x, y), (expected,))


def _mixed(x, y):
    x8, y8 = lax.convert_element_type(x, np.int8), lax.convert_element_type(y, np.int8)
    return (lax.dot_general(x, y, (([1], [0]), ([], []))),
            lax.dot_general(x8, y8, (([1], [0]), ([], [])), preferred_element_type=np.int32))


@given(x=ints((2, 3), -100, 100, np.int32), y=ints((3, 4), -100, 100, np.int32))
def test_dot_general_mixed_dtypes_and_preferred_type(x, y):
    # f32 x i32 computes in float32; int8 operands with an int32 result do not wrap at 8 bits.
    xf = x.astype(np.float32)
    expected = (xf @ y.astype(np.float32), x.astype(np.int8).astype(np.int32)
                @ y.astype(np.int8).astype(np.int32))
    check(_mixed, (xf, y), expected)


def _dots(m, mt, v, w, bm, bmt):
    return (lax.dot(m, mt), lax.dot(m, v), lax.dot(w, m), lax.dot(v, v),
            lax.dot(m, m, dimension_numbers=(([1], [1]), ([], []))),
            lax.batch_matmul(bm, bmt), lax.dot(m, v, precision="highest"))


@given(m=floats((2, 3)), v=floats((3,)), w=floats((2,)), bm=floats((4, 2, 3)))
def test_dot_and_batch_matmul(m, v, w, bm):
    bmt = np.ascontiguousarray(bm.transpose(0, 2, 1))
    m64, v64, w64, bm64 = (a.astype(np.float64) for a in (m, v, w, bm))
    expected = (m64 @ m64.T, m64 @ v64, w64 @ m64, v64 @ v64, m64 @ m64.T,
                bm64 @ bm64.transpose(0, 2, 1), m64 @ v64)
    args = (m, np.ascontiguousarray(m.T), v, w, bm, bmt)
    check(_dots, args, tuple(e.astype(np.float32) for e in expected), atol=1e-3)


def test_dot_general_jaxpr_and_precision():
    x, y = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    jaxpr = jax.make_jaxpr(lambda x, y: lax.dot_general(x, y, [[[1], [0]], [[], []]]))(x, y)
    # As JAX prints it: dimension numbers as lists, the None params left out.
    assert str(jaxpr) == (
        "{ lambda ; a:f32[2,3] b:f32[3,4]. let\n"
        "    c:f32[2,4] = dot_general[dimension_numbers=(([1], [0]), ([], []))] a b\n"
        "  in (c,) }")
    eqn = jax.make_jaxpr(lambda x, y: lax.dot(x, y, precision=("high", lax.Precision.HIGHEST),
                                              preferred_element_type=np.float32))(x, y).eqns[0]
    assert eqn.params == {"dimension_numbers": (((1,), (0,)), ((), ())),
                          "precision": (lax.Precision.HIGH, lax.Precision.HIGHEST),
                          "preferred_element_type": np.dtype(np.float32), "out_sharding": None}
    text = jax.jit(lambda x, y: lax.dot(x, y, precision="float32")).lower(x, y).as_text()
    assert "precision = [HIGHEST, HIGHEST]" in text
    text = jax.jit(lambda x, y: lax.dot(x, y)).lower(x, y).as_text()
    assert "precision = [DEFAULT, DEFAULT]" in text


def test_precision_enum():
    P = lax.Precision
    assert [p.name for p in P] == ["DEFAULT", "HIGH", "HIGHEST"]
    assert P("highest") is P.HIGHEST and P("tensorfloat32") is P.HIGH
    assert P("bfloat16") is P.DEFAULT and P(2) is P.HIGHEST
    assert repr(P.HIGH) == "Precision.HIGH" and str(P.HIGH) == "HIGH"
    with pytest.raises(ValueError):
        P("foo")


def test_dot_general_weak_type():
    dot = jax.make_jaxpr(lambda x, y: lax.dot_general(x, y, (([], []), ([], []))))
    assert dot(2.0, 3.0).jaxpr.outvars[0].aval.weak_type
    assert not dot(2.0, np.float32(3.0)).jaxpr.outvars[0].aval.weak_type


_DN = (([1], [0]), ([], []))


@pytest.mark.parametrize("lhs_shape, rhs_shape, dn, kwargs, error, match", [
    ((2, 3), (2, 4), _DN, {}, TypeError,
     r"contracting dimensions must have equal sizes, got \(3,\) and \(2,\).*float32\[2,3\].*"
     r"float32\[2,4\].*\(\(\[1\], \[0\]\), \(\[\], \[\]\)\)"),
    ((5, 2, 3), (6, 3, 4), (([2], [1]), ([0], [0])), {}, TypeError,
     r"batch dimensions must have equal sizes, got \(5,\) and \(6,\)"),
    ((2, 3), (3, 4), (([2], [0]), ([], [])), {}, TypeError, r"lhs dimension numbers.*\[0, 2\)"),
    ((2, 3), (3, 4), (([-1], [0]), ([], [])), {}, TypeError, r"lhs dimension numbers"),
    ((2, 3), (3, 4), (([1], [0, 1]), ([], [])), {}, TypeError, r"equally many contracting"),
    ((5, 2, 3), (5, 3, 4), (([2], [1]), ([0], [])), {}, TypeError, r"equally many batch"),
    ((5, 2, 3), (5, 3, 4), (([0], [0]), ([0], [0])), {}, TypeError, r"disjoint"),
    ((2, 3), (3, 4), (([1, 1], [0, 0]), ([], [])), {}, TypeError, r"distinct"),
    ((2, 3), (3, 4), ([1], [0]), {}, TypeError, r"dimension_numbers must be"),
    ((2, 3), (3, 4), _DN, {"precision": 2}, ValueError, r"precision must be"),
    ((2, 3), (3, 4), _DN, {"precision": (None, "highest")}, ValueError, r"precision must be"),
])
def test_dot_general_errors(lhs_shape, rhs_shape, dn, kwargs, error, match):
    x, y = np.ones(lhs_shape, np.float32), np.ones(rhs_shape, np.float32)
    with pytest.raises(error, match=match):
        jax.make_jaxpr(lambda x, y: lax.dot_general(x, y, dn, **kwargs))(x, y)


def test_preferred_element_type_rules():
    def out_dtype(lhs_dtype, rhs_dtype, preferred=None):
        x, y = np.ones((2, 3), lhs_dtype), np.ones((3, 4), rhs_dtype)
        jaxpr = jax.make_jaxpr(lambda x, y: lax.dot_general(x, y, _DN, None, preferred))(x, y)
        return jaxpr.jaxpr.outvars[0].aval.dtype

    # The more precise operand type wins, as in XLA (and JAX).
    assert out_dtype(np.float32, np.int32) == np.float32
    assert out_dtype(np.int8, np.uint8) == np.int8
    assert out_dtype(np.bool_, np.uint8) == np.uint8
    assert out_dtype(np.float16, "bfloat16") == np.dtype("bfloat16")
    assert out_dtype(np.float32, np.float32, np.int32) == np.int32
    assert out_dtype(np.float32, np.float32, np.bool_) == np.bool_
    with pytest.raises(TypeError, match=r"preferred_element_type int8 must not be narrower"):
        out_dtype(np.int32, np.int32, np.int8)


@pytest.mark.parametrize("fun, match", [
    (lambda m: lax.dot(m, m), r"lax.dot.*\(2, 3\).*\(2, 3\)"),
    (lambda m: lax.dot(m[None], m.T), r"lax.dot.*\(1, 2, 3\)"),
    (lambda m: lax.batch_matmul(m[0], m[0]), r"batch_matmul.*at least 2.*1 and 1"),
    (lambda m: lax.batch_matmul(m, m.T[None]), r"batch_matmul.*equal rank.*2 and 3"),
])
def test_dot_wrapper_errors(fun, match):
    with pytest.raises(ValueError, match=match):
        fun(np.ones(SHAPE, np.float32))
