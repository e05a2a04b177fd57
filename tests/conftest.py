"""Shared test configuration: hypothesis profiles, x64 toggling, and a clean trace state."""
import os

import pytest
from hypothesis import HealthCheck, settings

# Tests reuse a few shapes so that XLA compiles stay few (each costs ~100 ms); hypothesis
# varies values, not shapes, unless a test says otherwise.
# The default profile (make test, CI) is derandomized so that a landing never depends on
# luck; `HYPOTHESIS_PROFILE=thorough` explores with fresh random examples.
settings.register_profile("default", max_examples=15, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def x64():
    """Runs the test with jax_enable_x64 on, restoring the previous value after."""
    from jaxlike.config import config
    previous = config.jax_enable_x64
    config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        config.update("jax_enable_x64", previous)


@pytest.fixture(autouse=True)
def _check_trace_state():
    """Fails a test that leaves a transformation's trace current."""
    from jaxlike import core
    yield
    assert core.trace_state.trace is core.eval_trace, "a test left a trace current"
