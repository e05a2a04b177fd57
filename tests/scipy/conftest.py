"""Fixtures shared by the jaxlike.scipy tests."""
import numpy as np
import pytest


@pytest.fixture(params=["float32", "float64"])
def dtype(request):
    """Runs the test in float32 and (with x64 on) in float64; returns the dtype."""
    if request.param == "float64":
        request.getfixturevalue("x64")
    return np.dtype(request.param)
