"""Tests for jaxlike.dtypes: promotion against JAX's table, canonicalization, errors.

The reference table tests/data/promotion_table.json is produced by
tests/data/make_promotion_table.py running the real JAX; see that script for
what each operand name ("py:int", "type:float", "weak:uint8", ...) means.
"""
import json
import os

import ml_dtypes
import numpy as np
import pytest

from jaxlike import dtypes
from jaxlike.config import config

TABLE_PATH = os.path.join(os.path.dirname(__file__), "data", "promotion_table.json")
with open(TABLE_PATH) as _f:
    TABLE = json.load(_f)

OPERANDS = TABLE["operands"]
MODES = {"x64_off": False, "x64_on": True}

PY_SCALARS = {"py:bool": True, "py:int": 1, "py:float": 1.0, "py:complex": 1j}
PY_TYPES = {"type:bool": bool, "type:int": int, "type:float": float, "type:complex": complex}


class WeakThing:
    """Stands in for a weakly typed jaxlike array: has `.dtype` and `.weak_type`."""

    def __init__(self, dtype, weak_type=True):
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type


class AvalHolder:
    """Stands in for a tracer: dtype and weak flag live on `.aval`."""

    def __init__(self, dtype, weak_type):
        self.aval = WeakThing(dtype, weak_type)
        self.dtype = self.aval.dtype


def make_operand(spec, mode_table):
    if spec in PY_SCALARS:
        return PY_SCALARS[spec]
    if spec in PY_TYPES:
        return PY_TYPES[spec]
    if spec.startswith("weak:"):
        name, weak = mode_table["weak_array_dtypes"][spec]
        return WeakThing(name, weak)
    return np.dtype(spec)


@pytest.fixture
def x64_mode(request):
    """Sets jax_enable_x64 to request.param (a bool) and restores it afterwards."""
    saved = config.jax_enable_x64
    config.update("jax_enable_x64", request.param)
    try:
        yield request.param
    finally:
        config.update("jax_enable_x64", saved)


@pytest.fixture(params=[False, True], ids=["x64_off", "x64_on"])
def x64(request):
    """Runs a test once with x64 off and once on, restoring the setting afterwards."""
    saved = config.jax_enable_x64
    config.update("jax_enable_x64", request.param)
    try:
        yield request.param
    finally:
        config.update("jax_enable_x64", saved)


def _expected(cell):
    return tuple(cell) if cell[0] == "error" else (np.dtype(cell[0]), cell[1])


def _actual(*args):
    try:
        dt, weak = dtypes.result_type(*args, return_weak_type_flag=True)
    except (TypeError, ValueError) as e:
        return ("error", type(e).__name__)
    return (dt, weak)


# ---------------------------------------------------------------------------
# Against the reference table.

@pytest.mark.parametrize("x64_mode,mode", [(v, k) for k, v in MODES.items()],
                         indirect=["x64_mode"], ids=list(MODES))
def test_result_type_single_matches_jax(x64_mode, mode):
    table = TABLE[mode]
    bad = []
    for spec in OPERANDS:
        got = _actual(make_operand(spec, table))
        want = _expected(table["result_type_single"][spec])
        if got != want:
            bad.append(f"{spec}: got {got}, want {want}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("x64_mode,mode", [(v, k) for k, v in MODES.items()],
                         indirect=["x64_mode"], ids=list(MODES))
@pytest.mark.parametrize("row", OPERANDS)
def test_result_type_pairs_match_jax(x64_mode, mode, row):
    table = TABLE[mode]
    i = OPERANDS.index(row)
    a = make_operand(row, table)
    bad = []
    for j, col in enumerate(OPERANDS):
        got = _actual(a, make_operand(col, table))
        want = _expected(table["result_type"][i][j])
        if got != want:
            bad.append(f"({row}, {col}): got {got}, want {want}")
        # The flag-less form returns just the dtype.
        if want[0] != "error":
            assert dtypes.result_type(a, make_operand(col, table)) == want[0]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("x64_mode,mode", [(v, k) for k, v in MODES.items()],
                         indirect=["x64_mode"], ids=list(MODES))
def test_result_type_triples_match_jax(x64_mode, mode):
    table = TABLE[mode]
    ops = TABLE["triple_operands"]
    rows = table["result_type_triples"]
    bad = []
    r = 0
    for a in ops:
        for b in ops:
            for k, c in enumerate(ops):
                args = [make_operand(s, table) for s in (a, b, c)]
                got, want = _actual(*args), _expected(rows[r][k])
                if got != want:
                    bad.append(f"({a}, {b}, {c}): got {got}, want {want}")
            r += 1
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("x64_mode,mode", [(v, k) for k, v in MODES.items()],
                         indirect=["x64_mode"], ids=list(MODES))
def test_promote_types_matches_jax(x64_mode, mode):
    ops = TABLE["promote_operands"]
    matrix = TABLE[mode]["promote_types"]
    bad = []
    for i, a in enumerate(ops):
        for j, b in enumerate(ops):
            want = matrix[i][j]
            oa, ob = make_operand(a, TABLE[mode]), make_operand(b, TABLE[mode])
            try:
                got = dtypes.promote_types(oa, ob)
            except (TypeError, ValueError) as e:
                got = ["error", type(e).__name__]
            if isinstance(want, list):
                ok = got == want
            else:
                ok = isinstance(got, np.dtype) and got == np.dtype(want)
            if not ok:
                bad.append(f"({a}, {b}): got {got}, want {want}")
    assert not bad, "\n".join(bad)


def test_issubdtype_matches_jax():
    cats = [getattr(np, c) for c in TABLE["issubdtype_categories"]]
    names = list(TABLE["issubdtype"])
    bad = []
    for a, row in TABLE["issubdtype"].items():
        others = cats + [np.dtype(n) for n in names]
        for b, want in zip(others, row):
            got = dtypes.issubdtype(np.dtype(a), b)
            if got != want:
                bad.append(f"issubdtype({a}, {b}): got {got}, want {want}")
    assert not bad, "\n".join(bad)


def test_weak_flag_via_aval(x64):
    # Tracers keep the weak flag on their aval.
    t = AvalHolder(np.float32, True)
    assert dtypes.is_weakly_typed(t)
    assert dtypes.result_type(t, np.float16, return_weak_type_flag=True) == (
        np.dtype(np.float16), False)
    assert dtypes.result_type(t, np.int8, return_weak_type_flag=True) == (
        dtypes.default_float_dtype(), True)
    s = AvalHolder(np.float32, False)
    assert not dtypes.is_weakly_typed(s)
    assert dtypes.result_type(s, np.float16) == np.dtype(np.float32)


# ---------------------------------------------------------------------------
# The lattice itself.

def test_lattice_is_a_join_semilattice():
    # Every pair of nodes has a unique least upper bound in both lattices;
    # _least_upper_bound asserts uniqueness internally.
    for x64 in (False, True):
        nodes = list(dtypes._UB[x64])
        for a in nodes:
            for b in nodes:
                ab = dtypes._least_upper_bound(frozenset((a, b)), x64)
                assert ab == dtypes._least_upper_bound(frozenset((b, a)), x64)
                assert ab in dtypes._UB[x64][a] and ab in dtypes._UB[x64][b]


def test_promote_types_is_commutative_and_idempotent(x64):
    for a in dtypes.supported_dtypes:
        assert dtypes.promote_types(a, a) == a
        for b in dtypes.supported_dtypes:
            assert dtypes.promote_types(a, b) == dtypes.promote_types(b, a)


def test_result_type_of_many_strong_dtypes_is_the_join(x64):
    all_ints = [np.int8, np.int16, np.uint8, np.uint16]
    assert dtypes.result_type(*all_ints) == np.dtype(np.int32)
    assert dtypes.result_type(np.float16, ml_dtypes.bfloat16, np.int8) == np.dtype(np.float32)
    assert dtypes.result_type(np.float64, np.complex64) == dtypes.default_complex_dtype()


# ---------------------------------------------------------------------------
# Canonicalization and dtype().

@pytest.mark.parametrize("x64_mode", [False], indirect=True)
def test_canonicalize_x64_off(x64_mode):
    c = dtypes.canonicalize_dtype
    assert c(np.int64) == np.dtype(np.int32)
    assert c(np.uint64) == np.dtype(np.uint32)
    assert c(np.float64) == np.dtype(np.float32)
    assert c(np.complex128) == np.dtype(np.complex64)
    assert c(float) == np.dtype(np.float32)
    assert c(int) == np.dtype(np.int32)
    assert c(complex) == np.dtype(np.complex64)
    assert c(bool) == np.dtype(np.bool_)
    assert c("float64") == np.dtype(np.float32)
    assert c("bfloat16") == np.dtype(ml_dtypes.bfloat16)
    assert c(ml_dtypes.bfloat16) == np.dtype(ml_dtypes.bfloat16)
    assert c(np.dtype(">f8")) == np.dtype(np.float32)
    assert c(None) == np.dtype(np.float32)
    assert c(np.int8) == np.dtype(np.int8)
    assert c(np.float16) == np.dtype(np.float16)
    assert c(dtypes.float0) == dtypes.float0
    assert c(np.zeros(3, np.int64)) == np.dtype(np.int32)


@pytest.mark.parametrize("x64_mode", [True], indirect=True)
def test_canonicalize_x64_on(x64_mode):
    c = dtypes.canonicalize_dtype
    for d in dtypes.supported_dtypes:
        assert c(d) == d
        assert c(d.name) == d
        assert c(d.type) == d
    assert c(float) == np.dtype(np.float64)
    assert c(int) == np.dtype(np.int64)
    assert c(None) == np.dtype(np.float64)
    assert c(np.dtype(">i4")) == np.dtype(np.int32)


def test_canonicalize_follows_config_toggle():
    saved = config.jax_enable_x64
    try:
        config.update("jax_enable_x64", False)
        assert dtypes.canonicalize_dtype(np.float64) == np.dtype(np.float32)
        assert dtypes.result_type(1.0) == np.dtype(np.float32)
        config.update("jax_enable_x64", True)
        assert dtypes.canonicalize_dtype(np.float64) == np.dtype(np.float64)
        assert dtypes.result_type(1.0) == np.dtype(np.float64)
    finally:
        config.update("jax_enable_x64", saved)


def test_python_scalar_dtypes():
    assert dtypes.python_scalar_dtypes == {
        bool: np.dtype(np.bool_), int: np.dtype(np.int64),
        float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


def test_dtype_of_values(x64):
    d = dtypes.dtype
    assert d(True) == np.dtype(np.bool_)
    assert d(1) == np.dtype(np.int64)
    assert d(1.0) == np.dtype(np.float64)
    assert d(1j) == np.dtype(np.complex128)
    assert d(1.0, canonicalize=True) == dtypes.default_float_dtype()
    assert d(np.float32(1)) == np.dtype(np.float32)
    assert d(np.float64(1)) == np.dtype(np.float64)  # a float subclass, still numpy
    assert d(np.zeros(2, np.uint16)) == np.dtype(np.uint16)
    assert d(np.zeros(2, np.int64), canonicalize=True) == dtypes.default_int_dtype()
    assert d(WeakThing(np.int8)) == np.dtype(np.int8)
    assert d("bfloat16") == np.dtype(ml_dtypes.bfloat16)
    assert d(np.float16) == np.dtype(np.float16)
    assert d(float) == np.dtype(np.float64)
    assert d(np.dtype(np.int8)) == np.dtype(np.int8)

    class ScalarType:  # like jaxlike.numpy.float32: a class carrying `.dtype`
        dtype = np.dtype(np.float32)

    assert d(ScalarType) == np.dtype(np.float32)


def test_is_weakly_typed():
    w = dtypes.is_weakly_typed
    assert w(1) and w(1.0) and w(1j)
    assert not w(True)
    assert not w(np.float32(1)) and not w(np.float64(1)) and not w(np.int64(1))
    assert not w(np.zeros(3))
    assert not w(np.dtype(np.float32))
    assert w(WeakThing(np.float32, True))
    assert not w(WeakThing(np.float32, False))


def test_result_type_special_operands(x64):
    assert dtypes.result_type(None) == dtypes.default_float_dtype()
    assert dtypes.result_type("float16", "int8") == np.dtype(np.float16)
    assert dtypes.result_type(np.zeros(3, np.int64)) == dtypes.default_int_dtype()
    assert dtypes.result_type(np.float32(1), 2.0) == np.dtype(np.float32)
    assert dtypes.result_type(np.uint8, 3, return_weak_type_flag=True) == (
        np.dtype(np.uint8), False)
    assert dtypes.result_type(dtypes.float0) == dtypes.float0
    assert dtypes.result_type(dtypes.float0, dtypes.float0) == dtypes.float0


def test_defaults(x64):
    if x64:
        want = (np.int64, np.uint64, np.float64, np.complex128)
    else:
        want = (np.int32, np.uint32, np.float32, np.complex64)
    got = (dtypes.default_int_dtype(), dtypes.default_uint_dtype(),
           dtypes.default_float_dtype(), dtypes.default_complex_dtype())
    assert got == tuple(np.dtype(t) for t in want)
    assert all(isinstance(g, np.dtype) for g in got)


def test_kind_predicates():
    bf16 = np.dtype(ml_dtypes.bfloat16)
    assert dtypes.is_float(bf16) and dtypes.is_float(np.float16) and dtypes.is_float("float64")
    assert not dtypes.is_float(np.complex64) and not dtypes.is_float(np.int32)
    assert dtypes.is_int(np.int8) and dtypes.is_int(np.uint64) and not dtypes.is_int(np.bool_)
    assert not dtypes.is_int(bf16)
    assert dtypes.is_complex(np.complex128) and not dtypes.is_complex(np.float64)
    assert dtypes.is_unsigned(np.uint8) and not dtypes.is_unsigned(np.int8)
    assert not dtypes.is_unsigned(np.bool_)


def test_issubdtype_extras():
    bf16 = ml_dtypes.bfloat16
    assert dtypes.issubdtype(bf16, np.floating)
    assert dtypes.issubdtype(bf16, np.inexact)
    assert dtypes.issubdtype(bf16, np.number)
    assert dtypes.issubdtype(bf16, bf16)
    assert dtypes.issubdtype("bfloat16", np.floating)
    assert not dtypes.issubdtype(bf16, np.float16)
    assert not dtypes.issubdtype(bf16, np.complexfloating)
    assert not dtypes.issubdtype(np.float32, bf16)
    assert dtypes.issubdtype(float, np.floating)
    assert dtypes.issubdtype(int, np.signedinteger)
    assert dtypes.issubdtype(np.float32, "float32")
    assert dtypes.issubdtype(dtypes.float0, np.void)
    assert not dtypes.issubdtype(np.bool_, np.integer)
    assert dtypes.issubdtype(np.zeros(2, np.uint8), np.unsignedinteger)


def test_iinfo_finfo():
    assert dtypes.iinfo(np.int8).max == 127
    assert dtypes.iinfo("uint16").max == 65535
    assert dtypes.iinfo(np.int32).min == -2**31
    f = dtypes.finfo(ml_dtypes.bfloat16)
    assert f.bits == 16 and f.dtype == np.dtype(ml_dtypes.bfloat16)
    assert float(f.eps) == 2.0 ** -7
    assert dtypes.finfo(np.float32).eps == np.finfo(np.float32).eps
    assert dtypes.finfo(float).dtype == np.dtype(np.float64)
    assert dtypes.finfo(np.complex64).dtype == np.dtype(np.float32)


def test_supported_dtypes_and_float0():
    names = [d.name for d in dtypes.supported_dtypes]
    assert names == ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                     "uint64", "float16", "bfloat16", "float32", "float64", "complex64",
                     "complex128"]
    assert all(isinstance(d, np.dtype) for d in dtypes.supported_dtypes)
    assert dtypes.float0 == np.dtype([("float0", np.void, 0)])
    assert dtypes.float0.itemsize == 0


# ---------------------------------------------------------------------------
# Errors.

@pytest.mark.parametrize("bad", [object, np.object_, "U5", np.str_, np.dtype("M8[s]"),
                                 "datetime64", np.void, np.dtype("V4"),
                                 ml_dtypes.float8_e4m3fn, "int4", np.longdouble])
def test_unsupported_dtypes_raise_type_error(bad):
    with pytest.raises(TypeError) as info:
        dtypes.canonicalize_dtype(bad)
    msg = str(info.value)
    assert "supported dtypes are: bool, int8" in msg
    assert "bfloat16" in msg and "complex128" in msg
    with pytest.raises(TypeError):
        dtypes.dtype(bad)
    with pytest.raises(TypeError):
        dtypes.result_type(bad, np.float32)
    with pytest.raises(TypeError):
        dtypes.promote_types(bad, np.float32)


def test_unsupported_dtype_message_names_the_dtype():
    with pytest.raises(TypeError, match="object"):
        dtypes.canonicalize_dtype(object)
    with pytest.raises(TypeError, match="datetime64"):
        dtypes.canonicalize_dtype(np.dtype("M8[s]"))
    with pytest.raises(TypeError, match="not understood"):
        dtypes.canonicalize_dtype("floot32")
    with pytest.raises(TypeError, match="U5|str"):
        dtypes.result_type(np.array(["abcde"]))


def test_result_type_requires_operands():
    with pytest.raises(TypeError, match="at least one"):
        dtypes.result_type()
    with pytest.raises(ValueError):  # JAX raises ValueError here
        dtypes.result_type()


def test_dtype_errors():
    with pytest.raises(ValueError):
        dtypes.dtype(None)
    with pytest.raises(TypeError, match="Cannot determine dtype"):
        dtypes.dtype([1, 2])


def test_float0_does_not_promote():
    with pytest.raises(dtypes.TypePromotionError):
        dtypes.result_type(dtypes.float0, np.int8)
    with pytest.raises(ValueError):
        dtypes.promote_types(dtypes.float0, np.float32)
    assert dtypes.promote_types(dtypes.float0, dtypes.float0) == dtypes.float0


def test_check_int_fits():
    dtypes.check_int_fits(2**31 - 1, np.int32)
    dtypes.check_int_fits(-2**31, np.int32)
    dtypes.check_int_fits(2**64 - 1, np.uint64)
    dtypes.check_int_fits(2**200, np.float32)  # rounds to inf, as in JAX
    dtypes.check_int_fits(7, np.bool_)
    with pytest.raises(OverflowError, match=r"Python int 2147483648 too large to convert to int32"):
        dtypes.check_int_fits(2**31, np.int32)
    with pytest.raises(OverflowError,
                       match=r"Python int -1099511627776 too large to convert to int32"):
        dtypes.check_int_fits(-2**40, np.dtype(np.int32))
    with pytest.raises(OverflowError, match="uint8"):
        dtypes.check_int_fits(-1, np.uint8)
    with pytest.raises(OverflowError, match="int64"):
        dtypes.check_int_fits(2**63, "int64")
    with pytest.raises(OverflowError, match="float64"):
        dtypes.check_int_fits(2**1030, np.float64)
