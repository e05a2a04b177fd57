"""Errors raised while tracing: Python control flow on traced values, escaped tracers."""
import numpy as np
import pytest

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors


def test_if_on_traced_value_names_the_fix():
    @jax.jit
    def f(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(errors.TracerBoolConversionError) as info:
        f(1.0)
    message = str(info.value)
    assert "static_argnums" in message and "lax.cond" in message


def test_float_of_traced_value():
    with pytest.raises(errors.ConcretizationTypeError):
        jax.jit(lambda x: float(x))(1.0)


def test_numpy_on_traced_value():
    with pytest.raises(errors.TracerArrayConversionError, match="jaxlike.numpy"):
        jax.jit(lambda x: np.sin(x))(np.ones(3, np.float32))


def test_index_with_traced_value():
    with pytest.raises(errors.TracerIntegerConversionError):
        jax.jit(lambda x, i: [x, x][i])(1.0, 0)


def test_escaped_tracer_is_reported():
    leaked = []

    @jax.jit
    def f(x):
        leaked.append(x)
        return x

    f(1.0)
    with pytest.raises(errors.UnexpectedTracerError, match="unexpected tracer"):
        jnp.sin(leaked[0])
    with pytest.raises(errors.UnexpectedTracerError):
        jax.jit(lambda y: y + leaked[0])(2.0)


def test_static_argument_makes_control_flow_work():
    f = jax.jit(lambda x, flag: x + 1.0 if flag else x - 1.0, static_argnums=1)
    assert float(f(1.0, True)) == 2.0
    assert float(f(1.0, False)) == 0.0
