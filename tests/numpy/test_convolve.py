"""jnp.convolve and jnp.correlate against NumPy (every mode, either operand longer, real,
complex and integer inputs) eagerly and under jit, derivatives to order 2, vmap against a
Python loop (including the batched convolution of JAX's automatic-vectorization guide),
and the errors. Lengths are 5 and 3 (and 3 and 5) to keep compiles few."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxlike as jax
import jaxlike.numpy as jnp
from jaxlike.test_util import check_grads

from helpers import assert_allclose, check_eager_and_jit
from vmap_helpers import loop

seeds = st.integers(0, 2**32 - 1)
MODES = ["full", "same", "valid"]


def random(rng, n, dtype):
    x = rng.standard_normal(n)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(n)
    return x.astype(dtype)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("lengths", [(5, 3), (3, 5)])
@settings(max_examples=3)
@given(seed=seeds)
def test_matches_numpy(name, mode, lengths, seed):
    rng = np.random.default_rng(seed)
    a, v = random(rng, lengths[0], np.float32), random(rng, lengths[1], np.float32)
    check_eager_and_jit(lambda a, v: getattr(jnp, name)(a, v, mode), (a, v),
                        getattr(np, name)(a, v, mode), rtol=1e-5)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_double_and_complex(name, dtype, x64):
    rng = np.random.default_rng(1)
    for lengths in ((5, 3), (3, 5)):
        a, v = random(rng, lengths[0], dtype), random(rng, lengths[1], dtype)
        for mode in MODES:
            assert_allclose(getattr(jnp, name)(a, v, mode), getattr(np, name)(a, v, mode))


def test_integers_promote_to_float_unless_preferred():
    a, v = np.arange(5, dtype=np.int32), np.array([1, 0, -1], np.int32)
    out = jnp.convolve(a, v)
    assert out.dtype == np.float32
    assert_allclose(out, np.convolve(a, v).astype(np.float32))
    exact = jnp.convolve(a, v, preferred_element_type=np.int32)
    assert_allclose(exact, np.convolve(a, v).astype(np.int32))
    assert jnp.correlate(a, 2.0 * v).dtype == np.float32


def test_default_modes_and_jaxpr():
    a, v = np.ones(5, np.float32), np.ones(3, np.float32)
    assert jnp.convolve(a, v).shape == (7,)  # numpy's default: 'full'
    assert jnp.correlate(a, v).shape == (3,)  # numpy's default: 'valid'
    text = str(jax.make_jaxpr(jnp.convolve)(a, v))
    assert "conv_general_dilated" in text and "padding=((2, 2),)" in text


@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_grads_order_2(name, x64):
    rng = np.random.default_rng(2)
    a, v = random(rng, 5, np.float64), random(rng, 3, np.float64)
    for mode in ("full", "same"):
        check_grads(lambda a, v: getattr(jnp, name)(a, v, mode), (a, v), order=2)


def test_vmap_of_the_guides_convolution():
    # From JAX's "Automatic vectorization" guide: a 1-D convolution written by hand, then
    # batched with vmap, equals the batched numpy result; so does vmap of jnp.convolve.
    x = jnp.arange(5)
    w = jnp.array([2., 3., 4.])

    def convolve(x, w):
        output = []
        for i in range(1, len(x) - 1):
            output.append(jnp.dot(x[i - 1:i + 2], w))
        return jnp.array(output)

    assert_allclose(convolve(x, w), np.array([11., 20., 29.], np.float32))
    xs, ws = jnp.stack([x, x]), jnp.stack([w, w])
    expected = np.array([[11., 20., 29.], [11., 20., 29.]], np.float32)
    assert_allclose(jax.vmap(convolve)(xs, ws), expected)
    assert_allclose(jax.vmap(convolve, in_axes=[0, None])(xs, w), expected)
    # The same sliding dot product is numpy's correlate, or a convolution with w reversed.
    assert_allclose(jax.vmap(lambda x, w: jnp.convolve(x, w[::-1], mode="valid"))(xs, ws),
                    expected)
    assert_allclose(jax.vmap(jnp.correlate, in_axes=(0, None))(xs, w), expected)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 1), (-1, 0)])
def test_vmap_matches_loop(name, in_axes):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 5) if in_axes[0] in (0, None) else (5, 4)).astype(np.float32)
    v = rng.standard_normal((3, 4) if in_axes[1] == 1 else (4, 3)).astype(np.float32)
    if in_axes[0] is None:
        a = a[0]
    if in_axes[1] is None:
        v = v[0]

    def f(a, v):
        return getattr(jnp, name)(a, v, "same")

    expected = loop(f, a, v, in_axes=in_axes)
    assert_allclose(jax.vmap(f, in_axes=in_axes)(a, v), expected, rtol=1e-5)
    assert_allclose(jax.jit(jax.vmap(f, in_axes=in_axes))(a, v), expected, rtol=1e-5)
    eqns = jax.make_jaxpr(jax.vmap(f, in_axes=in_axes))(a, v).eqns
    assert sum(e.primitive.name == "conv_general_dilated" for e in eqns) == 1
    assert len(eqns) <= 12


def test_vmap_of_grad():
    rng = np.random.default_rng(4)
    a, v = rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal(3).astype(
        np.float32)

    def loss(v, a):
        return (jnp.convolve(a, v, "same") ** 2).sum()

    assert_allclose(jax.vmap(jax.grad(loss), in_axes=(None, 0))(v, a),
                    loop(jax.grad(loss), v, a, in_axes=(None, 0)), rtol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match=r"convolve\(\) only support 1-dimensional inputs.*"
                                         r"\(2, 2\)"):
        jnp.convolve(jnp.ones((2, 2)), jnp.ones(3))
    with pytest.raises(ValueError, match=r"correlate: inputs cannot be empty, got shapes "
                                         r"\(0,\) and \(3,\)"):
        jnp.correlate(jnp.ones(0), jnp.ones(3))
    with pytest.raises(ValueError, match=r"mode must be one of \['full', 'same', 'valid'\]"):
        jnp.convolve(jnp.ones(3), jnp.ones(3), "wrap")
    with pytest.raises(TypeError, match="convolve requires ndarray or scalar arguments"):
        jnp.convolve([1.0, 2.0], jnp.ones(2))
