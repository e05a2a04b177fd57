"""repr/str/format of arrays must match JAX 0.10.2 character for character.

The expected strings come from tests/data/print_reference.json, produced by
tests/data/make_print_reference.py with a real JAX.  The printing module is
pure numpy, so it is loaded straight from its file: these tests do not need
the rest of the package (or a device) to work.
"""

import importlib.util
import json
import os

import ml_dtypes
import numpy as np
import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
_MODULE_PATH = os.path.join(os.path.dirname(_HERE), "jaxlike", "_printing.py")
_DATA_PATH = os.path.join(_HERE, "data", "print_reference.json")


def _load_printing():
    spec = importlib.util.spec_from_file_location("_jaxlike_printing_under_test", _MODULE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


printing = _load_printing()

with open(_DATA_PATH) as _fh:
    _REFERENCE = json.load(_fh)
CASES = _REFERENCE["cases"]


def _dtype(name):
    if hasattr(ml_dtypes, name):
        return np.dtype(getattr(ml_dtypes, name))
    return np.dtype(name)


def _host_value(case):
    dtype = _dtype(case["dtype"])
    flat = np.frombuffer(bytes.fromhex(case["hex"]), dtype=dtype)
    return flat.reshape(case["shape"]), dtype


def _ids(cases):
    return [c["name"] for c in cases]


def test_reference_is_substantial():
    assert len(CASES) >= 80
    dtypes = {c["dtype"] for c in CASES}
    for name in ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float16", "bfloat16", "float32", "float64", "complex64",
                 "complex128"]:
        assert name in dtypes, name
    assert any(c["weak_type"] for c in CASES)
    assert any("..." in c["repr"] for c in CASES)
    assert any(len(c["shape"]) == 3 for c in CASES)
    assert any(0 in c["shape"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_repr_str_format_match_jax(case):
    value, dtype = _host_value(case)
    with np.printoptions(**case["printoptions"]):
        assert printing.array_repr(value, dtype, case["weak_type"]) == case["repr"]
        assert printing.array_str(value, dtype, case["weak_type"]) == case["str"]
        for spec, expected in case["format"]:
            if "ok" in expected:
                got = printing.array_format(value, dtype, case["weak_type"], spec)
                assert got == expected["ok"], spec
            else:
                with pytest.raises(Exception) as info:
                    printing.array_format(value, dtype, case["weak_type"], spec)
                assert type(info.value).__name__ == expected["error"], spec


def test_documented_examples():
    r = printing.array_repr
    assert r(np.array([0.4472136, 0.8944272], np.float32), np.dtype("float32"), False) == \
        "Array([0.4472136, 0.8944272], dtype=float32)"
    assert r(np.array(4.0, np.float32), np.dtype("float32"), True) == \
        "Array(4., dtype=float32, weak_type=True)"
    assert r(np.ones((2, 2), np.float32), np.dtype("float32"), False) == \
        "Array([[1., 1.],\n       [1., 1.]], dtype=float32)"
    assert r(np.array(True), np.dtype(bool), False) == "Array(True, dtype=bool)"
    assert r(np.arange(3, dtype=np.int32), np.dtype("int32"), False) == \
        "Array([0, 1, 2], dtype=int32)"
    assert r(np.zeros((0,), np.float32), np.dtype("float32"), False) == \
        "Array([], shape=(0,), dtype=float32)"
    assert printing.array_str(np.array(4.0, np.float32), np.dtype("float32"), True) == "4.0"
    assert printing.array_format(np.array(2.0, np.float32), np.dtype("float32"), False,
                                 ".3f") == "2.000"


def test_value_is_cast_to_dtype():
    # The host value is rendered as the declared dtype.
    got = printing.array_repr(np.array([1, 2]), np.dtype(ml_dtypes.bfloat16), False)
    assert got == "Array([1, 2], dtype=bfloat16)"
    got = printing.array_repr([1.5, 2.0], np.dtype("float32"), True)
    assert got == "Array([1.5, 2. ], dtype=float32, weak_type=True)"


def test_printoptions_not_modified():
    before = np.get_printoptions()
    printing.array_repr(np.arange(5000.0), np.dtype("float64"), False)
    printing.array_str(np.arange(5000.0), np.dtype("float64"), False)
    assert np.get_printoptions() == before
