"""Random compositions of primitives (hypothesis): jit agrees with eager execution, and
derivatives agree with finite differences and with each other (vjp vs jvp)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp

# Operations safe on any real input (domains kept finite so values stay comparable).
UNARY = {
    "sin": jnp.sin, "cos": jnp.cos, "tanh": jnp.tanh, "neg": jnp.negative,
    "exp_damped": lambda x: jnp.exp(-x * x), "square": lambda x: x * x,
    "softplus_like": lambda x: jnp.log(1.0 + jnp.exp(-jnp.abs(x))) + jnp.maximum(x, 0.0),
    "sum_keep": lambda x: x - jnp.sum(x, axis=-1, keepdims=True) / 3.0,
    "transpose_back": lambda x: jnp.transpose(x).T,
    "reverse": lambda x: x[..., ::-1],
    "scale": lambda x: 0.5 * x + 0.25,
}
BINARY = {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply,
    "max": jnp.maximum, "min": jnp.minimum,
    "div_safe": lambda x, y: x / (1.0 + y * y),
    "matmul_mix": lambda x, y: jnp.tanh(x @ y.T) @ x,
}

SHAPE = (2, 3)
program = st.lists(
    st.one_of(st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 9)),
              st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 9))),
    min_size=1, max_size=6)


def build(steps):
    """Returns f(x, y) applying `steps` to a growing list of intermediate values."""
    def f(x, y):
        values = [x, y]
        for kind, name, pick in steps:
            a = values[pick % len(values)]
            if kind == "u":
                values.append(UNARY[name](a))
            else:
                b = values[(pick * 7 + 1) % len(values)]
                values.append(BINARY[name](a, b))
        return jnp.sum(values[-1] * values[-1]) + jnp.sum(jnp.sin(values[-1]))
    return f


def inputs(seed, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1.5, 1.5, SHAPE).astype(dtype),
            rng.uniform(-1.5, 1.5, SHAPE).astype(dtype))


@settings(max_examples=12)
@given(program, st.integers(0, 2**16))
def test_jit_matches_eager(steps, seed):
    f = build(steps)
    x, y = inputs(seed)
    np.testing.assert_allclose(np.asarray(jax.jit(f)(x, y)), np.asarray(f(x, y)),
                               rtol=2e-5, atol=1e-5)


@settings(max_examples=8)
@given(program, st.integers(0, 2**16))
def test_grad_matches_finite_differences_and_jvp(steps, seed):
    from jaxlike.config import config
    config.update("jax_enable_x64", True)
    try:
        f = build(steps)
        x, y = inputs(seed, np.float64)
        gx, gy = jax.grad(f, argnums=(0, 1))(x, y)
        rng = np.random.default_rng(seed + 1)
        tx, ty = rng.standard_normal(SHAPE), rng.standard_normal(SHAPE)
        eps = 1e-6
        numeric = (float(f(x + eps * tx, y + eps * ty)) - float(f(x - eps * tx, y - eps * ty))) \
            / (2 * eps)
        _, forward = jax.jvp(f, (x, y), (tx, ty))
        reverse = float(np.sum(np.asarray(gx) * tx) + np.sum(np.asarray(gy) * ty))
        assert np.isclose(float(forward), numeric, rtol=1e-5, atol=1e-6)
        assert np.isclose(reverse, float(forward), rtol=1e-9, atol=1e-9)
        jit_gx, _ = jax.jit(jax.grad(f, argnums=(0, 1)))(x, y)
        np.testing.assert_allclose(np.asarray(jit_gx), np.asarray(gx), rtol=1e-10, atol=1e-12)
    finally:
        config.update("jax_enable_x64", False)


@settings(max_examples=5)
@given(program, st.integers(0, 2**16))
def test_check_grads_second_order(steps, seed):
    from jaxlike.config import config
    from jaxlike.test_util import check_grads
    config.update("jax_enable_x64", True)
    try:
        x, y = inputs(seed, np.float64)
        check_grads(build(steps), (x, y), order=2, modes=("fwd", "rev"), atol=1e-4, rtol=1e-4)
    finally:
        config.update("jax_enable_x64", False)
