"""The errors a user meets first: each names the function, the argument, the shapes and
dtypes involved, and what to do instead."""
import numpy as np
import pytest

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike import errors, lax


def test_incompatible_shapes_in_binary_op():
    with pytest.raises(TypeError) as info:
        jnp.add(jnp.ones(3), jnp.ones(4))
    message = str(info.value)
    assert "add" in message and "(3,)" in message and "(4,)" in message
    with pytest.raises(TypeError) as info:
        lax.mul(jnp.ones((2, 3)), jnp.ones((3, 2)))
    assert "mul" in str(info.value) and "(2, 3)" in str(info.value)


def test_python_control_flow_on_traced_value():
    def f(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(errors.TracerBoolConversionError) as info:
        jax.jit(f)(1.0)
    assert "static_argnums" in str(info.value) and "lax.cond" in str(info.value)


def test_non_array_argument_to_jit():
    def f(x, name):
        return x
    with pytest.raises(TypeError) as info:
        jax.jit(f)(1.0, "hello")
    message = str(info.value)
    assert "name" in message and "str" in message and "static_argnums" in message
    with pytest.raises(TypeError):
        jax.jit(f)(1.0, object())


def test_unsupported_dtype():
    with pytest.raises(TypeError) as info:
        jnp.zeros(3, dtype=np.dtype("U5"))
    assert "dtype" in str(info.value)
    with pytest.raises(TypeError):
        jnp.asarray(np.array(["a", "b"]))


def test_reshape_to_incompatible_size():
    with pytest.raises((TypeError, ValueError)) as info:
        jnp.ones((2, 3)).reshape(4, 2)
    message = str(info.value)
    assert "(2, 3)" in message and "(4, 2)" in message


def test_axis_out_of_range():
    with pytest.raises(ValueError) as info:
        jnp.sum(jnp.ones((2, 3)), axis=2)
    assert "axis 2" in str(info.value) and "dimension 2" in str(info.value)
    with pytest.raises(ValueError):
        jnp.expand_dims(jnp.ones(3), 3)


def test_unhashable_static_argument():
    f = jax.jit(lambda x, opts: x, static_argnums=1)
    with pytest.raises(ValueError) as info:
        f(1.0, [1, 2])
    assert "unhashable" in str(info.value) and "list" in str(info.value)


def test_lax_dtype_mismatch_suggests_the_fix():
    with pytest.raises(TypeError) as info:
        lax.add(jnp.ones(3, jnp.float32), jnp.ones(3, jnp.int32))
    assert "float32" in str(info.value) and "int32" in str(info.value)


def test_wrong_dtype_for_primitive():
    with pytest.raises(TypeError) as info:
        lax.sin(jnp.ones(3, jnp.int32))
    assert "sin" in str(info.value) and "int32" in str(info.value)
