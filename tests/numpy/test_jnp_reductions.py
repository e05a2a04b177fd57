"""jnp reductions (sum, prod, max, min, mean, var, std, argmax, argmin, all, any,
count_nonzero, ptp, allclose): values against numpy for several axis/keepdims choices,
eagerly and under jit; dtypes against a table recorded from JAX 0.10.2; `where`, `initial`,
`dtype`, `ddof`; the primitives they emit; and their errors.

Inputs have shape (2, 3); each test computes all its axis choices in one function, so that
jit compiles it once, and hypothesis varies only values.
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

SHAPE = (2, 3)
# (axis, keepdims) choices every reduction is checked with.
AXES = [(None, False), (0, True), (-1, False), ((0, 1), True), (1, True)]

FLOATS = hnp.arrays(np.float32, SHAPE, elements=st.floats(-10, 10, width=32,
                                                          allow_subnormal=False))
INTS = hnp.arrays(np.int32, SHAPE, elements=st.integers(-5, 5))
BOOLS = hnp.arrays(np.bool_, SHAPE)

_funs = {}


def _all_axes(name, kwargs):
    """Returns (fun, jit(fun)) where fun computes jnp.<name>(x, axis, keepdims, **kwargs) for
    every AXES choice, so that jit compiles all of them at once."""
    key = (name, tuple(sorted(kwargs.items())))
    if key not in _funs:
        def fun(x):
            return [getattr(jnp, name)(x, axis=a, keepdims=k, **kwargs) for a, k in AXES]
        _funs[key] = (fun, jax.jit(fun))
    return _funs[key]


def check_all_axes(name, x, rtol=2e-6, **kwargs):
    """Asserts jnp.<name> equals np.<name> on x for every AXES choice, eagerly and jitted
    (values only: result dtypes are checked against JAX's table)."""
    fun, jitted = _all_axes(name, kwargs)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = [np.asarray(getattr(np, name)(x, axis=a, keepdims=k, **kwargs))
                    for a, k in AXES]
        results = {"eager": fun(x), "jit": jitted(x)}
    for where, got_all in results.items():
        for got, want, (a, k) in zip(got_all, expected, AXES):
            assert_allclose(got, want.astype(np.asarray(got).dtype), rtol=rtol, atol=rtol,
                            err_msg=f"{where}: {name}(axis={a}, keepdims={k}, {kwargs})")


# ---------------------------------------------------------------------------------------------
# Result dtypes, as JAX 0.10.2 gives them (inputs of shape (2, 3) or Python scalars).

REDUCTIONS = {
    "sum": "i32 i32 u32 i32 i32 u32 f16 bf16 f32 c64 i32 i32 f32 c64",
    "prod": "i32 i32 u32 i32 i32 u32 f16 bf16 f32 c64 i32 i32 f32 c64",
    "mean": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 c64 f32 f32 f32 c64",
    "var": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 f32 f32 f32 f32 f32",
    "std": "f32 f32 f32 f32 f32 f32 f16 bf16 f32 f32 f32 f32 f32 f32",
    "max": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 b i32 f32 c64",
    "min": "b i8 u8 i16 i32 u32 f16 bf16 f32 c64 b i32 f32 c64",
    "argmax": "i32 i32 i32 i32 i32 i32 i32 i32 i32 TE i32 i32 i32 TE",
    "argmin": "i32 i32 i32 i32 i32 i32 i32 i32 i32 TE i32 i32 i32 TE",
    "all": "b b b b b b b b b b b b b b",
    "any": "b b b b b b b b b b b b b b",
    "count_nonzero": "i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32",
    "ptp": "TE i8 u8 i16 i32 u32 f16 bf16 f32 c64 TE i32 f32 c64",
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_result_dtypes(name):
    columns = [(d,) for d in DTYPES] + [(s,) for s in SCALARS]
    check_row(getattr(jnp, name), columns, REDUCTIONS[name], SHAPE)


def test_dtype_arguments():
    i8 = np.ones(SHAPE, np.int8)
    assert jnp.sum(i8, dtype=jnp.float32).dtype == np.float32
    assert jnp.sum(i8, promote_integers=False).dtype == np.int8
    assert jnp.sum(np.ones(SHAPE, np.uint8)).dtype == np.uint32
    assert jnp.prod(i8, dtype=np.int16).dtype == np.int16
    assert jnp.mean(i8, dtype=jnp.float16).dtype == np.float16
    assert jnp.var(np.ones(SHAPE, np.complex64)).dtype == np.float32
    assert jnp.sum(np.ones(SHAPE, bool), dtype=bool).dtype == np.bool_
    assert not jnp.sum(2.0).weak_type


# (name, operand, JAX 0.10.2's result with x64 on): sums accumulate in 64-bit integers,
# means and variances of integers up to 32 bits are float32.
X64_RESULTS = [
    ("sum", "int32", "i64"), ("sum", "uint8", "u64"), ("sum", "uint32", "u64"),
    ("prod", "bool", "i64"), ("mean", "int32", "f32"), ("mean", "int64", "f64"),
    ("mean", 2, "f64"), ("mean", True, "f32"), ("var", "int8", "f32"),
    ("var", "complex128", "f64"), ("argmax", "float64", "i64"),
    ("count_nonzero", "float32", "i64"),
]


@pytest.mark.parametrize("name, spec, expected", X64_RESULTS)
def test_result_dtypes_x64(x64, name, spec, expected):
    assert describe(getattr(jnp, name), [operand(spec, SHAPE)]) == expected


# ---------------------------------------------------------------------------------------------
# Values.

@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "var", "std", "ptp",
                                  "all", "any", "count_nonzero"])
@given(x=FLOATS)
def test_float_reductions(name, x):
    rtol = 1e-5 if name in ("var", "std", "prod") else 2e-6
    check_all_axes(name, x, rtol=rtol)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "ptp", "all",
                                  "count_nonzero"])
@given(x=INTS)
def test_int_reductions(name, x):
    check_all_axes(name, x, rtol=1e-6)


@pytest.mark.parametrize("name", ["sum", "max", "any", "all", "mean"])
@given(x=BOOLS)
def test_bool_reductions(name, x):
    check_all_axes(name, x)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(x=hnp.arrays(np.float32, SHAPE, elements=st.sampled_from([-1.0, 0.0, 2.0, np.nan])))
def test_arg_reductions(name, x):
    # Ties go to the first index, NaN wins, as in numpy.
    fun = getattr(jnp, name)
    for axis in (None, 0, -1):
        for keepdims in (False, True):
            expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
            assert_allclose(fun(x, axis=axis, keepdims=keepdims), expected.astype(np.int32))
    assert_allclose(jax.jit(fun, static_argnums=1)(x, 1), getattr(np, name)(x, 1)
                    .astype(np.int32))


@given(x=FLOATS, ddof=st.sampled_from([0, 1]))
def test_var_std_ddof(x, ddof):
    check_all_axes("var", x, rtol=1e-5, ddof=ddof)
    check_all_axes("std", x, rtol=1e-5, ddof=ddof)
    assert_allclose(jnp.std(x, correction=ddof), np.std(x, ddof=ddof), rtol=1e-5, atol=1e-5)


@given(re=FLOATS, im=FLOATS)
def test_complex_mean_and_var(re, im):
    z = (re + 1j * im).astype(np.complex64)
    assert_allclose(jnp.mean(z, axis=0), np.mean(z, axis=0), rtol=1e-5, atol=1e-5)
    assert_allclose(jnp.var(z, axis=1), np.var(z, axis=1).astype(np.float32), rtol=1e-5,
                    atol=1e-5)


@given(x=FLOATS, mask=BOOLS)
def test_where_masks(x, mask):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        assert_allclose(jnp.sum(x, axis=1, where=mask), np.sum(x, axis=1, where=mask),
                        rtol=1e-6, atol=1e-6)
        assert_allclose(jnp.prod(x, where=mask), np.prod(x, where=mask), rtol=1e-5)
        assert_allclose(jnp.mean(x, axis=0, where=mask), np.mean(x, axis=0, where=mask),
                        rtol=1e-6, atol=1e-6)
        assert_allclose(jnp.var(x, where=mask), np.var(x, where=mask).astype(np.float32),
                        rtol=1e-5, atol=1e-5)
        assert_allclose(jnp.max(x, axis=1, where=mask, initial=-5.0),
                        np.max(x, axis=1, where=mask, initial=-5.0))
        assert_allclose(jnp.min(x, where=mask, initial=5.0), np.min(x, where=mask, initial=5.0))
        assert_allclose(jnp.all(x > 0, where=mask), np.all(x > 0, where=mask))
        assert_allclose(jnp.any(x > 0, axis=0, where=mask[0]), np.any(x > 0, axis=0,
                                                                     where=mask[0]))


@given(x=FLOATS)
def test_initial(x):
    assert_allclose(jnp.sum(x, axis=0, initial=5.0), np.sum(x, axis=0, initial=5.0),
                    rtol=1e-6, atol=1e-6)
    assert_allclose(jnp.max(x, initial=3.0), np.max(x, initial=3.0))
    assert_allclose(jnp.min(x, axis=1, initial=-3.0), np.min(x, axis=1, initial=-3.0))


def test_empty_reductions():
    empty = np.ones((0, 3), np.float32)
    assert_allclose(jnp.sum(empty, axis=0), np.zeros(3, np.float32))
    assert_allclose(jnp.prod(empty), np.float32(1))
    assert_allclose(jnp.max(empty, axis=0, initial=-1.0), np.full(3, -1.0, np.float32))
    assert np.isnan(np.asarray(jnp.mean(empty)))
    assert bool(jnp.all(empty)) and not bool(jnp.any(empty))


@given(x=FLOATS, noise=st.sampled_from([0.0, 1e-7, 1e-3]))
def test_allclose(x, noise):
    assert bool(jnp.allclose(x, x + noise)) == np.allclose(x, x + noise)


def test_array_methods_delegate():
    x = np.arange(6, dtype=np.float32).reshape(SHAPE)
    a = jnp.asarray(x)
    assert_allclose(a.sum(axis=1), x.sum(axis=1))
    assert_allclose(a.mean(0, keepdims=True), x.mean(0, keepdims=True))
    assert_allclose(a.argmax(), np.int32(5))
    assert_allclose(a.max(axis=-1), x.max(axis=-1))


# ---------------------------------------------------------------------------------------------
# The primitives they emit.

def _eqns(fun, x):
    jaxpr = jax.make_jaxpr(fun)(x).jaxpr
    check_jaxpr(jaxpr)
    return [(e.primitive.name, e.params) for e in jaxpr.eqns]


def test_jaxprs():
    x = np.ones(SHAPE, np.float32)
    eqns = _eqns(lambda v: jnp.sum(v, axis=1, keepdims=True), x)
    assert [n for n, _ in eqns] == ["reduce_sum", "broadcast_in_dim"]
    assert eqns[0][1]["axes"] == (1,)
    assert [n for n, _ in _eqns(jnp.mean, x.astype(np.int8))] == [
        "convert_element_type", "reduce_sum", "div"]
    assert [n for n, _ in _eqns(jnp.all, x)] == ["convert_element_type", "reduce_and"]
    eqns = _eqns(jnp.argmax, x)
    assert [n for n, _ in eqns] == ["reshape", "argmax"]
    assert eqns[1][1]["index_dtype"] == np.int32


# ---------------------------------------------------------------------------------------------
# Errors.

@pytest.mark.parametrize("expr, error, pattern", [
    (lambda x: jnp.sum(x, axis=2), ValueError, r"sum: axis 2 .* dimension 2"),
    (lambda x: jnp.mean(x, axis=-3), ValueError, r"mean: axis -3 .* dimension 2"),
    (lambda x: jnp.max(x, axis=(0, 0)), ValueError, "max: duplicate value in 'axis'"),
    (lambda x: jnp.argmax(x, axis=(0, 1)), TypeError, "argmax: axis must be an int"),
    (lambda x: jnp.argmax(x, axis=5), ValueError, r"argmax: axis 5 .* dimension 2"),
    (lambda x: jnp.max(x, where=x > 0), ValueError, "where mask .* 'initial'"),
    (lambda x: jnp.max(x[:0]), ValueError, "zero-size array to reduction operation max"),
    (lambda x: jnp.argmin(x[:0]), ValueError, "argmin of an empty sequence"),
    (lambda x: jnp.argmax(x.astype(np.complex64)), TypeError, "argmax.*complex"),
    (lambda x: jnp.sum(x, axis=1.5), TypeError, "sum: axis must be an int"),
    (lambda x: jnp.sum(x, out=x), NotImplementedError, "'out' argument to jnp.sum"),
    (lambda x: jnp.var(x, ddof=1, correction=1), ValueError, "ddof and correction"),
    (lambda x: jnp.sum(list(x)), TypeError, "sum requires ndarray or scalar arguments"),
])
def test_errors(expr, error, pattern):
    with pytest.raises(error, match=pattern):
        expr(np.ones(SHAPE, np.float32))
