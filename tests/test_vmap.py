"""vmap: in_axes/out_axes semantics, nesting and composition with grad and jit, no
per-example unrolling, and its errors."""
import numpy as np
import pytest

import jaxlike as jax
import jaxlike.numpy as jnp

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3)).astype(np.float32)
W = rng.standard_normal((3, 2)).astype(np.float32)


def loop(f, *args, in_axes=0):
    """Returns np.stack([f(example) ...]) — the reference vmap is compared against."""
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    size = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    outs = []
    for i in range(size):
        ex = [a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, axes)]
        outs.append(np.asarray(f(*ex)))
    return np.stack(outs)


def test_matches_loop_with_in_axes_and_out_axes():
    f = lambda x, w: jnp.tanh(x @ w)  # noqa: E731
    np.testing.assert_allclose(np.asarray(jax.vmap(f, in_axes=(0, None))(X, W)),
                               loop(f, X, W, in_axes=(0, None)), rtol=1e-6)
    out = jax.vmap(f, in_axes=(1, None), out_axes=1)(X.T.copy(), W)
    np.testing.assert_allclose(np.asarray(out), loop(f, X, W, in_axes=(0, None)).T, rtol=1e-6)
    out = jax.vmap(f, in_axes=(-1, None), out_axes=-1)(X.T.copy(), W)
    np.testing.assert_allclose(np.asarray(out), np.moveaxis(loop(f, X, W, in_axes=(0, None)),
                                                            0, -1), rtol=1e-6)


def test_dict_in_axes_and_kwargs():
    params = {"w": W, "b": np.ones(2, np.float32)}
    f = lambda p, x: x @ p["w"] + p["b"]  # noqa: E731
    out = jax.vmap(f, in_axes=({"w": None, "b": None}, 0))(params, X)
    np.testing.assert_allclose(np.asarray(out), X @ W + 1, rtol=1e-6)
    out = jax.vmap(lambda x, scale: x * scale)(X, scale=np.arange(4.0, dtype=np.float32))
    np.testing.assert_allclose(np.asarray(out), X * np.arange(4.0)[:, None], rtol=1e-6)


def test_out_axes_none_for_unbatched_output_and_axis_size():
    out, const = jax.vmap(lambda x: (x * 2, 3.0), out_axes=(0, None))(X)
    assert float(const) == 3.0 and out.shape == X.shape
    out = jax.vmap(lambda: jnp.ones(2), axis_size=5)()
    assert out.shape == (5, 2)


def test_nested_vmap():
    f = lambda x, y: x * y + jnp.sin(x)  # noqa: E731
    a, b = X, X[:, ::-1].copy()
    out = jax.vmap(jax.vmap(f))(a, b)
    np.testing.assert_allclose(np.asarray(out), np.asarray(f(a, b)), rtol=1e-6)
    outer = jax.vmap(jax.vmap(f, in_axes=(None, 0)), in_axes=(0, None))(a[:, 0], b[0])
    np.testing.assert_allclose(np.asarray(outer), a[:, 0][:, None] * b[0][None, :]
                               + np.sin(a[:, 0])[:, None], rtol=1e-6)


def loss(w, x, y):
    return jnp.sum((jnp.tanh(x @ w) - y) ** 2)


def test_per_example_gradients():
    y = rng.standard_normal((4, 2)).astype(np.float32)
    per_example = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(W, X, y)
    expected = np.stack([np.asarray(jax.grad(loss)(W, X[i], y[i])) for i in range(4)])
    np.testing.assert_allclose(np.asarray(per_example), expected, rtol=1e-5, atol=1e-6)
    total = jax.grad(lambda w: jnp.sum(jax.vmap(loss, in_axes=(None, 0, 0))(w, X, y)))(W)
    np.testing.assert_allclose(np.asarray(total), expected.sum(0), rtol=1e-5, atol=1e-5)


def test_jit_and_vmap_commute():
    f = lambda x: jnp.sin(x) @ W  # noqa: E731
    np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(f))(X)),
                               np.asarray(jax.vmap(jax.jit(f))(X)), rtol=1e-6)


def test_no_per_example_unrolling():
    y = rng.standard_normal((4, 2)).astype(np.float32)
    plain = len(jax.make_jaxpr(loss)(W, X[0], y[0]).eqns)
    batched = len(jax.make_jaxpr(jax.vmap(loss, in_axes=(None, 0, 0)))(W, X, y).eqns)
    assert batched <= 3 * plain
    grad_plain = len(jax.make_jaxpr(jax.grad(loss))(W, X[0], y[0]).eqns)
    grad_batched = len(jax.make_jaxpr(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))(
        W, X, y).eqns)
    assert grad_batched <= 3 * grad_plain
    big = np.zeros((64, 3), np.float32)
    assert len(jax.make_jaxpr(jax.vmap(loss, in_axes=(None, 0, 0)))(
        W, big, np.zeros((64, 2), np.float32)).eqns) == batched


def test_inconsistent_sizes_error_lists_every_argument():
    with pytest.raises(ValueError, match="inconsistent sizes") as info:
        jax.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))
    assert "size 3" in str(info.value) and "size 4" in str(info.value)


def test_in_axes_errors():
    with pytest.raises(ValueError, match="in_axes"):
        jax.vmap(lambda a, b: a, in_axes=(0, 0, 0))(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="rank"):
        jax.vmap(lambda a: a, in_axes=2)(np.ones(3))
    with pytest.raises(ValueError, match="tree prefix"):
        jax.vmap(lambda p: p["a"], in_axes=({"b": 0},))({"a": np.ones(3)})


def test_out_axes_none_for_batched_output_is_an_error():
    with pytest.raises(ValueError, match="out_axes=None"):
        jax.vmap(lambda x: x * 2, out_axes=None)(np.ones(3))


def test_unbound_axis_name():
    with pytest.raises(NameError, match="unbound axis name: j"):
        jax.vmap(lambda x: jax.lax.psum(x, "j"), axis_name="i")(np.ones(3))


def test_per_example_weight_gradients_need_no_transpose():
    # The transpose rule of dot_general picks the operand order that yields the weight's
    # layout directly, so the batched outer products are not copied once more.
    def mlp_loss(params, x, y):
        (w1, b1), (w2, b2) = params
        h = jnp.tanh(x @ w1 + b1)
        return jnp.sum((h @ w2 + b2 - y) ** 2)
    rng = np.random.default_rng(3)
    params = [(rng.standard_normal((4, 8)).astype(np.float32), np.zeros(8, np.float32)),
              (rng.standard_normal((8, 1)).astype(np.float32), np.zeros(1, np.float32))]
    xs = rng.standard_normal((5, 4)).astype(np.float32)
    ys = rng.standard_normal((5, 1)).astype(np.float32)
    jaxpr = jax.make_jaxpr(jax.vmap(jax.grad(mlp_loss), in_axes=(None, 0, 0)))(params, xs, ys)
    assert "transpose" not in {e.primitive.name for e in jaxpr.eqns}
    grads = jax.vmap(jax.grad(mlp_loss), in_axes=(None, 0, 0))(params, xs, ys)
    for i in range(5):
        single = jax.grad(mlp_loss)(params, xs[i], ys[i])
        np.testing.assert_allclose(np.asarray(grads[0][0][i]), np.asarray(single[0][0]),
                                   rtol=1e-4, atol=1e-5)
