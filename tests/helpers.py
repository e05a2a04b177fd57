"""Assertions shared by the tests."""
import numpy as np

import jaxlike
from jaxlike import dtypes

_TOL = {np.dtype(np.float16): 1e-2, np.dtype("bfloat16"): 5e-2, np.dtype(np.float32): 1e-5,
        np.dtype(np.float64): 1e-12, np.dtype(np.complex64): 1e-5,
        np.dtype(np.complex128): 1e-12}


def tolerance(dtype, scale=1.0):
    """Returns a relative tolerance suited to `dtype` (0 for exact types)."""
    return _TOL.get(np.dtype(dtype), 0.0) * scale


def assert_allclose(actual, expected, rtol=None, atol=None, check_dtype=True, err_msg=""):
    """Asserts that a jaxlike result equals a numpy reference: values within tolerance (exact
    for ints and bools) and the same dtype when `check_dtype`."""
    actual_np = np.asarray(actual)
    expected_np = np.asarray(expected)
    if check_dtype:
        assert actual_np.dtype == expected_np.dtype, (
            f"dtype {actual_np.dtype} != expected {expected_np.dtype}. {err_msg}")
    assert actual_np.shape == expected_np.shape, (
        f"shape {actual_np.shape} != expected {expected_np.shape}. {err_msg}")
    if rtol is None:
        rtol = tolerance(actual_np.dtype)
    if atol is None:
        atol = rtol
    np.testing.assert_allclose(actual_np.astype(np.result_type(actual_np, np.float32))
                               if actual_np.dtype.name == "bfloat16" else actual_np,
                               expected_np.astype(np.float32)
                               if expected_np.dtype.name == "bfloat16" else expected_np,
                               rtol=rtol, atol=atol, err_msg=err_msg, equal_nan=True)


def check_eager_and_jit(fun, args, expected, **kwargs):
    """Asserts fun(*args) and jit(fun)(*args) both equal `expected` (see assert_allclose)."""
    assert_allclose(fun(*args), expected, err_msg="eager", **kwargs)
    assert_allclose(jaxlike.jit(fun)(*args), expected, err_msg="jit", **kwargs)


def canonical(dtype):
    """Returns `dtype` canonicalized for the current x64 setting."""
    return dtypes.canonicalize_dtype(dtype)
