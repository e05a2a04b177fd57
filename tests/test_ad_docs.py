"""Autodiff examples from JAX's documentation (custom derivative rules, checkpointing), the
MLP training loop, second-order properties, and the remaining autodiff errors."""
from functools import partial

import numpy as np
import pytest

import jaxlike as jax
import jaxlike.numpy as jnp


# ---------------------------------------------------------------------------------------------
# custom_jvp: a numerically stable log1pexp (JAX's "Custom derivative rules" tutorial).

@jax.custom_jvp
def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    ans = log1pexp(x)
    return ans, x_dot * (1.0 - 1.0 / (1.0 + jnp.exp(x)))


def test_log1pexp_gradient_is_stable():
    naive = jax.grad(lambda x: jnp.log(1.0 + jnp.exp(x)))(100.0)
    assert np.isnan(float(naive))  # exp overflows: the reason for the custom rule
    assert float(jax.grad(log1pexp)(100.0)) == 1.0
    assert float(jax.jit(jax.grad(log1pexp))(100.0)) == 1.0
    np.testing.assert_allclose(np.asarray(jax.vmap(jax.grad(log1pexp))(jnp.arange(3.0))),
                               1 / (1 + np.exp(-np.arange(3.0))), rtol=1e-6)


def test_custom_jvp_second_order():
    @jax.custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvps(lambda t, ans, x: jnp.cos(x) * t)
    assert np.isclose(float(jax.grad(jax.grad(f))(0.5)), -np.sin(0.5), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# custom_vjp: gradient clipping (JAX's tutorial).

@jax.custom_vjp
def clip_gradient(lo, hi, x):
    return x


def clip_gradient_fwd(lo, hi, x):
    return x, (lo, hi)


def clip_gradient_bwd(res, g):
    lo, hi = res
    return (None, None, jnp.clip(g, lo, hi))


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


def test_gradient_clipping():
    def f(x):  # JAX's clip_sin: the cotangent reaching x is clipped
        return jnp.sin(clip_gradient(-0.75, 0.75, x))
    xs = jnp.linspace(0.0, 10.0, 7)
    grads = jax.vmap(jax.grad(f))(xs)
    np.testing.assert_allclose(np.asarray(grads), np.clip(np.cos(np.asarray(xs)), -0.75, 0.75),
                               rtol=1e-6)
    assert float(jax.jit(jax.grad(f))(0.0)) == 0.75


def test_custom_vjp_nondiff_argnums():
    @partial(jax.custom_vjp, nondiff_argnums=(0,))
    def scale(k, x):
        return k * x

    scale.defvjp(lambda k, x: (k * x, None), lambda k, res, g: (3 * k * g,))
    assert float(jax.grad(lambda x: scale(2.0, x))(1.0)) == 6.0


def test_custom_vjp_bwd_errors_name_the_function():
    @jax.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (g,))  # one cotangent for two args
    with pytest.raises(TypeError, match="bwd rule of f"):
        jax.grad(f)(1.0, 2.0)

    @jax.custom_vjp
    def h(x):
        return x

    h.defvjp(lambda x: (x, None), lambda res, g: g)  # not a tuple
    with pytest.raises(TypeError, match="bwd rule of h"):
        jax.grad(h)(1.0)


def test_has_aux_requires_a_pair():
    with pytest.raises(TypeError, match="has_aux=True"):
        jax.grad(lambda x: x * 2, has_aux=True)(1.0)


def test_argnums_must_be_ints():
    with pytest.raises(TypeError, match="argnums"):
        jax.grad(lambda x: x, argnums="x")(1.0)


# ---------------------------------------------------------------------------------------------
# checkpoint: equal gradients, fewer residuals.

def _residual_count(jaxpr):
    """Returns how many values the forward (known) call hands to the backward call."""
    eqns = [e for e in jaxpr.eqns if e.primitive.name in ("checkpoint", "jit")]
    forward, backward = eqns[0], eqns[-1]
    return len(set(forward.outvars) & set(backward.invars))


def test_checkpoint_saves_fewer_residuals():
    def block(x):
        for _ in range(4):
            x = jnp.sin(jnp.tanh(x) * 1.5)
        return jnp.sum(x)

    x = jnp.arange(3.0)
    plain = jax.make_jaxpr(jax.grad(jax.jit(block)))(x)
    remat = jax.make_jaxpr(jax.grad(jax.checkpoint(block)))(x)
    np.testing.assert_allclose(np.asarray(jax.grad(jax.checkpoint(block))(x)),
                               np.asarray(jax.grad(block)(x)), rtol=1e-6)
    assert _residual_count(remat) < _residual_count(plain)


# ---------------------------------------------------------------------------------------------
# Second order: jvp of grad equals a Hessian-vector product.

def test_jvp_of_grad_is_hessian_vector_product(x64):
    def f(x):
        return jnp.sum(jnp.sin(x) * jnp.exp(x[::-1]) + x ** 3)
    x = np.array([0.1, -0.4, 0.9])
    v = np.array([1.0, 0.5, -2.0])
    hvp = jax.jvp(jax.grad(f), (x,), (v,))[1]
    np.testing.assert_allclose(np.asarray(hvp), np.asarray(jax.hessian(f)(x)) @ v, rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# The training loop of issue 3: an MLP 784-512-512-10 with softmax cross-entropy.

def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(jnp.asarray(rng.normal(size=(m, n)).astype(np.float32) * np.sqrt(2.0 / m)),
             jnp.zeros(n)) for m, n in zip(sizes[:-1], sizes[1:])]


def predict(params, x):
    for w, b in params[:-1]:
        x = jnp.maximum(x @ w + b, 0.0)
    w, b = params[-1]
    logits = x @ w + b
    return logits - jnp.log(jnp.sum(jnp.exp(logits - jnp.max(logits, axis=1, keepdims=True)),
                                    axis=1, keepdims=True)) - jnp.max(logits, axis=1,
                                                                      keepdims=True)


def loss(params, x, y_onehot):
    return -jnp.mean(jnp.sum(predict(params, x) * y_onehot, axis=1))


@jax.jit
def sgd_step(params, x, y, lr=0.05):
    value, grads = jax.value_and_grad(loss)(params, x, y)
    return [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads)], value


def test_mlp_training_loss_falls():
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(10, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=256)
    x = centers[labels] + 0.5 * rng.normal(size=(256, 784)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[labels]
    params = init_params([784, 512, 512, 10])
    losses = []
    for step in range(40):
        batch = slice((step % 4) * 64, (step % 4 + 1) * 64)
        params, value = sgd_step(params, x[batch], y[batch])
        losses.append(float(value))
    assert losses[-1] < 0.5 * losses[0]
    assert sgd_step._cache_size() == 1  # one compiled program for every step


def test_custom_vjp_bwd_shape_and_structure_errors():
    @jax.custom_vjp
    def f(x):
        return x * 2

    f.defvjp(lambda x: (x * 2, None), lambda res, g: (jnp.ones(5),))
    with pytest.raises(ValueError, match="bwd rule of f.*shape"):
        jax.grad(lambda x: jnp.sum(f(x)))(jnp.ones(3))

    @jax.custom_vjp
    def g(p):
        return p["a"] * 2

    g.defvjp(lambda p: (p["a"] * 2, None), lambda res, ct: ((ct, ct),))
    with pytest.raises(TypeError, match="bwd rule of g.*structure"):
        jax.grad(g)({"a": 1.0})


def test_grad_of_nonscalar_names_shape_and_dtype():
    with pytest.raises(TypeError, match=r"shape \(3,\) and dtype float32.*jacrev"):
        jax.grad(lambda x: x * 2)(jnp.ones(3))
