"""jnp's dtype objects: the scalar types (jnp.float32 ...), which build arrays when called and
stand for their dtype everywhere else; dtype queries (iinfo, finfo, promote_types,
result_type, issubdtype, can_cast, isdtype), numpy's abstract types and the constants.
Expected values were printed by JAX 0.10.2."""
import pickle
import warnings

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp

from helpers import assert_allclose

SCALAR_TYPES = {
    "bool_": np.bool_, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
    "uint64": np.uint64, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16,
    "float32": np.float32, "float64": np.float64, "complex64": np.complex64,
    "complex128": np.complex128,
}


# ---------------------------------------------------------------------------------------------
# Scalar types.

@pytest.mark.parametrize("name", sorted(SCALAR_TYPES))
def test_scalar_types_stand_for_their_dtype(name):
    t, np_type = getattr(jnp, name), SCALAR_TYPES[name]
    assert t.dtype == np.dtype(np_type)
    assert jnp.dtype(t) == np.dtype(np_type) and np.dtype(t) == np.dtype(np_type)
    assert t == np_type and np_type == t and np.dtype(np_type) == t
    assert hash(t) == hash(np_type) and {np_type: 1}[t] == 1
    assert pickle.loads(pickle.dumps(t)) is t
    assert repr(t) == f"<class 'jaxlike.numpy.{t.__name__}'>"
    assert np.zeros(2, t).dtype == np.dtype(np_type)


@pytest.mark.parametrize("name", ["bool_", "int8", "uint8", "int32", "float16", "bfloat16",
                                  "float32", "complex64"])
def test_scalar_types_as_dtype_arguments(name):
    t = getattr(jnp, name)
    assert jnp.zeros(2, t).dtype == t.dtype
    assert jnp.ones(2, dtype=t).dtype == t.dtype
    assert jnp.ones(2).astype(t).dtype == t.dtype
    assert jnp.sum(np.ones(3, np.int8), dtype=jnp.int32).dtype == np.int32


@given(value=st.floats(-100, 100, width=32))
def test_calling_a_scalar_type_makes_a_strong_array(value):
    x = jnp.float32(value)
    assert isinstance(x, jax.Array) and x.dtype == np.float32 and not x.weak_type
    assert_allclose(x, np.float32(value))
    assert_allclose(jnp.int32(value), np.int32(value))
    assert_allclose(jnp.bool_(value), np.bool_(value))
    assert_allclose(jnp.bfloat16(value), ml_dtypes.bfloat16(value))


def test_calling_converts_arrays_lists_and_tracers():
    assert_allclose(jnp.float32([1, 2]), np.array([1.0, 2.0], np.float32))
    assert_allclose(jnp.int8(np.array([1.7, -2.2])), np.array([1, -2], np.int8))
    jaxpr = jax.make_jaxpr(lambda x: jnp.float32(x))(np.ones(2, np.int32)).jaxpr
    assert [e.primitive.name for e in jaxpr.eqns] == ["convert_element_type"]
    assert_allclose(jax.jit(jnp.float16)(np.arange(3)), np.arange(3, dtype=np.float16))
    assert not isinstance(jnp.float32(1), jnp.float32)  # it is an Array
    assert isinstance(np.float32(1), jnp.float32)


def test_sixty_four_bit_types_follow_x64():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert jnp.float64(2).dtype == np.float32 and jnp.int_(2).dtype == np.int32


def test_sixty_four_bit_types_with_x64(x64):
    assert jnp.float64(2).dtype == np.float64 and jnp.int64(2).dtype == np.int64
    assert jnp.complex128(1j).dtype == np.complex128


def test_aliases():
    assert jnp.bool is jnp.bool_
    assert jnp.int_ is jnp.int64 and jnp.uint is jnp.uint64
    assert jnp.float_ is jnp.float64 and jnp.complex_ is jnp.complex128
    assert jnp.single is jnp.float32 and jnp.double is jnp.float64
    assert jnp.csingle is jnp.complex64 and jnp.cdouble is jnp.complex128
    assert jnp.dtype is np.dtype
    for name in ["generic", "number", "integer", "signedinteger", "unsignedinteger",
                 "inexact", "floating", "complexfloating"]:
        assert getattr(jnp, name) is getattr(np, name)


def test_calling_rejects_values_out_of_range():
    with pytest.raises(OverflowError):
        jnp.uint8(300)


# ---------------------------------------------------------------------------------------------
# Dtype queries.

def test_iinfo_and_finfo():
    assert jnp.iinfo(jnp.int8).min == -128 and jnp.iinfo(jnp.uint16).max == 65535
    assert jnp.iinfo(jnp.ones(2, jnp.int32)).bits == 32
    assert jnp.finfo(jnp.bfloat16).eps == 0.0078125
    assert jnp.finfo(jnp.float32).max == np.finfo(np.float32).max
    assert jnp.finfo(jnp.complex64).dtype == np.float32
    with pytest.raises(ValueError):
        jnp.iinfo(jnp.float32)


@pytest.mark.parametrize("a, b, expected", [
    ("int8", "uint8", "int16"), ("bfloat16", "float16", "float32"), (float, "int32", "float64"),
    ("int64", "int8", "int64"), ("uint64", "int64", "float64"), ("bool", "int8", "int8"),
    (int, "uint8", "uint8"), (complex, "float16", "complex64"), ("uint32", "int32", "int32"),
    (float, int, "float64"), (jnp.int8, jnp.uint8, "int16"),
])
def test_promote_types(a, b, expected):
    assert jnp.promote_types(a, b) == np.dtype(expected)
    assert jnp.promote_types(b, a) == np.dtype(expected)


RESULT_TYPES = [  # (args, x64 off, x64 on)
    ((jnp.int8, 2.0), "float32", "float64"),
    ((np.ones(2, np.float32), 2), "float32", "float32"),
    ((2, 3.0), "float32", "float64"),
    ((float,), "float32", "float64"),
    ((jnp.int64,), "int32", "int64"),
    ((np.int8(1), np.uint8(1)), "int16", "int16"),
    ((jnp.bfloat16, 2j), "complex64", "complex64"),
    ((True, 2), "int32", "int64"),
    (("uint8", jnp.int16), "int16", "int16"),
]


@pytest.mark.parametrize("args, expected, _", RESULT_TYPES)
def test_result_type(args, expected, _):
    assert jnp.result_type(*args) == np.dtype(expected)


@pytest.mark.parametrize("args, _, expected", RESULT_TYPES)
def test_result_type_x64(x64, args, _, expected):
    assert jnp.result_type(*args) == np.dtype(expected)


def test_result_type_of_arrays():
    assert jnp.result_type(jnp.ones(2, jnp.float16), 2.0) == np.float16
    assert jnp.result_type(jnp.asarray(2.0), jnp.int8) == np.float32


@pytest.mark.parametrize("a, b, expected", [
    (jnp.float32, jnp.floating, True), (jnp.bfloat16, jnp.floating, True),
    (jnp.bfloat16, jnp.inexact, True), (jnp.int32, jnp.integer, True),
    (jnp.uint8, jnp.signedinteger, False), (jnp.int32, jnp.floating, False),
    (np.float32, jnp.float32, True), (jnp.float32, np.float32, True),
    (jnp.complex64, jnp.complexfloating, True), (jnp.bool_, jnp.number, False),
    (jnp.float16, jnp.float32, False), ("bfloat16", jnp.number, True),
])
def test_issubdtype(a, b, expected):
    assert jnp.issubdtype(a, b) is expected


@pytest.mark.parametrize("a, b, casting, expected", [
    (jnp.int8, jnp.bfloat16, "safe", True), (jnp.uint32, jnp.int32, "safe", False),
    (jnp.int64, jnp.int32, "safe", False), (jnp.float64, jnp.float32, "safe", False),
    (jnp.int32, jnp.float32, "safe", False), (jnp.float16, jnp.bfloat16, "safe", False),
    (jnp.uint8, jnp.int16, "safe", True), (jnp.float32, jnp.int32, "same_kind", False),
    (jnp.float32, jnp.int32, "unsafe", True), (np.ones(2, np.float32), jnp.int32, "safe", False),
])
def test_can_cast(a, b, casting, expected):
    assert jnp.can_cast(a, b, casting) is expected


def test_can_cast_rejects_python_scalars():
    with pytest.raises(TypeError, match="Python ints, floats, and complex"):
        jnp.can_cast(2, jnp.int8)


@pytest.mark.parametrize("dtype, kind, expected", [
    (jnp.float32, "real floating", True), (jnp.bfloat16, "real floating", True),
    (jnp.int8, ("integral", "bool"), True), (jnp.bool_, "numeric", False),
    (jnp.complex64, "numeric", True), (jnp.uint8, "signed integer", False),
    (jnp.uint8, "unsigned integer", True), (jnp.float32, jnp.float32, True),
    (jnp.int32, (jnp.float32, "integral"), True), ("float32", "complex floating", False),
    (jnp.ones(2), "real floating", True),
])
def test_isdtype(dtype, kind, expected):
    assert jnp.isdtype(dtype, kind) is expected


def test_isdtype_errors():
    with pytest.raises(ValueError, match="Unrecognized kind='foo'"):
        jnp.isdtype(jnp.float32, "foo")
    with pytest.raises(TypeError, match="Expected kind to be a dtype, string, or tuple"):
        jnp.isdtype(jnp.float32, jnp.floating)


# ---------------------------------------------------------------------------------------------
# Constants.

def test_constants():
    assert jnp.pi == np.pi and jnp.e == np.e and jnp.euler_gamma == np.euler_gamma
    assert jnp.inf == np.inf and np.isnan(jnp.nan) and jnp.newaxis is None
    assert jnp.ones(3)[:, jnp.newaxis].shape == (3, 1)
